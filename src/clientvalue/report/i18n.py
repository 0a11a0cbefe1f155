"""Reader-facing text and numbers in the report's language: gettext catalogs and Babel formats.

English is the source language: a message id is the English text. The Dutch translation is the
catalog ``clientvalue/locale/nl/LC_MESSAGES/clientvalue.po`` (compiled to ``.mo`` by
``make catalogs``), editable in any PO editor. Numbers, percentages and dates are formatted by
Babel for the report's locale (``en`` -> en_GB, ``nl`` -> nl_NL).

>>> _ = translator("nl")
>>> _.integer(1680), _.percent(1.0), _.number(0.405, 3)
('1.680', '100,0%', '0,405')
>>> _ = translator("en")
>>> _("{n} respondents", n=_.integer(1680))
'1,680 respondents'

Mark a module-level constant for extraction with :func:`N_` and translate it where it is shown:
``LABEL = N_("Performance")`` ... ``_(LABEL)``.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import gettext
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from clientvalue.defaults import LANGUAGES
from clientvalue.errors import ParameterError

LOCALES = {"en": "en_GB", "nl": "nl_NL"}
DOMAIN = "clientvalue"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
MISSING = "–"


def check_language(language: str) -> str:
    """Return ``language`` if it is one of :data:`LANGUAGES`; raise :class:`ParameterError` otherwise."""
    if language not in LANGUAGES:
        raise ParameterError(f"language must be one of {list(LANGUAGES)}, got {language!r}")
    return language


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark ``message`` for extraction without translating it (translate later with ``_(message)``)."""
    return message


def _missing(value: Any) -> bool:
    """True for None, NaN and the infinities: a number that cannot be written is shown as a dash."""
    try:
        return value is None or not math.isfinite(float(value))
    except (TypeError, ValueError, OverflowError):
        return False


def _half_up():
    """Round halves up (40.5% -> 41%), as readers learnt at school; Babel's default is half-even."""
    context = decimal.getcontext().copy()
    context.rounding = decimal.ROUND_HALF_UP
    return decimal.localcontext(context)


class Translator:
    """Translations and number formats of one report language.

    Call it like gettext's ``_``; keyword arguments fill ``{placeholders}`` after translation.

    Parameters
    ----------
    language : {"en", "nl"}
    """

    def __init__(self, language: str):
        self.language = check_language(language)
        self.locale = LOCALES[language]
        if language == "en":
            self._catalog: gettext.NullTranslations = gettext.NullTranslations()
        else:
            try:
                self._catalog = gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[language])
            except OSError as exc:  # the compiled catalog is part of the package
                raise ParameterError(
                    f"no compiled translation catalog for language {language!r} in {LOCALE_DIR}; "
                    "run `make catalogs` (or reinstall clientvalue)"
                ) from exc

    def __call__(self, message: str, /, **values: Any) -> str:
        text = self._catalog.gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, /, **values: Any) -> str:
        """The singular or plural form for count ``n``; keyword arguments fill placeholders."""
        text = self._catalog.ngettext(singular, plural, n)
        return text.format(**values) if values else text

    def number(self, value: Any, digits: int = 1) -> str:
        """A number with ``digits`` decimals and the locale's separators (``–`` when missing or not finite)."""
        if _missing(value):
            return MISSING
        value = float(value)
        if round(value, digits) == 0:
            value = 0.0  # no "-0.0"
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        with _half_up():
            return format_decimal(value, format=pattern, locale=self.locale, decimal_quantization=True)

    def integer(self, value: Any) -> str:
        """A whole number with the locale's grouping (``1,680`` / ``1.680``)."""
        if _missing(value):
            return MISSING
        with _half_up():
            return format_decimal(float(value), format="#,##0", locale=self.locale, decimal_quantization=True)

    def percent(self, fraction: Any, digits: int = 1) -> str:
        """A fraction 0–1 as a percentage (``45.7%`` / ``45,7%``)."""
        if _missing(fraction):
            return MISSING
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "") + "%"
        with _half_up():
            return format_percent(float(fraction), format=pattern, locale=self.locale, decimal_quantization=True)

    def date(self, value: _dt.date | _dt.datetime | str) -> str:
        """A date in words (``24 November 2026`` / ``24 november 2026``); ISO strings are accepted."""
        if isinstance(value, str):
            value = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if isinstance(value, _dt.datetime):
            value = value.date()
        return format_date(value, format="long", locale=self.locale)


@lru_cache(maxsize=None)
def translator(language: str) -> Translator:
    """The (cached) :class:`Translator` of ``language``: ``_ = translator(language)``."""
    return Translator(language)

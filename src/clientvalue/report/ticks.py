"""Chart numbers in the report's language: tick labels and colour bars through the Babel formats.

Matplotlib writes tick labels the English way ("0.5", "1,000" is never grouped, "50%"); a Dutch
reader expects "0,5" and "50%". :func:`localize_ticks` wraps the formatter of every numeric axis
of a figure (colour bars included) in a :class:`LocaleFormatter`, which keeps matplotlib's choice
of ticks and decimals and only rewrites each label with the translator's number formats. Labels
that are not numbers ("65+", a question's text) stay as they are.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> _ = ax.plot([0, 1], [-0.5, 1.0])
>>> _ = localize_ticks(ax, "nl")
>>> fig.canvas.draw()
>>> [t.get_text() for t in ax.get_yticklabels()][:3]
['−0,6', '−0,4', '−0,2']
>>> plt.close(fig)
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from matplotlib.ticker import FixedFormatter, Formatter, FuncFormatter

from clientvalue.report.i18n import translator

MINUS = "\N{MINUS SIGN}"
#: A whole number without sign, decimals or percent sign ("2024").
_WHOLE = re.compile(r"^\s*\d+\s*$")
#: A tick label as matplotlib writes it: a sign, digits, optionally a point and decimals, optionally "%".
_NUMBER = re.compile(r"^\s*\$?([-\u2212+]?)(\d+)(?:\.(\d+))?(\\?%)?\$?\s*$")


@lru_cache(maxsize=4096)
def localized_number(text: str, language: str) -> str:
    """``text`` (a number as matplotlib writes it: ``"-0.5"``, ``"1000"``, ``"50%"``) in ``language``.

    Anything that is not a plain number (``"65+"``, ``"1e3"``, words) is returned unchanged.
    Remembered per text and language: a chart asks for the same few tick labels at every draw
    (layout, tight bounding box, the drawing itself), and each Babel format costs about 0.1 ms.

    >>> localized_number("\N{MINUS SIGN}0.5", "nl"), localized_number("12.5%", "nl"), localized_number("65+", "nl")
    ('−0,5', '12,5%', '65+')
    """
    match = _NUMBER.match(text)
    if not match:
        return text
    sign, whole, decimals, percent = match.groups()
    digits = len(decimals or "")
    value = float(f"{whole}.{decimals or '0'}") * (-1 if sign in ("-", MINUS) else 1)
    _ = translator(language)
    out = _.percent(value / 100, digits) if percent else _.number(value, digits)
    if out.startswith("-"):
        out = MINUS + out[1:]  # the typographic minus, as matplotlib draws it
    return ("+" + out) if sign == "+" else out


class LocaleFormatter(Formatter):
    """A tick formatter that writes the labels of ``inner`` in the locale of ``language``.

    Parameters
    ----------
    inner : matplotlib.ticker.Formatter
        The formatter that chooses the labels (decimals, percent sign...).
    language : {"en", "nl"}
    """

    def __init__(self, inner: Formatter, language: str):
        self.inner = inner
        self.language = language

    def set_axis(self, axis: Any) -> None:  # noqa: D102 (matplotlib's API)
        super().set_axis(axis)
        self.inner.set_axis(axis)

    def set_locs(self, locs: Any) -> None:  # noqa: D102
        super().set_locs(locs)
        self.inner.set_locs(locs)

    def __call__(self, x: float, pos: int | None = None) -> str:
        text = self.inner(x, pos)
        if isinstance(self.inner, (FixedFormatter, FuncFormatter)) and _WHOLE.match(text):
            # labels given as text (``set_xticks(ticks, labels)``): a whole number there names something,
            # such as a wave ("2024", never "2.024"); matplotlib's own numbers are still localised
            return text
        return localized_number(text, self.language)

    def format_data_short(self, value: float) -> str:  # noqa: D102
        return localized_number(self.inner.format_data_short(value), self.language)

    def get_offset(self) -> str:  # noqa: D102
        return localized_number(self.inner.get_offset(), self.language)


def _localize_axis(axis: Any, language: str) -> None:
    current = axis.get_major_formatter()
    if isinstance(current, LocaleFormatter):
        current.language = language
        return
    axis.set_major_formatter(LocaleFormatter(current, language))


def localize_ticks(ax_or_fig: Any, language: str) -> Any:
    """Write the tick labels of every axes of a figure (or of one axes) in ``language``; return it.

    Colour bars are included: their formatter is wrapped too, so a redrawn colour bar keeps it.
    Calling it twice is harmless (the language of the second call wins).
    """
    from matplotlib.figure import FigureBase

    axes = list(ax_or_fig.axes) if isinstance(ax_or_fig, FigureBase) else [ax_or_fig]
    for ax in axes:
        colorbar = getattr(ax, "_colorbar", None)
        for axis in (ax.xaxis, ax.yaxis):
            _localize_axis(axis, language)
        if colorbar is not None:
            colorbar.formatter = ax.yaxis.get_major_formatter() if colorbar.orientation == "vertical" \
                else ax.xaxis.get_major_formatter()
    return ax_or_fig

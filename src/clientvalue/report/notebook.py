"""What notebooks use to show results: captioned tables and figures, findings, saved CSVs.

A notebook makes one :class:`Report` from its parameters and hands it every result:

>>> report = Report(language="en", tables_dir=None)              # doctest: +SKIP
>>> report.table(checks.missingness(survey), "missingness")      # doctest: +SKIP

``table`` shows the table with a caption in the report's language and, when the run gives
a ``tables_dir``, writes it there as tidy CSV (the machine-readable copy next to the HTML).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from clientvalue.defaults import MIN_GROUP_SIZE
from clientvalue.report.i18n import LANGUAGES, N_, Translator, check_language, translator  # noqa: F401 (re-exported)
from clientvalue.report.texts import INTEGER_COLUMNS, caption, column_label, is_percent, shown_frame
from clientvalue.report.safety import neutral_csv

# Dots per inch of the PNG charts in a report: sharp on a phone's high-density screen, still small.
SAVE_DPI = 150
PHONE_DPI = 110  # a phone variant is about 4.5 in wide: 500 px, 1.4 pixels per CSS pixel on a phone

NOT_AVAILABLE = N_("not available for this survey (it has no questions for it).")
NOTHING_TO_SHOW = N_("nothing to show for this survey.")


def setup_plotting() -> None:
    """Small, readable, self-contained figures (seaborn's plain theme).

    Shown at 100 dpi in a notebook, saved at :data:`SAVE_DPI` so that charts stay sharp on a
    phone's high-density screen (``compact_png`` keeps the files small).
    """
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    mpl.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": SAVE_DPI,
            "savefig.bbox": "tight",
            "figure.figsize": (8, 4.5),
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            # labels come from data and codebooks: "$x^$" in a group name is text, never TeX to parse
            "text.parse_math": False,
        }
    )
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")
    except Exception:  # not in a kernel: nothing to configure
        pass


def _is_missing(value: Any) -> bool:
    """None, NA, NaN or an infinity (a cell that cannot be written as a number: shown as a dash)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)):
        return not math.isfinite(value)
    return False


def _column_kind(values: pd.Series, column: str, columns: list[str]) -> str:
    """How to show a column: ``percent``, ``integer``, ``number``, ``flag`` or ``text``."""
    if pd.api.types.is_bool_dtype(values) or column in ("suppressed", "in_red", "flag"):
        return "flag"
    if not pd.api.types.is_numeric_dtype(values):
        return "text"
    if is_percent(column, columns):
        return "percent"
    if column == "p_value" or column.endswith("_p_value"):
        return "p_value"
    finite = values.dropna()
    if len(finite) and bool(((finite % 1) == 0).all()) and (column.startswith("n") or column in INTEGER_COLUMNS):
        return "integer"
    return "number"


def _format_value(value: Any, kind: str, _: Translator | None = None) -> str:
    """A cell as text, numbers in the locale of ``_`` (English by default)."""
    _ = _ or translator("en")
    if _is_missing(value):
        return "–"
    if kind.startswith("formatted"):
        return str(value)
    if kind == "flag":
        return "✓" if bool(value) else ""
    if kind == "percent":
        return _.percent(value)
    if kind == "integer":
        return _.integer(value)
    if kind == "p_value":
        return "< " + _.number(0.001, 3) if value < 0.001 else _.number(value, 3)
    if kind == "number" and isinstance(value, (int, float)):
        return _.number(value, 3) if abs(value) < 10 else _.number(value, 1)
    return str(value)


@dataclass(frozen=True)
class GroupColumns:
    """A table of one row per question and one column per group (:func:`questions_by_group`).

    ``frame``: its first column the questions, then one column of formatted cells per group, headed
    by the group's label; ``cells``: ``"text"`` or ``"number"``, how :func:`table_html` aligns them.
    """

    frame: pd.DataFrame
    cells: str

    @property
    def empty(self) -> bool:
        """Whether it has no rows (an empty result)."""
        return self.frame.empty


def questions_by_group(frame: pd.DataFrame, *, row: str, value: str, language: str,
                       value_labels: Mapping[str, Mapping[str, str]] | None = None) -> GroupColumns:
    """One row per ``row`` (e.g. a question), one column per group, cells ``value`` as a reader reads it.

    The long table of every question in every group (9 questions × 6 groups: 54 rows) becomes a
    9-row table; numbers are formatted as in :func:`table_html`, codes are put in words (and values
    by ``value_labels``, see :func:`~clientvalue.report.texts.shown_frame`). Show it with
    ``table_html(wide.frame, language=..., cells=wide.cells)``.
    """
    _ = translator(language)
    if frame.empty or value not in frame.columns or row not in frame.columns:  # an empty result: no rows
        return GroupColumns(pd.DataFrame({row: pd.Series(dtype=object)}), "number")
    frame = frame.infer_objects()
    kind = _column_kind(frame[value], value, [str(c) for c in frame.columns])
    shown = shown_frame(frame, language, value_labels=value_labels)
    cells = {(r, g): v for r, g, v in zip(frame[row], frame["group"], shown[value])}
    rows = list(dict.fromkeys(zip(frame[row], shown[row])))  # (value, as shown), in table order
    out = pd.DataFrame({row: [text for _key, text in rows]})
    for group, label in dict(zip(frame["group"], shown["group"])).items():
        out[label] = [_format_value(cells.get((key, group)), kind, _) for key, _text in rows]
    return GroupColumns(out, "text" if kind in ("text", "flag") else "number")


def table_html(frame: pd.DataFrame, *, language: str,
               value_labels: Mapping[str, Mapping[str, str]] | None = None, cells: str | None = None) -> str:
    """An HTML table of a tidy frame: translated headers and codes, locale numbers right-aligned, text escaped.

    ``value_labels`` shows values by their labels (see :func:`~clientvalue.report.texts.shown_frame`).
    ``cells`` (``"text"`` or ``"number"``): the frame of a :class:`GroupColumns` (:func:`questions_by_group`),
    which holds formatted cells after its first column, headed by their own names (group labels) and
    aligned as ``cells`` says.
    """
    _ = translator(language)
    frame = frame.infer_objects()  # e.g. a Series turned into a one-row frame holds numbers as objects
    columns = [str(c) for c in frame.columns]
    kinds = [_column_kind(frame[c], c, columns) for c in frame.columns]
    if cells is not None:
        kinds[1:] = ["formatted_text" if cells == "text" else "formatted"] * (len(kinds) - 1)
    frame = shown_frame(frame, language, value_labels=value_labels)
    labels = [html.escape(c if k.startswith("formatted") else column_label(c, language)) for c, k in zip(columns, kinds)]
    align = ["text" if k in ("text", "formatted_text") else "num" for k in kinds]
    texts = [[_format_value(v, k, _) for v, k in zip(values, kinds)] for values in frame.itertuples(index=False)]
    for j in range(1, len(kinds)):  # a column of numbers formatted beforehand ("35,8%", "0,50 (0,28 – 0,71)")
        if kinds[j] == "text" and formatted_numbers([row[j] for row in texts]):
            align[j] = "num"
    for j, kind in enumerate(kinds):  # short labels ("18–54", "85+") are never broken over two lines
        if align[j] == "text" and kind == "text" and texts and all(len(row[j]) <= SHORT_TEXT for row in texts):
            align[j] = "text short"
    head = "".join(f"<th scope='col' class='{a}'>{label}</th>"
                   for label, a in zip(labels, align))
    # a column of sentences (the reasons of a strategy...) would be a few words wide on a phone:
    # such a table becomes one card per row there, each value after its column name (data-label)
    cards = any(len(text) > LONG_TEXT for row in texts for text, k in zip(row, kinds) if k == "text")
    rows = []
    for row in texts:
        cells = "".join(
            f"<td class='{a}'" + (f" data-label='{label}'" if cards else "") + ">"
            f"{html.escape(text).replace(chr(10), '<br>')}</td>"
            for text, a, label in zip(row, align, labels)
        )
        rows.append(f"<tr>{cells}</tr>")
    kind = "cv-table cards" if cards else "cv-table"
    return f"<table class='{kind}'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


#: Characters from which a text cell counts as a sentence (see :func:`table_html`).
LONG_TEXT = 80
#: Rows (header included) from which a table may break over printed pages (see ``STYLE`` in report/publish.py).
LONG_TABLE_ROWS = 12
#: Characters up to which every cell of a text column is a short label, kept on one line.
SHORT_TEXT = 12

_NUMBER = r"[<>≤≥]?\s?[-−+]?\d[\d.,\u00a0\u202f]*\s?%?"
#: A number as a page writes it, with an interval or a range after it: "35,8%", "< 0,001", "0,50 (0,28 – 0,71)".
FORMATTED_NUMBER = re.compile(rf"^{_NUMBER}(\s?[–-]\s?{_NUMBER})?(\s\({_NUMBER}\s?[–-]\s?{_NUMBER}\))?$")


def formatted_numbers(cells: list[str]) -> bool:
    """Whether text cells are numbers formatted for the reader (dashes for suppressed cells allowed).

    A table built from already formatted text (pages 30 and 40) still marks such a column as numbers:
    right-aligned, kept on one line, and known as numbers to the checks of the number formats.

    >>> formatted_numbers(["35,8%", "–", "0,50 (0,28 – 0,71)", "< 0,001", "1.680"])
    True
    >>> formatted_numbers(["Segment 1", "12"]), formatted_numbers(["–", ""])
    (False, False)
    """
    cells = [c.strip() for c in cells]
    numbers = [c for c in cells if c not in ("", "–", "-")]
    return bool(numbers) and all(FORMATTED_NUMBER.match(c) for c in numbers)


#: Output metadata key of a figure's phone variant (base64 PNG), read by the publish step.
PHONE_METADATA = "clientvalue/phone-png"
#: Output metadata key of the smallest text of a figure's phone variant in CSS pixels on a 390-pixel
#: phone (:func:`clientvalue.report.phone.smallest_text_px`; the wide chart's when it has no variant).
PHONE_TEXT_METADATA = "clientvalue/phone-text-px"


def _figure_of(ax_or_fig: Any) -> Any:
    from matplotlib.axes import Axes

    return ax_or_fig.get_figure() if isinstance(ax_or_fig, Axes) else ax_or_fig


#: zlib level of a chart's paletted PNG: level 9 (Pillow's ``optimize``) makes files 3-5% smaller
#: than 8 at 2.5 times the CPU (0.15 s against 0.06 s for a 1,600 x 1,600 px chart).
PNG_LEVEL = 8


def _png_base64(fig: Any, dpi: int = SAVE_DPI, *, box: Any = None) -> str:
    """The figure as a compact PNG in base64, cut to its tight box (as ``setup_plotting`` sets ``savefig``).

    The full-colour image is only read by :func:`compact_png`: the figure is drawn to raw pixels (no
    PNG to encode and decode again, :func:`clientvalue.report.tightbox.save_rgba`), else matplotlib
    writes the PNG uncompressed (``compress_level`` 0). The published pixels are the same either
    way. ``box``: the figure's tight box at ``dpi`` if already measured (see
    :func:`clientvalue.report.tightbox.save_png`).
    """
    import base64

    from clientvalue.report.tightbox import save_png, save_rgba

    rgba = save_rgba(fig, dpi=dpi, box=box)
    if rgba is not None:
        compact = _compact_rgba(*rgba)
        if compact is not None:
            return base64.b64encode(compact).decode("ascii")
    png = save_png(fig, dpi=dpi, box=box, compress_level=0)  # compact_png compresses the final image
    return base64.b64encode(compact_png(png)).decode("ascii")


def _compact_rgba(pixels: bytes, size: tuple[int, int], colours: int = 96) -> bytes | None:
    """:func:`compact_png` of the PNG of raw RGBA ``pixels``, without that PNG; ``None`` if it is needed.

    The palette version is returned when it is smaller than any uncompressed PNG of these pixels
    (as :func:`compact_png` returns it when smaller than the uncompressed PNG matplotlib writes).
    """
    try:
        from PIL import Image

        image = Image.frombuffer("RGBA", size, pixels, "raw", "RGBA", 0, 1).convert("RGB")
        out = _paletted_png(image, colours)
    except Exception:  # Pillow missing or an unusual image: compact_png decides
        return None
    width, height = size
    return out if len(out) < height * (4 * width + 1) else None  # the PNG's filtered rows alone


def _paletted_png(image: Any, colours: int) -> bytes:
    """An RGB Pillow image reduced to an adaptive palette of ``colours``, as PNG."""
    import io

    from PIL import Image

    paletted = image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    paletted.save(out, format="PNG", compress_level=PNG_LEVEL)
    return out.getvalue()


def _png_width(png_base64: str) -> int:
    """Width in pixels of a PNG given in base64 (read from its header: bytes 16-20 of the IHDR chunk)."""
    import base64

    return int.from_bytes(base64.b64decode(png_base64[:32])[16:20], "big")


def compact_png(png: bytes, colours: int = 96) -> bytes:
    """Shrink a chart PNG by reducing it to an adaptive palette (charts use few colours).

    Keeps the report small enough to open quickly on a phone. When Pillow cannot do it, or
    the palette version is no smaller, the full-colour image is returned, deflated.
    """
    import io

    try:
        from PIL import Image

        image = Image.open(io.BytesIO(png)).convert("RGB")
        out = _paletted_png(image, colours)
        if len(out) < len(png):
            return out
        full = io.BytesIO()
        image.save(full, format="PNG", compress_level=PNG_LEVEL)
        return min(png, full.getvalue(), out, key=len)
    except Exception:  # Pillow missing or an unusual image: keep the original
        return png


class Report:
    """Shows results in a notebook and saves their tables.

    Parameters
    ----------
    language : {"en", "nl"}
        Language of captions and column headers.
    tables_dir : str or Path, optional
        Folder for ``<name>.csv`` copies of every table; ``None`` saves nothing.
    min_group_size : int
        Shown in the note under tables with suppressed groups.
    """

    def __init__(self, *, language: str = "en", tables_dir: str | Path | None = None, min_group_size: int = MIN_GROUP_SIZE):
        self.language = check_language(language)
        self.tables_dir = Path(tables_dir) if tables_dir else None
        self.min_group_size = min_group_size
        if self.tables_dir is not None:
            self.tables_dir.mkdir(parents=True, exist_ok=True)
        setup_plotting()

    def text(self, en: str, nl: str | None = None) -> None:
        """Show a paragraph of markdown in the report's language."""
        from IPython.display import Markdown, display

        display(Markdown(nl if (self.language == "nl" and nl) else en))

    def save(self, frame: pd.DataFrame | None, name: str) -> pd.DataFrame | None:
        """Write ``frame`` as ``tables_dir/<name>.csv`` (UTF-8, tidy; nothing without tables_dir or frame).

        Text cells starting with ``=``, ``+``, ``-``, ``@``, tab or CR get a leading apostrophe in the
        CSV so that a spreadsheet never runs them as formulas; numbers stay numbers.

        Returns ``frame`` unchanged, so a notebook can save and use a result in one line.
        """
        if self.tables_dir is not None and frame is not None:
            # no text cell may run as a spreadsheet formula (report.safety.neutral_csv)
            neutral_csv(frame).to_csv(self.tables_dir / f"{name}.csv", index=False, encoding="utf-8",
                         lineterminator="\n", float_format="%.6g")
        return frame

    def table(self, frame: pd.DataFrame | None, name: str, *, show: list[str] | None = None, save: bool = True,
              by_group: tuple[str, str] | None = None,
              value_labels: Mapping[str, Mapping[str, str]] | None = None) -> None:
        """Show a captioned table and save it as ``<name>.csv``.

        Parameters
        ----------
        frame : pandas.DataFrame or None
            A tidy result table. Rows with ``suppressed`` True keep their label but show no numbers.
            ``None`` (a result this survey cannot give) shows a short note instead.
        name : str
            File name of the CSV and key of the caption (see :mod:`clientvalue.report.texts`).
        show : list of str, optional
            Columns to show (all by default); the CSV always holds every column.
        save : bool
            Write the CSV.
        by_group : (str, str), optional
            ``(row, value)``: show one row per ``row`` and one column per group holding ``value``
            (:func:`questions_by_group`) instead of the long table; the CSV keeps every row and column.
        value_labels : dict, optional
            ``{column: {value: label}}`` in the report's language: values shown by their labels
            (e.g. questions by the codebook's texts); the CSV keeps the values.

        """
        from IPython.display import HTML, display

        if frame is None:
            _ = translator(self.language)
            display(HTML(f"<p class='note'>{html.escape(caption(name, self.language))}: {html.escape(_(NOT_AVAILABLE))}</p>"))
            return
        if save:
            self.save(frame, name)
        if frame.empty:  # e.g. no group got an ordinal model: say so instead of an empty table
            _ = translator(self.language)
            display(HTML(f"<p class='note'>{html.escape(caption(name, self.language))}: "
                         f"{html.escape(_(NOTHING_TO_SHOW))}</p>"))
            return
        shown = frame[show] if show else frame
        if "suppressed" in shown.columns and not shown["suppressed"].fillna(False).astype(bool).any():
            shown = shown.drop(columns="suppressed")  # an empty column only widens the table (the CSV keeps it)
        note = ""
        if "suppressed" in frame.columns and bool(frame["suppressed"].any()):
            _ = translator(self.language)
            note = "<p class='note'>" + html.escape(
                _("– = not shown: fewer than {n} respondents.", n=_.integer(self.min_group_size))) + "</p>"
        title = html.escape(caption(name, self.language))
        if by_group is not None:
            row, value = by_group
            wide = questions_by_group(frame, row=row, value=value, language=self.language, value_labels=value_labels)
            body = table_html(wide.frame, language=self.language, cells=wide.cells)
            _ = translator(self.language)
            note += "<p class='note'>" + html.escape(_(
                "One column per group; the table file {file} holds every column.", file=f"{name}.csv")) + "</p>"
        else:
            body = table_html(shown, language=self.language, value_labels=value_labels)
        self.show_table_html(title, body, note)

    def show_table_html(self, title: str, body: str, note: str = "") -> None:
        """Show an HTML table (from :func:`table_html`) under its caption ``title`` (escaped HTML).

        A table wider than the screen scrolls in its own box, reachable by keyboard (tabindex)
        and named for screen readers.
        """
        from IPython.display import HTML, display

        # a long table, or one of sentences (tall rows), may break over printed pages
        long = body.count("<tr") > LONG_TABLE_ROWS or "class='cv-table cards'" in body
        kind = "cv-table long" if long else "cv-table"
        display(HTML(f"<figure class='{kind}' tabindex='0' role='region' aria-label='{title}'>"
                     f"<figcaption>{title}</figcaption>{body}{note}</figure>"))

    def figure(self, ax_or_fig: Any, name: str, *, alt: str | None = None, phone: Any = None) -> None:
        """Show a matplotlib figure as PNG with its caption, then close it.

        The alt text is ``alt``, else the figure's ``alt_text`` attribute (a chart function can
        say what the chart shows, e.g. :func:`clientvalue.report.plots_driver_panels.plot_groups`), else
        the caption. The published page shows a narrow variant instead on a phone, so that its
        text stays readable: ``phone``, the same chart drawn narrow by its chart function (about
        4.5 inches wide, one panel per row), else this figure redrawn narrow
        (:func:`clientvalue.report.phone.fit_to_phone`). The notebook shows the wide one.
        Text of the phone variant smaller than :data:`~clientvalue.report.phone.MIN_TEXT_PX` CSS
        pixels on a 390-pixel phone is enlarged to it; the smallest text is recorded in the output's
        metadata (:data:`PHONE_TEXT_METADATA`).
        """
        from IPython.display import Markdown, display

        import matplotlib.pyplot as plt

        from clientvalue.report.phone import enlarge_text_for_phone, fit_to_phone, smallest_text_px
        from clientvalue.report.ticks import localize_ticks

        text = caption(name, self.language)
        fig = _figure_of(ax_or_fig)
        alt = alt or getattr(fig, "alt_text", None) or text
        localize_ticks(fig, self.language)  # chart numbers in the report's language, every chart
        png = _png_base64(fig)
        metadata: dict[str, Any] = {"image/png": {"alt": alt}}
        # the phone variant: the one given, else the same figure redrawn narrow (if it can be)
        narrow = fit_to_phone(fig) if phone is None else _figure_of(phone)
        if narrow is not None:
            localize_ticks(narrow, self.language)
            box = enlarge_text_for_phone(narrow, dpi=PHONE_DPI)
            metadata[PHONE_METADATA] = _png_base64(narrow, dpi=PHONE_DPI, box=box)
            metadata[PHONE_TEXT_METADATA] = round(smallest_text_px(
                narrow, dpi=PHONE_DPI, saved_width=_png_width(metadata[PHONE_METADATA])), 2)
            plt.close(narrow)
        else:  # the wide chart is what a phone shows
            metadata[PHONE_TEXT_METADATA] = round(smallest_text_px(fig, dpi=SAVE_DPI, saved_width=_png_width(png)), 2)
        plt.close(fig)
        display({"image/png": png, "text/plain": alt}, raw=True, metadata=metadata)
        display(Markdown(f"*{text}*"))

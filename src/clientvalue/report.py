"""What notebooks use to show results: captioned tables and figures, findings, saved CSVs.

A notebook makes one :class:`Report` from its parameters and hands it every result:

>>> report = Report(language="en", tables_dir=None)              # doctest: +SKIP
>>> report.table(checks.missingness(survey), "missingness")      # doctest: +SKIP

``table`` shows the table with a caption in the report's language and, when the run gives
a ``tables_dir``, writes it there as tidy CSV (the machine-readable copy next to the HTML).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from clientvalue.errors import ParameterError
from clientvalue.texts import caption, column_label

LANGUAGES = ("en", "nl")
NOT_AVAILABLE = {
    "en": "not available for this survey (it has no questions for it).",
    "nl": "niet beschikbaar voor dit onderzoek (het heeft er geen vragen voor).",
}


def check_language(language: str) -> str:
    """Return ``language`` if it is ``"en"`` or ``"nl"``; raise :class:`ParameterError` otherwise."""
    if language not in LANGUAGES:
        raise ParameterError(f"language must be one of {list(LANGUAGES)}, got {language!r}")
    return language


def setup_plotting() -> None:
    """Small, readable, self-contained figures (PNG at 100 dpi, seaborn's plain theme)."""
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    mpl.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "savefig.bbox": "tight",
            "figure.figsize": (8, 4.5),
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
        }
    )
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")
    except Exception:  # not in a kernel: nothing to configure
        pass


def _format_value(value: Any, column: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and column.startswith("n")):
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


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

    def __init__(self, *, language: str = "en", tables_dir: str | Path | None = None, min_group_size: int = 10):
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

    def save(self, frame: pd.DataFrame, name: str) -> pd.DataFrame:
        """Write ``frame`` as ``tables_dir/<name>.csv`` (UTF-8, tidy; nothing without tables_dir).

        Returns ``frame`` unchanged, so a notebook can save and use a result in one line.
        """
        if self.tables_dir is not None:
            frame.to_csv(self.tables_dir / f"{name}.csv", index=False, encoding="utf-8",
                         lineterminator="\n", float_format="%.6g")
        return frame

    def table(self, frame: pd.DataFrame | None, name: str, *, show: list[str] | None = None, save: bool = True) -> None:
        """Show a captioned table and save it as ``<name>.csv``.

        Parameters
        ----------
        frame : pandas.DataFrame or None
            A tidy result table. Rows with ``suppressed`` True keep their label but show no numbers.
            ``None`` (a result this survey cannot give) shows a short note instead.
        name : str
            File name of the CSV and key of the caption (see :mod:`clientvalue.texts`).
        show : list of str, optional
            Columns to show (all by default); the CSV always holds every column.
        save : bool
            Write the CSV.

        """
        from IPython.display import HTML, display

        if frame is None:
            display(HTML(f"<p class='note'>{caption(name, self.language)}: {NOT_AVAILABLE[self.language]}</p>"))
            return
        if save:
            self.save(frame, name)
        shown = frame[show] if show else frame
        body = shown.copy()
        for column in body.columns:
            body[column] = [_format_value(v, str(column)) for v in body[column].tolist()]
        body.columns = [column_label(str(c), self.language) for c in body.columns]
        note = ""
        if "suppressed" in frame.columns and bool(frame["suppressed"].any()):
            note = (
                "<p class='note'>"
                + {
                    "en": f"– = not shown: fewer than {self.min_group_size} respondents.",
                    "nl": f"– = niet getoond: minder dan {self.min_group_size} respondenten.",
                }[self.language]
                + "</p>"
            )
        html = body.to_html(index=False, escape=True, border=0, classes="cv-table", na_rep="–")
        title = caption(name, self.language)
        display(HTML(f"<figure class='cv-table'><figcaption>{title}</figcaption>{html}{note}</figure>"))

    def figure(self, ax_or_fig: Any, name: str) -> None:
        """Show a matplotlib figure as PNG with its caption (also as alt text), then close it."""
        import base64
        import io

        import matplotlib.pyplot as plt
        from IPython.display import Markdown, display

        fig = ax_or_fig.get_figure() if hasattr(ax_or_fig, "get_figure") and not hasattr(ax_or_fig, "savefig") else ax_or_fig
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        plt.close(fig)
        text = caption(name, self.language)
        png = base64.b64encode(buffer.getvalue()).decode("ascii")
        display({"image/png": png, "text/plain": text}, raw=True, metadata={"image/png": {"alt": text}})
        display(Markdown(f"*{text}*"))

"""How a statistic's result shows itself in a notebook: a one-line summary above its table.

The results of :mod:`clientvalue.stats` (``importance_result``, ``ipa_result``, ``model_results``,
``senior_result``) are small frozen dataclasses with a tidy table and typed extras. They derive
from :class:`ShowsTable` (declared with ``repr=False``, so that the dataclass keeps this ``repr``):
an analyst whose JupyterLab cell ends with ``importance(...)`` sees the summary and the table.
"""

from __future__ import annotations

import html

import pandas as pd


class ShowsTable:
    """A result that shows :meth:`_shown` (its ``table``) under the line of :meth:`_summary` (text and HTML)."""

    def _summary(self) -> str:
        raise NotImplementedError

    def _shown(self) -> pd.DataFrame | pd.Series:
        return self.table  # type: ignore[attr-defined,no-any-return]

    def __repr__(self) -> str:
        return f"{self._summary()}\n{self._shown()!r}"

    def _repr_html_(self) -> str:
        shown = self._shown()
        table = shown.to_frame() if isinstance(shown, pd.Series) else shown
        return f"<p>{html.escape(self._summary())}</p>\n{table._repr_html_()}"

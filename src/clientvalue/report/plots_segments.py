"""Charts of notebook 30: segment profiles and the fairness audit (aggregated numbers only)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from clientvalue.report.i18n import translator
from clientvalue.report.ticks import MINUS, localize_ticks


def plot_profiles(profile: pd.DataFrame, *, language: str = "en", ax=None):
    """Heat map: per segment (columns) and question (rows) the standardised difference with the rest."""
    import matplotlib.pyplot as plt

    _ = translator(language)
    table = profile.pivot(index="label", columns="segment", values="difference")
    if ax is None:
        _fig, ax = plt.subplots(figsize=(1.4 * table.shape[1] + 4.5, 0.45 * table.shape[0] + 1.5))
    limit = max(1.0, float(np.nanmax(np.abs(table.to_numpy()))))
    image = ax.imshow(table.to_numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    ax.set_xticks(range(table.shape[1]), [_("Segment {n}", n=int(s)) for s in table.columns])
    ax.set_yticks(range(table.shape[0]), list(table.index))
    for (i, j), v in np.ndenumerate(table.to_numpy()):
        ax.text(j, i, _.number(v, 1).replace("-", MINUS), ha="center", va="center", fontsize=9,
                color=text_colour(image.cmap(image.norm(v))))
    ax.grid(False)
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label=_("difference with the rest (sd)"))
    localize_ticks(ax.figure, language)  # the colour bar too
    return ax


def text_colour(background) -> str:
    """Black or white, whichever reads better on ``background`` (an RGB(A) tuple 0-1): WCAG luminance.

    >>> text_colour((0.4, 0.0, 0.12)), text_colour((0.97, 0.97, 0.97))
    ('white', 'black')
    """
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(float(c)) for c in background[:3])
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    # contrast with black (L + 0.05) / 0.05 against with white 1.05 / (L + 0.05)
    return "black" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "white"


def plot_fairness(fairness: pd.DataFrame, *, labels: dict[str, str] | None = None, threshold: float = 0.3,
                  language: str = "en", ax=None):
    """Cramér's V with its interval per source and protected characteristic; the threshold dashed."""
    import matplotlib.pyplot as plt

    _ = translator(language)
    labels = labels or {}
    rows = fairness.reset_index(drop=True)
    from clientvalue.report.texts import SEGMENT_SOURCES as SOURCES

    names = [f"{_(SOURCES[s]) if s in SOURCES else labels.get(s, s)} × {labels.get(a, a)}"
             for s, a in zip(rows["source"], rows["attribute"])]
    if ax is None:
        _fig, ax = plt.subplots(figsize=(8, 0.3 * len(rows) + 1.2))
    y = np.arange(len(rows))[::-1]
    colours = np.where(rows["flag"], "#c0392b", "#7f8c8d")
    # the interval is drawn from its bounds: it is for the population's V, and the sample's V (biased
    # upwards near 0) may lie outside it
    ax.hlines(y, rows["ci_low"], rows["ci_high"], color="#bbbbbb")
    ax.scatter(rows["cramers_v"], y, c=colours, zorder=3)
    ax.axvline(threshold, linestyle="--", color="#c0392b")
    ax.set_yticks(y, names, fontsize=9)
    ax.set_xlim(0, 1)
    ax.set_xlabel(_("Strength of the association (Cramér's V: 0 = none, 1 = complete)"))
    return localize_ticks(ax, language)


def plot_fairness_phone(fairness: pd.DataFrame, *, labels: dict[str, str] | None = None, threshold: float = 0.3,
                        language: str = "en", rows: int = 10):
    """The fairness chart for a phone: the ``rows`` strongest associations (every flagged one included).

    A chart of every source × characteristic pair (33 rows in the demo) cannot be read on a
    phone; the table beside it holds every pair. Returns the figure (about
    :data:`~clientvalue.report.phone.PHONE_WIDTH` inches wide), or ``None`` when the full chart
    is short enough to be narrowed as it is.
    """
    import textwrap

    import matplotlib.pyplot as plt

    from clientvalue.report.phone import PHONE_WIDTH, wrapped

    if len(fairness) <= rows:
        return None
    _ = translator(language)
    ranked = fairness.assign(_order=-fairness["cramers_v"].fillna(-1.0)).sort_values("_order", kind="stable")
    keep = ranked.head(rows).index.union(ranked.index[ranked["flag"].astype(bool)])
    shown = ranked.loc[ranked.index.isin(keep)].drop(columns="_order")
    fig, ax = plt.subplots(figsize=(PHONE_WIDTH, 0.55 * len(shown) + 2.0), layout="constrained")
    plot_fairness(shown, labels=labels, threshold=threshold, language=language, ax=ax)
    ax.set_yticks(ax.get_yticks(), [textwrap.fill(t.get_text(), 22) for t in ax.get_yticklabels()], fontsize=9)
    title = _("The {n} strongest of {total} associations; the table has them all",
              n=_.integer(len(shown)), total=_.integer(len(fairness)))
    ax.set_title(wrapped(title, PHONE_WIDTH * 0.55, plt.rcParams["axes.titlesize"]), loc="left", y=1.0)
    ax.set_xlabel(wrapped(ax.get_xlabel(), PHONE_WIDTH * 0.5, plt.rcParams["axes.labelsize"]))
    localize_ticks(fig, language)
    return fig

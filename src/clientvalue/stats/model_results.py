"""What the checks of the driver model return: small frozen results, a tidy table and typed extras.

* :class:`FactorCheck` - :func:`~clientvalue.stats.measurement.factor_check`: the loadings per
  item, the factor correlations, the rows used, the rotation and whether it converged;
* :class:`OrdinalFit` - :func:`~clientvalue.stats.ordinal.ordinal_model`: the coefficients per
  driver, the thresholds and the fit.

The tables carry no ``DataFrame.attrs``. In a notebook a result shows its table under a one-line
summary (``_repr_html_``, ``__repr__``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from clientvalue.stats.shown import ShowsTable


@dataclass(frozen=True, eq=False, repr=False)
class FactorCheck(ShowsTable):
    """Do the items group into the codebook's dimensions (:func:`~clientvalue.stats.measurement.factor_check`)?

    Attributes
    ----------
    table : DataFrame
        Per item: ``item``, ``dimension``, ``loading_<dimension>`` for each dimension,
        ``communality``, ``assigned`` and ``flag``.
    factor_correlation : DataFrame
        Correlations of the factors, dimensions x dimensions.
    n : int
        Rows with at least two items answered.
    rotation : str
        The rotation used (``"none"`` with a single dimension).
    converged : bool
        Whether the extraction and the rotation converged.
    """

    table: pd.DataFrame
    factor_correlation: pd.DataFrame
    n: int
    rotation: str
    converged: bool

    def _summary(self) -> str:
        return (f"Factor check of {len(self.table)} items on {len(self.factor_correlation)} dimensions "
                f"({self.rotation}): n = {self.n}, {int(self.table['flag'].sum())} flagged"
                + ("" if self.converged else ", not converged"))


@dataclass(frozen=True, eq=False, repr=False)
class OrdinalFit(ShowsTable):
    """A proportional-odds model of an ordinal outcome (:func:`~clientvalue.stats.ordinal.ordinal_model`).

    Attributes
    ----------
    table : DataFrame
        One row per driver: ``driver``, ``coef``, ``odds_ratio``, ``ci_low``, ``ci_high``, ``p_value``.
    n : int
        Complete rows used.
    n_categories : int
        Distinct outcome values.
    llf, llnull : float
        Log-likelihood of the model and of the model without drivers.
    pseudo_r2 : float
        McFadden's ``1 - llf / llnull``.
    converged : bool
    distr : {"logit", "probit"}
    thresholds : Series
        Cut points ``theta_j``, indexed "a/b".
    """

    table: pd.DataFrame
    n: int
    n_categories: int
    llf: float
    llnull: float
    pseudo_r2: float
    converged: bool
    distr: str
    thresholds: pd.Series

    def _summary(self) -> str:
        return (f"Ordinal model ({self.distr}) of {len(self.table)} drivers: n = {self.n}, "
                f"{self.n_categories} categories, pseudo R² = {self.pseudo_r2:.4f}"
                + ("" if self.converged else ", not converged"))

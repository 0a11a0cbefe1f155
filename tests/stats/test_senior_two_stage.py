"""The weighted bootstrap of the half-way age on large surveys: cell weights drawn in two stages.

From ``NORMAL_FROM`` respondents on, a replicate draws how many respondents come from each cell
(multinomial) and then each cell's summed weight (its rows drawn when few, the normal limit when
many), instead of drawing every respondent. Checked against the closed-form moments of a row
bootstrap and against the row bootstrap itself (a second method).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clientvalue.stats import lmg
from clientvalue.stats import senior_curve as SC
from clientvalue.stats import senior_halfway as SH


def survey(n: int, seed: int) -> pd.DataFrame:
    """Ages 18-95, seeing oneself as senior more often with age (half-way near 72), uneven weights."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 96, n).astype(float)
    p = 1 / (1 + np.exp(-(age - 72) / 6.0))
    return pd.DataFrame({"age": age, "senior": (rng.random(n) < p).astype(float),
                         "w": np.round(np.exp(0.3 * rng.standard_normal(n)), 4)})


def _cells(n: int, n_cells: int, seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Cells of very different sizes (every one holds a row), uneven weights."""
    rng = np.random.default_rng(seed)
    share = rng.dirichlet(np.full(n_cells, 0.7))
    _, cell = np.unique(rng.choice(n_cells, n, p=share), return_inverse=True)
    return cell, np.exp(0.4 * rng.standard_normal(n)), int(cell.max()) + 1


def _row_draws(cell, w, n_cells, n_boot, rng):
    n = len(w)
    return np.array([np.bincount(cell, weights=np.bincount(rng.integers(0, n, n), minlength=n) * w,
                                 minlength=n_cells) for _ in range(n_boot)])


@pytest.mark.parametrize("cell_normal_from", [10**9, 40])  # every cell drawn row by row; large cells normal
def test_two_stage_cell_weights_have_the_moments_of_drawing_rows(cell_normal_from):
    n = 400
    cell, w, n_cells = _cells(n, 12, 1)
    size = np.bincount(cell)
    assert (size >= 80).sum() >= 2 and (size < 5).any()  # normal cells and cells drawn row by row
    drawn = np.array(list(SH.cell_weights_in_two_stages(cell, w, n_cells, np.random.default_rng(2), 40_000,
                                                        cell_normal_from=cell_normal_from)))
    rows = _row_draws(cell, w, n_cells, 20_000, np.random.default_rng(3))
    # closed form of a row bootstrap: E S_c = W_c, Cov(S_c, S_d) = [c = d] sum_c w^2 - W_c W_d / n
    total = np.bincount(cell, weights=w, minlength=n_cells)
    cov = np.diag(np.bincount(cell, weights=w * w, minlength=n_cells)) - np.outer(total, total) / n
    sd = np.sqrt(np.diag(cov))
    for sums, atol in ((drawn, 0.03), (rows, 0.045)):
        np.testing.assert_allclose((sums.mean(axis=0) - total) / sd, 0, atol=atol)
        np.testing.assert_allclose(np.cov(sums.T) / np.outer(sd, sd), cov / np.outer(sd, sd), atol=atol)
    # a cell left out of a replicate weighs exactly 0, about as often as when rows are drawn
    np.testing.assert_allclose((drawn == 0).mean(axis=0), (rows == 0).mean(axis=0), atol=0.02)
    assert (drawn[:, np.bincount(cell, minlength=n_cells) < 5] == 0).any()


def test_the_interval_matches_drawing_rows_within_monte_carlo_noise(monkeypatch):
    data = survey(20_000, 21)
    curve = SC.fit_curve(data, age="age", senior="senior", weights="w")
    rows = SH.half_way_age(curve, n_boot=2000, seed=4).table
    monkeypatch.setattr(lmg, "NORMAL_FROM", 10_000)
    two_stage = SH.half_way_age(curve, n_boot=2000, seed=5).table
    assert two_stage["age_half"] == rows["age_half"]
    spread = (rows["ci_high"] - rows["ci_low"]) / 3.92  # about one bootstrap standard deviation
    assert two_stage["ci_low"] == pytest.approx(rows["ci_low"], abs=0.3 * spread)
    assert two_stage["ci_high"] == pytest.approx(rows["ci_high"], abs=0.3 * spread)
    monkeypatch.setattr(lmg, "NORMAL_FROM", 20_001)  # above the effective respondents: rows are drawn, same stream
    assert SH.half_way_age(curve, n_boot=2000, seed=4).table.equals(rows)

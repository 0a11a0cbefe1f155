"""Tests of the demo-data generator: determinism, file dialects, planted properties, ground truth.

The reference computations here (OLS R^2 by least squares on the data, Shapley values averaged
per subset size, a statsmodels logistic fit) are written independently of ``clientvalue.data.demo``.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from clientvalue.data import demo
from clientvalue.errors import ParameterError

ITEMS = ["q_fast", "q_correct", "q_easy", "q_cost", "q_effort",
         "q_listened", "q_serious", "q_welcome", "q_matters"]
PRACTICAL = ITEMS[:5]
EMOTIONAL = ITEMS[5:]
BIG_SERVICES = ["Burgerzaken", "Jeugd & gezin", "Wmo-loket", "Afval & belastingen", "Cliëntondersteuning"]


# ---------------------------------------------------------------- reference computations
SEGMENT_COLUMNS = ["n_self", "n_decide", "n_online", "n_person", "n_personal", "n_time", "contacts",
                   "origin", "neighbourhood", "home_visit", "home_visit_declined", "extra_check"]  # notebook 30


def ols_r2(X: np.ndarray, y: np.ndarray) -> float:
    """R^2 of an OLS fit with intercept, by least squares on the data."""
    A = np.column_stack([np.ones(len(y)), X])
    beta, *_ = np.linalg.lstsq(A, y, rcond=None)
    resid = y - A @ beta
    return 1.0 - resid @ resid / ((y - y.mean()) @ (y - y.mean()))


def subset_r2(X: np.ndarray, y: np.ndarray) -> dict[tuple[int, ...], float]:
    """OLS R^2 (with intercept) of every subset of the columns of X.

    Least squares on the QR-compressed data: with [1, X, y] = QR, the residual sum of squares of
    any column subset is that of the same least-squares problem on the rows of R (Q is orthonormal).
    """
    R = np.linalg.qr(np.column_stack([np.ones(len(y)), X, y]), mode="r")
    target = R[:, -1]

    def rss(cols: list[int]) -> float:
        beta, *_ = np.linalg.lstsq(R[:, cols], target, rcond=None)
        return float(np.sum((target - R[:, cols] @ beta) ** 2))

    tss = rss([0])
    p = X.shape[1]
    return {s: 1.0 - rss([0, *(1 + j for j in s)]) / tss
            for k in range(p + 1) for s in combinations(range(p), k)}


def shapley_r2(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """LMG: per predictor the mean over subset sizes of the mean R^2 increment at that size."""
    p = X.shape[1]
    r2 = subset_r2(X, y)
    phi = np.zeros(p)
    for j in range(p):
        others = [i for i in range(p) if i != j]
        per_size = []
        for k in range(p):
            incs = [r2[tuple(sorted((*s, j)))] - r2[s] for s in combinations(others, k)]
            per_size.append(np.mean(incs))
        phi[j] = np.mean(per_size)
    return phi


def clean(df: pd.DataFrame) -> pd.DataFrame:
    """Plain cleaning: codes outside the scales to NaN, q_effort reversed."""
    out = df.copy()
    for col in ITEMS:
        v = out[col].astype("float64")
        out[col] = v.where(v.between(1, 5))
    g = out["overall"].astype("float64")
    out["overall"] = g.where(g.between(1, 10))
    out["q_effort"] = 6 - out["q_effort"]
    return out


def practical_share(df: pd.DataFrame) -> tuple[float, np.ndarray]:
    d = df.dropna(subset=ITEMS + ["overall"])
    phi = shapley_r2(d[ITEMS].to_numpy(float), d["overall"].to_numpy(float))
    return phi[:5].sum() / phi.sum(), phi / phi.sum()


@pytest.fixture(scope="module")
def export() -> demo.MunicipalityExport:
    return demo.simulate_municipality_export(latent=True)


@pytest.fixture(scope="module")
def muni(export) -> pd.DataFrame:
    return export.data


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    demo.write_demo_data(out)
    return out


def test_reference_r2_equals_plain_least_squares():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = X @ [1.0, 0.5, 0.0, -0.3] + rng.normal(size=200)
    r2 = subset_r2(X, y)
    for s in [(0,), (1, 3), (0, 1, 2, 3)]:
        assert r2[s] == pytest.approx(ols_r2(X[:, list(s)], y), abs=1e-10)
    phi = shapley_r2(X, y)
    assert phi.sum() == pytest.approx(r2[(0, 1, 2, 3)], abs=1e-10)  # efficiency
    # two predictors: closed form phi_1 = (R2_1 + R2_12 - R2_2) / 2
    two = shapley_r2(X[:, :2], y)
    full = ols_r2(X[:, :2], y)
    assert two[0] == pytest.approx((ols_r2(X[:, [0]], y) + full - ols_r2(X[:, [1]], y)) / 2, abs=1e-10)


# ---------------------------------------------------------------- determinism and files
def test_same_seed_same_bytes_other_seed_other_bytes(written, tmp_path):
    again = demo.write_demo_data(tmp_path / "again")
    for path in again:
        rel = path.relative_to(tmp_path / "again")
        assert path.read_bytes() == (written / rel).read_bytes(), rel
    other = demo.write_demo_data(tmp_path / "other", seed=1)
    for name in ("municipality/survey.csv", "senior/survey.csv"):
        assert (tmp_path / "other" / name).read_bytes() != (written / name).read_bytes()
    assert [p.relative_to(tmp_path / "other") for p in other] == [
        p.relative_to(tmp_path / "again") for p in again
    ]


def test_the_vignette_codebook_says_klant_like_the_survey_codebook(written):
    """One word for the client in Dutch: the survey codebook's "klant" (Cliëntondersteuning is a service's name)."""
    import re

    survey = (written / "municipality" / "codebook.yaml").read_text(encoding="utf-8")
    vignettes = (written / "municipality" / "vignettes" / "codebook.yaml").read_text(encoding="utf-8")
    assert "Klanttevredenheid" in survey
    assert re.findall(r"\bcliënt\w*", vignettes, flags=re.IGNORECASE) == []
    assert "de naam van de klant" in vignettes and "De situatie van de klant" in vignettes
    bundled = Path(demo.__file__).parents[3] / "data" / "demo" / "municipality" / "vignettes" / "codebook.yaml"
    assert bundled.read_text(encoding="utf-8") == vignettes  # the bundled demo is the generator's


def test_files_are_in_the_documented_dialects(written):
    raw = (written / "municipality" / "survey.csv").read_bytes()
    assert b"\r\n" not in raw and raw.endswith(b"\n")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # cp1252: the e-umlaut of Cliëntondersteuning is one byte
    df = pd.read_csv(written / "municipality" / "survey.csv", sep=";", encoding="cp1252")
    assert list(df.columns) == ["respondent_id", "service", "weight", "age", "gender", "channel",
                                *ITEMS, "overall", "senior_self", *SEGMENT_COLUMNS, "location"]
    assert set(df["service"]) == set(demo.SERVICES)
    assert "Cliëntondersteuning" in set(df["service"]) and "Jeugd & gezin" in set(df["service"])
    senior = pd.read_csv(written / "senior" / "survey.csv")  # comma, UTF-8
    assert list(senior.columns) == ["respondent_id", "age", "gender", "senior_self", "weight"]
    assert len(senior) == 1500
    # weights written with 4 decimals, so the file equals the frame rounded to 4 decimals
    sim = demo.simulate_municipality()
    np.testing.assert_allclose(df["weight"], sim["weight"], atol=5e-5)
    assert (df["respondent_id"].to_numpy() == sim["respondent_id"].to_numpy()).all()


def test_codebooks_validate(written):
    from clientvalue.data.codebook import load_codebook

    cb = load_codebook(written / "municipality" / "codebook.yaml")
    assert cb.group == "service" and cb.outcome.column == "overall"
    assert [i.column for i in cb.items if i.reverse] == ["q_effort"]
    assert cb.dimensions() == {"practical": PRACTICAL, "emotional": EMOTIONAL}
    assert cb.senior.missing_codes == [9] and 9 not in cb.missing_codes
    assert all(i.label.nl and i.label.en for i in cb.items)
    sb = load_codebook(written / "senior" / "codebook.yaml")
    assert sb.outcome is None and not sb.items and sb.senior.yes_codes == [1]


def test_written_survey_loads_with_the_ombudsman_suppressed(written):
    from clientvalue.data.survey import load_survey

    survey = load_survey(written / "municipality" / "codebook.yaml")
    assert survey.suppressed_groups(min_group_size=10) == ["Ombudsman"]
    assert survey.data["senior_self"].dropna().isin([0.0, 1.0]).all()


def test_default_out_dir_ignores_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    repo = Path(__file__).resolve().parents[2]
    assert demo.default_out_dir() == repo / "data" / "demo"


def test_main_writes_to_out(tmp_path, capsys):
    assert demo.main(["--out", str(tmp_path), "--seed", "5"]) == 0
    assert (tmp_path / "municipality" / "codebook.yaml").is_file()
    assert "survey.csv" in capsys.readouterr().out


def test_bad_parameters_are_refused():
    with pytest.raises(ParameterError, match="Gemeentewinkel"):
        demo.simulate_municipality({"Gemeentewinkel": 10})
    with pytest.raises(ParameterError, match="Burgerzaken"):
        demo.simulate_municipality({"Burgerzaken": -1})
    with pytest.raises(ParameterError, match="names no service"):
        demo.simulate_municipality({})
    with pytest.raises(ParameterError, match="n must be"):
        demo.simulate_senior_survey(-5)


# ---------------------------------------------------------------- planted sample properties
def test_service_streams_do_not_depend_on_other_services(muni):
    alone = demo.simulate_municipality({"Jeugd & gezin": 300}, bad_values=False)
    full = demo.simulate_municipality(bad_values=False)
    jeugd = full[full["service"] == "Jeugd & gezin"].sort_values(["age", *ITEMS, "overall"])
    alone = alone.sort_values(["age", *ITEMS, "overall"])
    cols = ["age", "gender", "channel", *ITEMS, "overall", "senior_self"]
    assert (jeugd[cols].to_numpy() == alone[cols].to_numpy()).all()


def test_sizes_ids_and_value_ranges(muni):
    assert muni["service"].value_counts().to_dict() == demo.GROUND_TRUTH["service_sizes"]
    assert muni["service"].value_counts()["Ombudsman"] == 6
    assert muni["respondent_id"].is_unique and muni["respondent_id"].is_monotonic_increasing
    assert muni["age"].between(18, 95).all() and muni["age"].dtype.kind == "i"
    assert (muni["weight"] > 0).all() and abs(muni["weight"].mean() - 1) < 0.01
    assert set(muni["gender"]) == {"man", "vrouw", "anders"}
    assert set(muni["channel"]) == {"balie", "telefoon", "online"}
    assert set(muni["senior_self"]) == {1, 2, 9}


def test_the_frame_carries_no_attrs_and_equals_the_export_without_its_planted_values(export):
    assert export.data.attrs == {}
    pd.testing.assert_frame_equal(demo.simulate_municipality(latent=True), export.data)
    assert demo.simulate_municipality_export(bad_values=False).planted == {}


def test_bad_values_present_as_documented(muni, export):
    planted = export.planted
    items = muni[ITEMS].astype("float64")
    n_missing_code = int(items.isin([98, 99]).sum().sum())
    assert n_missing_code == planted["missing_code_cells"]
    assert 0.015 < n_missing_code / items.size < 0.025
    assert not muni["overall"].isin([98, 99]).any()
    valid = items.isna() | items.isin([1, 2, 3, 4, 5, 98, 99])
    bad = [(int(muni.loc[r, "respondent_id"]), c, int(items.loc[r, c]))
           for c in ITEMS for r in items.index[~valid[c]]]
    grade = muni["overall"].astype("float64")
    bad += [(int(i), "overall", int(v)) for i, v in zip(muni["respondent_id"], grade)
            if not np.isnan(v) and not 1 <= v <= 10]
    assert sorted(bad) == planted["out_of_range"]
    assert 3 <= len(bad) <= 6
    assert sorted(v for *_, v in bad) == [0, 0, 7, 7, 11]
    same = items.notna().all(axis=1) & (items.nunique(axis=1) == 1)
    assert sorted(muni.loc[same, "respondent_id"]) == planted["straight_liners"]
    assert len(planted["straight_liners"]) == demo.GROUND_TRUTH["bad_values"]["straight_liners"]
    partial = muni[muni["overall"].isna()]
    assert sorted(partial["respondent_id"]) == planted["partial"]
    assert len(partial) == demo.GROUND_TRUTH["bad_values"]["partial"]
    for _, row in partial.iterrows():  # break-off: once empty, the rest of the items stay empty
        empty = row[ITEMS].isna().to_numpy()
        assert empty.any() and empty[np.argmax(empty):].all()
    assert not muni.loc[muni["service"] == "Ombudsman", "overall"].isna().any()


def test_driver_profiles_recovered_at_survey_size(muni):
    data = clean(muni)
    by = {name: g for name, g in data.groupby("service")}
    assert practical_share(by["Burgerzaken"])[0] >= 0.75
    assert practical_share(by["Jeugd & gezin"])[0] <= 0.25
    assert 0.3 <= practical_share(by["Wmo-loket"])[0] <= 0.7
    wmo = by["Wmo-loket"]
    assert abs((wmo["latent_segment"] == 0).mean() - 0.5) < 0.07
    assert practical_share(wmo[wmo["latent_segment"] == 0])[0] >= 0.75
    assert practical_share(wmo[wmo["latent_segment"] == 1])[0] <= 0.25
    online = wmo.groupby("latent_segment")["channel"].apply(lambda c: (c == "online").mean())
    assert online[0] > online[1] + 0.3  # segments show in behaviour
    afval = by["Afval & belastingen"]
    _, items_share = practical_share(afval)
    assert ITEMS[int(np.argmax(items_share))] == "q_cost"  # most important ...
    assert afval[ITEMS].mean().idxmin() == "q_cost"  # ... and lowest performing: in the red


def test_senior_midpoint_recovered_by_logistic_fit():
    senior = demo.simulate_senior_survey()
    assert senior["age"].between(18, 95).all() and len(senior) == 1500
    d = senior[senior["senior_self"].isin([1, 2])]
    fit = sm.Logit((d["senior_self"] == 1).astype(float), sm.add_constant(d["age"].astype(float))).fit(disp=0)
    midpoint = -fit.params["const"] / fit.params["age"]
    assert abs(midpoint - 72) <= 3
    assert 4 <= 1 / fit.params["age"] <= 8
    share_dk = (senior["senior_self"] == 9).mean()
    assert 0.01 < share_dk < 0.05


# ---------------------------------------------------------------- population ground truth
@pytest.fixture(scope="module")
def large() -> pd.DataFrame:
    df = demo.simulate_municipality({s: 30_000 for s in BIG_SERVICES}, seed=99, bad_values=False, latent=True)
    return clean(df)


def test_ground_truth_shares_match_independent_brute_force(large):
    for name, g in large.groupby("service"):
        share, items_share = practical_share(g)
        assert abs(share - demo.GROUND_TRUTH["practical_share"][name]) < 0.025, name
    assert demo.GROUND_TRUTH["practical_share"]["Burgerzaken"] >= 0.75
    assert demo.GROUND_TRUTH["practical_share"]["Jeugd & gezin"] <= 0.25
    wmo = large[large["service"] == "Wmo-loket"]
    for seg, label in enumerate(("practical", "emotional")):
        share, _ = practical_share(wmo[wmo["latent_segment"] == seg])
        assert abs(share - demo.GROUND_TRUTH["segments"]["Wmo-loket"]["practical_share"][label]) < 0.025


def test_ground_truth_emotional_gap_of_older_non_seniors(large):
    old = large[large["age"] >= 65]
    emo = old[EMOTIONAL].mean(axis=1)
    gap = emo[old["senior_self"] == 2].mean() - emo[old["senior_self"] == 1].mean()
    assert gap == pytest.approx(demo.GROUND_TRUTH["senior"]["nonsenior_emotional_diff_items"], abs=0.04)
    assert gap < -0.2
    p65 = 1 / (1 + np.exp(-(65 - 72) / 6))
    assert demo.GROUND_TRUTH["senior"]["p_yes_at_65"] == pytest.approx(p65, abs=5e-4)


@pytest.mark.slow
def test_ground_truth_at_population_size():
    """200k per service: the recorded shares to about 0.01 (independent brute force)."""
    df = clean(demo.simulate_municipality({s: 200_000 for s in BIG_SERVICES}, seed=3, bad_values=False))
    for name, g in df.groupby("service"):
        share, items_share = practical_share(g)
        assert abs(share - demo.GROUND_TRUTH["practical_share"][name]) < 0.012, name
        expected = np.array([demo.GROUND_TRUTH["item_share"][name][c] for c in ITEMS])
        np.testing.assert_allclose(items_share, expected, atol=0.012)


@pytest.mark.slow
def test_recorded_values_are_current():
    """GROUND_TRUTH holds the current output of population_truth (nobody changed the design)."""
    truth = demo.population_truth()
    assert truth["practical_share"] == demo.GROUND_TRUTH["practical_share"]
    assert truth["item_share"] == demo.GROUND_TRUTH["item_share"]
    assert truth["segments"]["Wmo-loket"] == demo.GROUND_TRUTH["segments"]["Wmo-loket"]["practical_share"]

"""Latent profiles, stability and the segment analysis: references and planted demo truth."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clientvalue.analyses import segments as analysis
from clientvalue.data import demo
from clientvalue.data.codebook import parse_codebook
from clientvalue.data.demo_segments import SEGMENT_TRUTH, expected_persona_shares
from clientvalue.data.survey import load_survey
from clientvalue.errors import CodebookError, DataError, AnalysisError, ParameterError
from clientvalue.paths import DEMO_DIR
from clientvalue.stats import segments as seg


def test_jaccard_best_match_by_hand():
    reference = np.array([1, 1, 1, 2, 2, 2, 2, 0])
    other = np.array([5, 5, 6, 6, 6, 6, 5, 6])
    # other's clusters: 5 = {0,1,6}, 6 = {2,3,4,5,7} (7 has no reference segment but is in 6)
    # reference 1 = {0,1,2}: with 5 -> 2/4, with 6 -> 1/7; best 0.5
    # reference 2 = {3,4,5,6}: with 5 -> 1/6, with 6 -> 3/6; best 0.5
    got = seg.jaccard_best_match(reference, other)
    assert got == {1: pytest.approx(2 / 4), 2: pytest.approx(3 / 6)}
    assert seg.jaccard_best_match(reference, reference * 3) == {1: 1.0, 2: 1.0}


def _planted(n=900, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.choice(3, n, p=[0.5, 0.3, 0.2])
    means = np.array([[1.5, 1.5, 4.5, 4.5, 3], [4.5, 4.5, 1.5, 1.5, 3], [3, 3, 3, 3, 1.2]])
    x = np.clip(np.rint(means[z] + 0.6 * rng.standard_normal((n, 5))), 1, 5)
    return x, z


def test_profiles_recover_planted_number_and_members():
    x, z = _planted()
    x[::17, 2] = np.nan  # missing answers are classified by the items answered
    sol = seg.fit_profiles(x, seed=1)
    assert sol.k == 3 and sol.fit["selected"].sum() == 1
    assert seg.adjusted_rand(sol.labels, z + 1) > 0.95
    assert (sol.labels > 0).all()
    assert sol.fit["entropy"].between(0, 1).all()
    stab = seg.bootstrap_stability(x, sol, n_boot=8, seed=2)
    assert (stab["jaccard"] >= seg.STABLE).all() and set(stab["stability"]) == {"stable"}


def planted_rating_survey(n=3000, *, seed=0, style=0.4, shift=0.0):
    """Four personas from two needs (high with probability 0.45 and 0.4), each need asked with three
    1-5 items: latent ``1.2 x (+1 high / -1 low) + style x s + 0.6 x noise + shift``, cut at
    (-1.5, -0.5, 0.5, 1.5). ``s`` is each respondent's own way of using the scale (one value for all
    their answers), ``shift`` piles answers up at the top of the scale. Both are common in real
    rating data and make normal profiles over-split. Returns the answers and the persona (1-4)."""
    rng = np.random.default_rng(seed)
    a, b = rng.random(n) < 0.45, rng.random(n) < 0.4
    persona = 1 + 2 * (~a) + (~b)
    s = rng.standard_normal(n)
    columns = []
    for need in (a, b):
        for _ in range(3):
            latent = 1.2 * np.where(need, 1, -1) + style * s + 0.6 * rng.standard_normal(n) + shift
            columns.append(1 + (latent[:, None] > np.array([-1.5, -0.5, 0.5, 1.5])).sum(axis=1))
    return np.column_stack(columns).astype(float), persona


@pytest.mark.parametrize("planted", [{"style": 0.4}, {"style": 0.2, "shift": 0.6}], ids=["scale-use", "ceiling"])
def test_number_of_groups_on_rating_items_is_not_overfitted(planted):
    x, persona = planted_rating_survey(**planted)
    sol = seg.fit_profiles(x, seed=1)
    fit = sol.fit.set_index("k")
    by_bic = fit.loc[fit["admissible"], "bic"].idxmin()
    assert by_bic > 4  # BIC alone over-splits: the problem being solved ...
    assert fit.at[by_bic, "min_jaccard"] < seg.STABLE  # ... into groups that are not stable
    assert sol.k == 4 and fit.at[4, "selected"]
    assert seg.adjusted_rand(sol.labels, persona) > 0.9
    assert fit.at[4, "min_jaccard"] >= seg.STABLE  # the chosen groups are stable ...
    assert fit.at[4, "entropy"] > fit.at[by_bic, "entropy"]  # ... and better separated than BIC's choice
    assert (fit["icl"] >= fit["bic"]).all()


def test_fit_on_a_sample_stays_within_the_full_fit_intervals():
    """Selection on a sample, refit on a larger one, everyone classified in one pass: the published
    sizes and segment means stay within the 95% intervals of a fit on every row."""
    from clientvalue.stats.intervals import wilson_interval

    x, persona = planted_rating_survey(60_000, seed=4, style=0.0)
    x[::23, 1] = np.nan  # partial answers are classified too
    sampled = seg.fit_profiles(x, seed=2, max_n_select=4_000, max_n_fit=15_000, n_stability_select=2)
    assert sampled.fit["n"].max() == 4_000 and sampled.k == 4
    full = seg.fit_profiles(x, seed=2, k_range=[sampled.k], max_n_select=None, max_n_fit=None,
                            n_stability_select=0)
    assert (sampled.labels > 0).all() and seg.adjusted_rand(sampled.labels, full.labels) > 0.98
    n = len(x)
    shares = np.bincount(full.labels, minlength=5)[1:] / n
    low, high = wilson_interval(shares, n)
    got = np.bincount(sampled.labels, minlength=5)[1:] / n  # both ordered by size
    assert np.all((got >= low) & (got <= high)), (got, low, high)
    for s in range(1, 5):
        a, b = x[sampled.labels == s], x[full.labels == s]
        half = 1.96 * np.nanstd(b, axis=0) / np.sqrt(np.sum(~np.isnan(b), axis=0))
        assert np.all(np.abs(np.nanmean(a, axis=0) - np.nanmean(b, axis=0)) <= half)


def test_icl_by_hand():
    post = np.array([[1.0, 0.0], [0.5, 0.5]])
    assert seg.icl(100.0, post) == pytest.approx(100 + 2 * np.log(2))


def test_choose_k_rules():
    fit = pd.DataFrame({"k": [2, 3, 4], "icl": [30.0, 20.0, 10.0], "min_jaccard": [0.9, 0.8, 0.5],
                        "admissible": [True, True, True]})
    assert seg.choose_k(fit) == 3  # k = 4 has the lowest ICL but an unstable group
    assert seg.choose_k(fit.assign(min_jaccard=np.nan)) == 4  # no stability check: ICL alone
    assert seg.choose_k(fit.assign(min_jaccard=[0.3, 0.5, 0.4])) == 3  # none stable: the most stable
    assert seg.choose_k(fit.assign(admissible=[True, True, False], min_jaccard=0.9)) == 3


def test_stability_flags_noise_as_unstable():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(600, 4))  # one cloud: any split is arbitrary
    sol = seg.fit_profiles(x, seed=1, k_range=[3], reg_covar=1e-3)
    stab = seg.bootstrap_stability(x, sol, n_boot=10, seed=2)
    assert stab["jaccard"].min() < seg.STABLE


def test_profiles_bad_input():
    x, _ = _planted(n=60)
    with pytest.raises(AnalysisError, match="only 60 respondents"):
        seg.fit_profiles(x, seed=1)
    x, _ = _planted()
    x[:, 4] = 3.0
    with pytest.raises(AnalysisError, match=r"single value"):
        seg.fit_profiles(x, seed=1)
    with pytest.raises(ParameterError):
        seg.fit_profiles(x, n_init=0)


@pytest.fixture(scope="module")
def demo_results():
    survey = load_survey(DEMO_DIR / "municipality" / "codebook.yaml")
    return survey, analysis.analyse(survey, seed=20261124, n_boot=100, n_perm=99, n_stability=8)


def test_demo_planted_segments_and_personas_recovered(demo_results):
    survey, res = demo_results
    assert res.k == SEGMENT_TRUTH["n_segments"]
    assert (res.stability["jaccard"] >= seg.STABLE).all()
    assert res.ari > 0.9
    sizes = survey.reported_data(10)["service"].value_counts().to_dict()
    expected = expected_persona_shares(sizes)
    personas = res.personas.set_index("persona")
    for number, name in enumerate(SEGMENT_TRUTH["personas"].values(), start=1):
        row = personas.loc[number]
        assert row["ci_low"] <= expected[name] <= row["ci_high"], (name, row.to_dict(), expected[name])


def test_demo_persona_shares_equal_planted_membership(demo_results):
    survey, res = demo_results
    raw = demo.simulate_municipality(latent=True)
    reported = raw[raw["service"] != "Ombudsman"]
    truth = reported["persona"].value_counts(normalize=True).sort_index()
    got = res.personas.set_index("persona")["share"]
    np.testing.assert_allclose(got.to_numpy(), truth.to_numpy(), atol=0.02)


def test_demo_value_profiles_differ_and_customisation(demo_results):
    _, res = demo_results
    assert res.value["practical_share"].max() - res.value["practical_share"].min() > 0.4
    assert res.customisation["p_value"] < 0.05


def test_demo_proxy_flagged_and_nothing_else(demo_results):
    _, res = demo_results
    fs = res.fairness_segments
    flagged = fs[fs["flag"]]
    assert list(zip(flagged["source"], flagged["attribute"])) == [("neighbourhood", "origin")]
    assert flagged["cramers_v"].iloc[0] > 0.5 and flagged["predictive_gain"].iloc[0] > 0.1
    assert not fs.loc[fs["source"].isin(["segments", "personas"]), "flag"].any()


def test_demo_treatments(demo_results):
    _, res = demo_results
    ft = res.fairness_treatments
    assert not ft.loc[ft["treatment"] == "home_visit", "flag"].any()
    proxy = ft[(ft["treatment"] == "extra_check") & (ft["attribute"] == "origin")]
    assert proxy["flag"].all() and set(proxy["carried_by"]) == {"neighbourhood"}
    assert not ft.loc[(ft["treatment"] == "extra_check") & (ft["attribute"] != "origin"), "flag"].any()
    assert set(res.opt_out["treatment"]) == {"home_visit"}
    assert {f.kind for f in res.findings} >= {"segments", "segment_card", "proxy", "treatment_flag", "treatment_ok"}


def test_demo_audit_says_what_it_adjusted_for_and_its_tables_carry_no_attrs(demo_results):
    from clientvalue.analyses.segments import AdjustedFor
    from clientvalue.findings import encode_names

    _, res = demo_results
    # the six segmentation items and the attributes with a basis, but not the proxy neighbourhood
    assert res.adjusted_for == AdjustedFor(questions=6, attributes=("channel", "contacts"))
    flags = [f for f in res.findings if f.kind == "treatment_flag"]
    assert flags and all(f.numbers["adjusted_for_questions"] == 6.0 for f in flags)
    assert all(f.subject["adjusted_for_attributes"] == encode_names(["channel", "contacts"]) for f in flags)
    for table in (res.fairness_segments, res.fairness_treatments, res.opt_out, res.treatment_outcome):
        assert table is not None and table.attrs == {}


def test_membership_never_inside_the_report(demo_results, tmp_path):
    _, res = demo_results
    with pytest.raises(ParameterError, match="inside the report folder"):
        res.export_membership(tmp_path / "report" / "m.csv", report_dir=tmp_path / "report")
    path = res.export_membership(tmp_path / "private.csv", report_dir=tmp_path / "report")
    assert len(pd.read_csv(path)) == res.n


def _codebook(**extra):
    base = {"data": "x.csv", "id": "id", "items": [{"column": "q1", "scale": [1, 5]}],
            "attributes": {"origin": {"column": "origin", "protected": True}},
            "segmentation": [{"column": "n1", "scale": [1, 5], "basis": "needs"}]}
    return base | extra


def test_codebook_refuses_protected_segmentation_item():
    raw = _codebook(segmentation=[{"column": "origin", "scale": [1, 5], "basis": "needs"}])
    with pytest.raises(CodebookError, match=r"segmentation\[0\].*protected attribute `origin`"):
        parse_codebook(raw)


def test_codebook_bad_sections():
    with pytest.raises(CodebookError, match="basis"):
        parse_codebook(_codebook(segmentation=[{"column": "n1", "scale": [1, 5], "basis": "income"}]))
    with pytest.raises(CodebookError, match="not segmentation items"):
        parse_codebook(_codebook(personas={"axes": [{"name": "a", "items": ["n1"]}, {"name": "b", "items": ["zz"]}]}))
    with pytest.raises(CodebookError, match="protected and cannot be a legitimate basis"):
        parse_codebook(_codebook(attributes={"origin": {"column": "origin", "protected": True, "basis": "context"}}))
    ok = parse_codebook(_codebook(treatments={"visit": {"column": "v", "yes_codes": [1], "no_codes": [2]}}))
    assert ok.treatments["visit"].column == "v"


def _write_survey(folder, frame, codebook):
    import yaml

    frame.to_csv(folder / "x.csv", index=False)
    (folder / "cb.yaml").write_text(yaml.safe_dump(codebook), encoding="utf-8")
    return load_survey(folder / "cb.yaml")


def test_bad_treatment_codes_and_flat_item_named(tmp_path):
    rng = np.random.default_rng(0)
    n = 120
    frame = pd.DataFrame({"id": range(n), "q1": rng.integers(1, 6, n), "origin": rng.choice(["a", "b"], n),
                          "n1": rng.integers(1, 6, n), "v": rng.choice([1, 2], n)})
    frame.loc[5, "v"] = 7
    cb = _codebook(treatments={"visit": {"column": "v", "yes_codes": [1], "no_codes": [2]}})
    survey = _write_survey(tmp_path, frame, cb)
    with pytest.raises(DataError, match=r"'v'.*\['7'\].*data rows 6"):
        analysis.check_inputs(survey)
    frame.loc[5, "v"] = 1
    frame["n1"] = 3
    survey = _write_survey(tmp_path, frame, cb)
    with pytest.raises(DataError, match=r"'n1' has a single value \(3\)"):
        analysis.check_inputs(survey)


def _hidden_proxy_survey(tmp_path):
    """A survey whose protected attribute religion (x, y, z) gets a 'fixed contact person' more often in
    category y, through school type, a non-protected attribute without a basis."""
    rng = np.random.default_rng(42)
    n = 900
    religion = rng.choice(["x", "y", "z"], n, p=[0.6, 0.25, 0.15])
    school = np.where(rng.random(n) < np.where(religion == "y", 0.85, 0.1), "bijzonder", "openbaar")
    need = rng.integers(0, 2, n)
    items = {f"n{j}": np.clip(np.rint(3 + 1.4 * (2 * need - 1) + 0.7 * rng.standard_normal(n)), 1, 5)
             for j in range(1, 4)}
    contact = np.where(rng.random(n) < np.where(school == "bijzonder", 0.45, 0.1), 1, 2)
    frame = pd.DataFrame({"id": range(n), "q1": rng.integers(1, 6, n), "religion": religion,
                          "school": school, "contact": contact, **items})
    cb = {"data": "x.csv", "id": "id", "items": [{"column": "q1", "scale": [1, 5]}],
          "attributes": {"religion": {"column": "religion", "protected": True},
                         "school": {"column": "school"}},
          "segmentation": [{"column": c, "scale": [1, 5], "basis": "needs"} for c in items],
          "treatments": {"contact": {"column": "contact", "yes_codes": [1], "no_codes": [2]}}}
    return _write_survey(tmp_path, frame, cb)


def test_hidden_proxy_in_a_survey_of_our_own(tmp_path):
    """A different design: the proxy is a non-protected attribute *without* a basis (school type),
    the protected attribute is religion, and the treatment is a 'fixed contact person'."""
    res = analysis.analyse(_hidden_proxy_survey(tmp_path), seed=1, n_boot=50, n_perm=49, n_stability=5)
    assert res.k == 2
    fs = res.fairness_segments.set_index(["source", "attribute"])
    assert fs.loc[("school", "religion"), "flag"] and not fs.loc[("segments", "religion"), "flag"]
    ft = res.fairness_treatments
    y = ft[(ft["attribute"] == "religion") & (ft["category"] == "y")].iloc[0]
    assert y["flag"] and y["carried_by"] == "school"


def test_the_audit_in_reused_memory_equals_the_audit_in_fresh_arrays(tmp_path, monkeypatch):
    """The treatment audit writes its models' designs into buffers it reuses (ModelMemory). Category y's
    model is followed by the model that finds what carries it and then by category z's model: with
    fresh arrays for every design, and with buffers roomy enough never to be replaced (so that a
    design still in use would be overwritten by the next one asking for the same buffer), the
    tables are the same to the last bit. (It fails when the carrier's model takes the attribute's
    buffer, whose design the next category still needs.)"""
    from clientvalue.stats import fairness as fair

    path = _hidden_proxy_survey(tmp_path)
    options = dict(seed=1, n_boot=50, n_perm=49, n_stability=5)
    reused = analysis.analyse(path, **options)
    roles: list[str] = []
    real_matrix = fair.ModelMemory.matrix

    def roomy(self, role, rows, columns):
        roles.append(role)
        if role not in self._buffers:
            self._buffers[role] = np.empty(8 * rows * columns)
        return real_matrix(self, role, rows, columns)

    monkeypatch.setattr(fair.ModelMemory, "matrix", roomy)
    in_roomy_buffers = analysis.analyse(path, **options)
    monkeypatch.setattr(fair.ModelMemory, "matrix", lambda self, role, rows, columns: np.empty((rows, columns)))
    fresh = analysis.analyse(path, **options)
    # the model finding the carrier takes the buffer of the model without the category (done with by then)
    assert set(roles) == {"design", "reduced"} and roles.count("reduced") > roles.count("design")
    ft = fresh.fairness_treatments
    assert list(ft.loc[ft["attribute"] == "religion", "category"]) == ["x", "y", "z"]
    for other in (reused, in_roomy_buffers):
        pd.testing.assert_frame_equal(other.fairness_treatments, ft, check_exact=True)


def _two_treatments_survey(tmp_path):
    """Two treatments by two protected attributes; religion is missing for some respondents, so its
    models have other respondents than gender's."""
    rng = np.random.default_rng(7)
    n = 1500
    religion = rng.choice(["x", "y", "z"], n, p=[0.6, 0.25, 0.15]).astype(object)
    religion[rng.random(n) < 0.08] = None
    gender = rng.choice(["f", "m"], n)
    school = np.where(rng.random(n) < np.where(religion == "y", 0.85, 0.1), "bijzonder", "openbaar")
    channel = rng.choice(["desk", "phone", "web"], n)
    need = rng.integers(0, 2, n)
    items = {f"n{j}": np.clip(np.rint(3 + 1.4 * (2 * need - 1) + 0.7 * rng.standard_normal(n)), 1, 5)
             for j in range(1, 4)}
    contact = np.where(rng.random(n) < np.where(school == "bijzonder", 0.45, 0.1), 1, 2)
    visit = np.where(rng.random(n) < np.where(gender == "f", 0.3, 0.2), 1, 2)
    frame = pd.DataFrame({"id": range(n), "q1": rng.integers(1, 6, n), "religion": religion, "gender": gender,
                          "school": school, "channel": channel, "contact": contact, "visit": visit,
                          "grade": rng.integers(1, 11, n), **items})
    cb = {"data": "x.csv", "id": "id", "outcome": {"column": "grade", "scale": [1, 10]},
          "items": [{"column": "q1", "scale": [1, 5]}],
          "attributes": {"religion": {"column": "religion", "protected": True},
                         "gender": {"column": "gender", "protected": True},
                         "school": {"column": "school"},
                         "channel": {"column": "channel", "basis": "behaviour"}},
          "segmentation": [{"column": c, "scale": [1, 5], "basis": "needs"} for c in items],
          "treatments": {"contact": {"column": "contact", "yes_codes": [1], "no_codes": [2]},
                         "visit": {"column": "visit", "yes_codes": [1], "no_codes": [2]}}}
    return _write_survey(tmp_path, frame, cb)


def test_cells_and_designs_shared_between_treatments_equal_fresh_ones(tmp_path, monkeypatch):
    """Every treatment of a protected attribute has the same cells, so the audit makes their design
    once (and numbers the covariates' patterns once for the same respondents). The tables equal
    those of an audit that groups every model's cells and writes its design afresh, to the last
    bit, rows published treatment by treatment."""
    from clientvalue.analyses import segments_audit as audit
    from clientvalue.stats import fairness as fair

    path = _two_treatments_survey(tmp_path)
    options = dict(seed=1, n_boot=50, n_perm=49, n_stability=5)
    designs = []
    real_design = fair.category_design
    monkeypatch.setattr(fair, "category_design", lambda *a, **k: designs.append(k.get("role", "design"))
                        or real_design(*a, **k))
    shared = analysis.analyse(path, **options)
    assert designs.count("design") == 2  # one per attribute, not one per treatment and attribute

    def fresh_cells(state, ok, yy, groups):
        covariates = audit._covariates(state.model_frame.loc[ok], state.legit_num, state.legit_cat)
        cells = fair.covariate_cells(yy, groups, covariates)
        return (fair.CellIndex(cells.treated, cells.counts, cells.groups, None),
                real_design(cells.covariates, len(cells.treated)))

    monkeypatch.setattr(audit, "_cells_and_design", fresh_cells)
    fresh = analysis.analyse(path, **options)
    ft = fresh.fairness_treatments
    pairs = list(dict.fromkeys(zip(ft["treatment"], ft["attribute"])))
    attributes = [a for t, a in pairs if t == "contact"]
    assert sorted(attributes) == ["gender", "religion"]
    assert pairs == [(t, a) for t in ("contact", "visit") for a in attributes]
    assert ft["adjusted_diff"].notna().sum() >= 6 and ft["flag"].any()
    pd.testing.assert_frame_equal(shared.fairness_treatments, ft, check_exact=True)
    pd.testing.assert_frame_equal(shared.treatment_outcome, fresh.treatment_outcome, check_exact=True)


@pytest.mark.slow
def test_notebook_30_end_to_end_in_dutch(demo_report_nl):
    """`clientvalue run` with notebook 30: tables, the Dutch page with its flags, no respondent rows."""
    out = demo_report_nl
    tables = {p.name for p in (out / "tables").iterdir()}
    assert {"segments_fit.csv", "segments_profile.csv", "segments_stability.csv", "segments_value.csv",
            "fairness_segments.csv", "fairness_treatments.csv"} <= tables
    ft = pd.read_csv(out / "tables" / "fairness_treatments.csv")
    assert list(ft.columns[:12]) == ["treatment", "attribute", "category", "rate", "raw_diff", "raw_ci_low",
                                     "raw_ci_high", "adjusted_diff", "adjusted_ci_low", "adjusted_ci_high", "flag",
                                     "carried_by"]
    fs = pd.read_csv(out / "tables" / "fairness_segments.csv")
    assert {"source", "attribute", "cramers_v", "ci_low", "ci_high", "p_value", "predictive_gain", "flag"} <= set(fs.columns)
    page = (out / "30_segments.html").read_text(encoding="utf-8")
    assert "Mogelijk indirect onderscheid" in page and "Mogelijke ongelijke behandeling" in page and "Klantgroep 1" in page
    ids = pd.read_csv(DEMO_DIR / "municipality" / "survey.csv", sep=";", encoding="cp1252")["respondent_id"]
    for table in (out / "tables").glob("*.csv"):
        assert "respondent_id" not in table.read_text(encoding="utf-8")
    assert not any(str(i) in page for i in ids.head(50))


def test_notebook_30_skipped_without_segmentation(tmp_path):
    from clientvalue.run import pipeline
    from clientvalue.run.params import parse_parameters

    survey = load_survey(DEMO_DIR / "senior" / "codebook.yaml")
    notes = []
    chosen = pipeline.applicable_notebooks(parse_parameters({"codebook": "x"}), survey, codebook=Path("x"),
                                           echo=notes.append)
    assert "30_segments" not in chosen and any("30_segments" in n and "segmentation" in n for n in notes)
    with pytest.raises(ParameterError, match="30_segments needs `segmentation` items"):
        pipeline.applicable_notebooks(parse_parameters({"codebook": "x", "notebooks": ["30_segments"]}), survey,
                                      codebook=Path("x"), echo=notes.append)


def test_too_few_respondents_is_a_note_not_a_failure(tmp_path):
    from clientvalue.report import segments_text

    rng = np.random.default_rng(1)
    n = 40
    frame = pd.DataFrame({"id": range(n), "q1": rng.integers(1, 6, n), "origin": rng.choice(["a", "b"], n),
                          "n1": rng.integers(1, 6, n)})
    survey = _write_survey(tmp_path, frame, _codebook())
    with pytest.raises(AnalysisError, match="only 40 respondents answered every segmentation item"):
        analysis.analyse(survey, seed=1)
    res = analysis.analyse(survey, seed=1, on_error="note")
    assert res.error and res.k == 0
    assert "could not be formed" in segments_text.key_findings(res, "en")
    dutch = segments_text.key_findings(res, "nl")
    assert "konden geen klantgroepen" in dutch and res.error in html.unescape(dutch)  # the reason, made inert


def test_secondary_suppression():
    table = pd.DataFrame({"segment": [1, 2, 3, 4], "n": [500, 40, 7, 300], "share": [0.59, 0.05, 0.01, 0.35]})
    out = analysis.suppress(table, min_group_size=10, numbers=["n", "share"])
    assert list(out["suppressed"]) == [False, True, True, False]  # 7 alone would follow from the total
    assert out.loc[out["suppressed"], ["n", "share"]].isna().all().all()
    two = analysis.suppress(table.assign(n=[500, 5, 7, 300]), min_group_size=10, numbers=["n"])
    assert list(two["suppressed"]) == [False, True, True, False]


@pytest.mark.parametrize("cut", ["midpoint", "median"])
def test_persona_quadrants_by_hand(tmp_path, cut):
    import yaml

    raw = yaml.safe_load((DEMO_DIR / "municipality" / "codebook.yaml").read_text(encoding="utf-8"))
    raw["data"] = str(DEMO_DIR / "municipality" / "survey.csv")
    for axis in raw["personas"]["axes"]:
        axis["cut"] = cut
    (tmp_path / "cb.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    survey = load_survey(tmp_path / "cb.yaml")
    frame = survey.reported_data(10)
    code, names, _ = analysis._personas(survey, frame, "en")
    ax1, ax2 = survey.codebook.personas.axes
    s1, s2 = frame[ax1.items].mean(axis=1), frame[ax2.items].mean(axis=1)
    c1, c2 = (3.0, 3.0) if cut == "midpoint" else (s1.median(), s2.median())
    expected = np.select([(s1 > c1) & (s2 > c2), (s1 > c1) & (s2 <= c2), (s1 <= c1) & (s2 > c2)], [1, 2, 3], 4)
    complete = (frame[ax1.items].notna().mean(axis=1) >= 0.5) & (frame[ax2.items].notna().mean(axis=1) >= 0.5)
    np.testing.assert_array_equal(code[complete.to_numpy()], expected[complete.to_numpy()])
    assert names[1] == "arranges it themselves, relationship-oriented"


def _card_claims(res) -> list[tuple[int, str, float]]:
    """What a reader of the English persona cards learns: (segment, persona named, share shown)."""
    import re

    from clientvalue.report import segments_text

    text = segments_text.persona_cards(res, "en")
    claims = []
    for block in text.split("#### ")[1:]:
        segment = int(re.match(r"Segment (\d+)", block).group(1))
        for pct, name in re.findall(r"(\d+)% of its members belong to the persona \*(.+?)\*", block):
            claims.append((segment, html.unescape(name), int(pct) / 100))
    return claims


def _recover_suppressed_personas(res) -> dict[str, tuple[float, float]]:
    """An attacker's bounds on each suppressed persona's size, from the published tables and cards.

    The suppressed personas together hold the persona total (a published count divided by its
    published share) minus the published counts. A card "p% of segment s belongs to persona X" puts
    at least (p - 0.5)% of segment s's published size in X; whatever the other suppressed personas
    must hold bounds the small one from above.
    """
    personas, sizes = res.personas, res.sizes.set_index("segment")
    shown = personas[~personas["suppressed"]]
    total = float((shown["n"] / shown["share"]).iloc[0])
    hidden_total = total - shown["n"].sum()
    hidden = list(personas.loc[personas["suppressed"], "name"])
    low = dict.fromkeys(hidden, 0.0)
    for segment, name, share in _card_claims(res):
        if name in low:
            low[name] = max(low[name], (share - 0.005) * sizes.at[segment, "n"])
    return {name: (low[name], hidden_total - sum(v for k, v in low.items() if k != name)) for name in hidden}


def test_suppressed_persona_not_pinned_down_through_the_cards(tmp_path):
    """A persona of 5 is suppressed (and the next smallest with it); a card that names the second
    with its share would bound it, and the total then gives the small one to within a few people."""
    raw = load_survey(DEMO_DIR / "municipality" / "codebook.yaml")
    code, _names, _grid = analysis._personas(raw, raw.data, "en")
    frame = pd.read_csv(DEMO_DIR / "municipality" / "survey.csv", sep=";", encoding="cp1252", dtype=str)
    assert len(frame) == len(raw.data)
    ax2 = raw.codebook.personas.axes[1]
    first = np.flatnonzero((code == 1) & (raw.data[raw.group] != "Ombudsman").to_numpy())
    frame.loc[frame.index[first[5:]], ax2.items] = "1"  # all but 5 become process-oriented: persona 2
    import yaml

    cb = yaml.safe_load((DEMO_DIR / "municipality" / "codebook.yaml").read_text(encoding="utf-8"))
    frame.to_csv(tmp_path / "survey.csv", sep=";", encoding="cp1252", index=False)
    cb["data"] = "survey.csv"
    (tmp_path / "cb.yaml").write_text(yaml.safe_dump(cb, allow_unicode=True), encoding="utf-8")
    res = analysis.analyse(load_survey(tmp_path / "cb.yaml"), seed=3, n_boot=20, n_perm=19, n_stability=2)
    personas = res.personas.set_index("persona")
    assert personas.loc[1, "suppressed"] and personas["suppressed"].sum() == 2
    hidden = set(personas.loc[personas["suppressed"], "name"])
    claims = _card_claims(res)
    assert claims, "the cards still name published personas"
    small = personas.at[1, "name"]
    low, high = _recover_suppressed_personas(res)[small]
    assert high - low >= 100, (low, high)  # nothing beyond "the two suppressed hold this many together"
    assert not hidden & {name for _, name, _ in claims}
    for segment, _name, share in claims:  # every cell and its complement in the segment: 10 or more
        n = res.sizes.set_index("segment").at[segment, "n"]
        assert round(share * n) >= 10 and (round((1 - share) * n) == 0 or round((1 - share) * n) >= 10)


def test_majority_category_follows_the_minimum_cell_rule():
    from clientvalue.disclosure import majority_category, publishable_cell

    assert publishable_cell(10, 10) and publishable_cell(10, 20) and not publishable_cell(9, 40)
    assert not publishable_cell(35, 40)  # the 5 outside it follow by subtraction
    members = pd.Series([1] * 64 + [2] * 20 + [3] * 16)
    assert majority_category(members) == (1, 0.64)
    assert majority_category(members, hidden=[1]) is None  # a suppressed persona is never named
    assert majority_category(members, min_share=0.7) is None
    assert majority_category(pd.Series([1] * 60 + [2] * 4)) is None  # complement of 4
    assert majority_category(pd.Series([1] * 60)) == (1, 1.0)
    assert majority_category(pd.Series([1] * 60), margin=65) is None  # 5 without a persona
    assert majority_category(pd.Series([1] * 8)) is None and majority_category(pd.Series([], dtype=float)) is None


def test_the_smallest_share_of_a_suppressed_segment_is_not_published():
    """The chosen solution's smallest share is a segment's share: blank when the sizes table hides one."""
    fit = pd.DataFrame({"k": [2, 3, 4], "smallest_share": [0.3, 0.004, 0.002], "min_jaccard": [0.9, 0.61, 0.5]})
    sizes = pd.DataFrame({"segment": [1, 2, 3], "n": [600, 396, np.nan], "suppressed": [False, False, True]})
    hidden = analysis.hide_suppressed_share(fit, 3, sizes)
    assert hidden["smallest_share"].isna().tolist() == [False, True, False]
    # the least stable segment may be the hidden one, whose stability the stability table leaves out
    assert hidden["min_jaccard"].isna().tolist() == [False, True, False]
    assert fit["smallest_share"].notna().all()  # the solution's own table is left as it was
    shown = sizes.assign(suppressed=False)
    assert analysis.hide_suppressed_share(fit, 3, shown) is fit


def test_doubtful_segments_and_unclear_assignment_are_decided_and_worded():
    """A segment between the two stability bars is "doubtful" (not "every segment comes back"), and an
    entropy below the bar is not called clear: decided in the findings, worded on the page."""
    from types import SimpleNamespace

    from clientvalue.analyses.segments_findings import CLEAR_ENTROPY, _stability_finding
    from clientvalue.findings import Finding
    from clientvalue.report import segments_text

    stab = with_verdicts(pd.DataFrame({"segment": [1, 2, 3], "jaccard": [0.92, 0.7, 0.81]}))
    f = _stability_finding(stab)
    assert f.subject == {"unstable": "[]", "doubtful": '["2"]'} and f.severity == 1
    text = segments_text.key_findings(SimpleNamespace(error=None, findings=[f]), "en")
    assert "Segments 2 come back only partly" in text and "Every segment comes back" not in text
    clear = _stability_finding(with_verdicts(stab.assign(jaccard=[0.92, 0.8, 0.81])))
    assert "Elke klantgroep komt terug" in segments_text.key_findings(SimpleNamespace(error=None, findings=[clear]), "nl")
    numbers = {"k": 4, "n": 900, "stable": 4, "entropy": CLEAR_ENTROPY - 0.01, "clear_from": CLEAR_ENTROPY,
               "smallest": 0.1}
    unclear = Finding(kind="segments", subject={"assignment": "unclear"}, numbers=numbers)
    text = segments_text.key_findings(SimpleNamespace(error=None, findings=[unclear]), "en")
    assert "not clear-cut" in text and "Assignment is clear" not in text


def with_verdicts(stab: pd.DataFrame) -> pd.DataFrame:
    """A stability table with its ``stability`` verdicts, as :func:`bootstrap_stability` writes them."""
    from clientvalue.stats.segments import stability_class

    return stab.assign(stability=[stability_class(j) for j in stab["jaccard"]])


def segment_results(jaccard: list[float], suppressed: list[bool]):
    """The parts of SegmentResults the segment findings read: a stability row per shown segment."""
    from types import SimpleNamespace

    k = len(suppressed)
    shown = [s + 1 for s in range(k) if not suppressed[s]]
    return SimpleNamespace(
        k=k, n=900, fit=pd.DataFrame({"k": [k], "entropy": [0.9], "smallest_share": [np.nan]}),
        stability=with_verdicts(pd.DataFrame({"segment": shown, "jaccard": jaccard})),
        sizes=pd.DataFrame({"segment": range(1, k + 1), "share": [np.nan if h else 1 / k for h in suppressed],
                            "suppressed": suppressed}),
        value=None, persona_match={},
        profile=pd.DataFrame({"segment": [], "rank": [], "difference": [], "label": []}))


def test_the_summary_and_page_30_count_only_shown_segments_as_coming_back_or_not():
    """A segment that is not shown has no published stability: the summary counts against the shown
    segments and names the hidden, partly returning and unstable ones, and page 30 says the same."""
    from clientvalue.analyses.segments_findings import _segment_findings
    from clientvalue.report import segments_text

    found = _segment_findings(segment_results([0.95, 0.7, 0.9, 0.5], [False, False, False, False, True]))
    (segments,) = [f for f in found if f.kind == "segments"]
    (stability,) = [f for f in found if f.kind == "segment_stability"]
    assert {key: segments.numbers[key] for key in ("k", "shown", "stable", "doubtful", "unstable", "hidden")} == {
        "k": 5, "shown": 4, "stable": 2, "doubtful": 1, "unstable": 1, "hidden": 1}
    assert segments_text.describe(segments, language="en") == (
        "The answers on needs and behaviour show 5 client groups that want different things; of the 4 shown, 2 "
        "come back when the analysis is repeated on other samples. 1 comes back only partly. 1 does not come back: "
        "do not base policy on it. 1 group is not shown (too small, or hidden with a small one).")
    assert segments_text.describe(segments, language="nl") == (
        "De antwoorden over behoeften en gedrag laten 5 klantgroepen zien die iets anders willen; van de 4 getoonde "
        "komen er 2 terug als de analyse op andere steekproeven wordt herhaald. 1 daarvan komt maar gedeeltelijk "
        "terug. 1 daarvan komt niet terug: baseer er geen beleid op. 1 groep wordt niet getoond (te klein, of "
        "verborgen samen met een kleine groep).")
    page = segments_text.describe(stability, language="en")  # page 30 names the same segments
    assert "Segments 4 are not stable" in page and "Segments 2 come back only partly" in page
    # every shown segment stable, one hidden: "every segment shown", and one "comes back" in the singular
    found = _segment_findings(segment_results([0.95], [False, True]))
    (segments,) = [f for f in found if f.kind == "segments"]
    (stability,) = [f for f in found if f.kind == "segment_stability"]
    assert "of the 1 shown, 1 comes back when" in segments_text.describe(segments, language="en")
    assert segments_text.describe(stability, language="en").startswith("Every segment shown comes back")
    # nothing shown: no count of segments that come back (their stability is unknown), no stability finding
    found = _segment_findings(segment_results([], [True, True]))
    assert [f.kind for f in found] == ["segments"]
    text = segments_text.describe(found[0], language="en")
    assert "none is shown" in text and "come back" not in text
    # nothing hidden: the sentence the summary always had
    (segments,) = [f for f in _segment_findings(segment_results([0.9, 0.8], [False, False])) if f.kind == "segments"]
    assert segments_text.describe(segments, language="en") == (
        "The answers on needs and behaviour show 2 client groups that want different things; 2 of them come back "
        "when the analysis is repeated on other samples.")

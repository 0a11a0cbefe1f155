"""The survey-level analyses recover what the demo generator planted (data/demo/GROUND_TRUTH.md),
and the value-driver analysis agrees with a second method on a real survey."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from clientvalue.report import drivers_text  # noqa: E402
from clientvalue.analyses import drivers as drivers_report

from clientvalue.analyses import senior as senior_report
from clientvalue.data.demo import GROUND_TRUTH
from clientvalue.stats.importance import importance, naive_lmg
from clientvalue.errors import AnalysisError
from clientvalue.paths import DEMO_DIR
from clientvalue.data.survey import load_survey


@pytest.fixture(scope="module")
def municipality():
    return load_survey(DEMO_DIR / "municipality" / "codebook.yaml")


@pytest.fixture(scope="module")
def driver_results(municipality):
    return drivers_report.analyse(municipality, n_boot=300, seed=7, n_perm=49)


def test_planted_value_profiles_are_recovered(driver_results):
    profile = driver_results.profile.set_index("group")
    truth = GROUND_TRUTH["practical_share"]
    for service, share in truth.items():
        row = profile.loc[service]
        # the population share lies inside the bootstrap interval
        assert row.practical_ci_low <= share <= row.practical_ci_high, (service, share, row.practical_ci_low, row.practical_ci_high)
    assert profile.loc["Burgerzaken", "practical_share"] > 0.75
    assert profile.loc["Jeugd & gezin", "practical_share"] < 0.25
    assert profile.loc["Burgerzaken", "strategy"].startswith("performance")
    assert profile.loc["Jeugd & gezin", "strategy"].startswith("experience")
    # shares of the two dimensions add up to one
    np.testing.assert_allclose(profile["practical_share"] + profile["emotional_share"], 1.0, atol=1e-12)


def test_customisation_for_the_two_segment_service(driver_results):
    profile = driver_results.profile.set_index("group")
    wmo = profile.loc["Wmo-loket"]
    assert wmo.segment_by == "channel" and wmo.segment_p_value <= 0.05
    assert "customisation" in wmo.strategy
    for service in ("Burgerzaken", "Jeugd & gezin", "Afval & belastingen"):
        assert "customisation" not in profile.loc[service, "strategy"]


def test_planted_red_item_and_suppression(driver_results):
    red = driver_results.red_items()
    afval = red[red["group"] == "Afval & belastingen"]
    assert "q_cost" in set(afval["item"])
    assert afval.sort_values("improvement_score").iloc[-1]["item"] == "q_cost"
    assert "Ombudsman" not in set(driver_results.profile["group"])
    assert "Ombudsman" not in set(driver_results.drivers["group"])
    # a group too small to report is counted, never named (clientvalue.disclosure)
    assert "Ombudsman" not in set(driver_results.suppressed["group"]) and driver_results.n_suppressed == 1


def test_drivers_table_is_consistent(driver_results):
    drivers = driver_results.drivers
    per_group = drivers.groupby("group")
    np.testing.assert_allclose(per_group["share"].sum(), 1.0, atol=1e-10)
    r2 = driver_results.profile.set_index("group")["r2"]
    np.testing.assert_allclose(per_group["importance"].sum(), r2.loc[per_group["importance"].sum().index], atol=1e-10)
    np.testing.assert_allclose(per_group["relative_weight"].sum(), r2.loc[per_group["relative_weight"].sum().index], atol=1e-10)
    assert (drivers["share_ci_low"] <= drivers["share"] + 1e-12).all() and (drivers["share"] <= drivers["share_ci_high"] + 1e-12).all()
    assert set(drivers["quadrant"]) <= {"concentrate_here", "keep_up", "low_priority", "possible_overkill"}
    assert list(drivers.columns[:4]) == ["group", "item", "label", "dimension"]


def test_measurement_check_finds_no_misplaced_item(driver_results):
    assert not driver_results.factors["flag"].any()
    assert (driver_results.reliability["alpha"] > 0.7).all()


def test_key_findings_in_both_languages(municipality):
    # the practical share is a share of the *explained* part, and the explained part (R²) is said too
    for language, word in (("en", "the questions together explain {r2} of the differences in the overall "
                                  "rating; of that explained part, practical value accounts for {p}"),
                           ("nl", "samen verklaren de vragen {r2} van de verschillen in het rapportcijfer; "
                                  "van dat verklaarde deel komt {p}")):
        results = drivers_report.analyse(municipality, n_boot=50, seed=1, n_perm=9, language=language)
        text = drivers_text.key_findings(results)
        everyone = results.profile.set_index("group").loc["all"]
        word = word.format(r2=f"{everyone.r2 * 100:.0f}%", p=f"{everyone.practical_share * 100:.0f}%")
        assert word in text, (word, text)
        assert "Ombudsman" not in text and ("1 group" in text or "1 groep" in text)
        assert "Ombudsman" not in drivers_text.strategy_table(results)["group"].tolist()


def test_no_outcome_is_refused_clearly():
    survey = load_survey(DEMO_DIR / "senior" / "codebook.yaml")
    with pytest.raises(AnalysisError, match="needs an `outcome` and `items`"):
        drivers_report.analyse(survey)


# --- senior self-identification ---------------------------------------------------------------

@pytest.mark.parametrize("survey_name", ["municipality", "senior"])
def test_planted_senior_curve_is_recovered(survey_name):
    survey = load_survey(DEMO_DIR / survey_name / "codebook.yaml")
    results = senior_report.analyse(survey, n_boot=200, seed=3)
    truth = GROUND_TRUTH["senior"]
    summary = results.summary.iloc[0]
    assert summary["status"] == "ok"
    assert summary["ci_low"] <= truth["midpoint"] <= summary["ci_high"]
    # each band's true share (the planted curve averaged over the band's observed ages) is inside its interval
    data = survey.data.dropna(subset=[survey.age, survey.senior])
    for band in results.by_age.itertuples():
        high = np.inf if pd.isna(band.age_high) else band.age_high + 1
        ages = data.loc[(data[survey.age] >= band.age_low) & (data[survey.age] < high), survey.age]
        true_share = expit((ages - truth["midpoint"]) / truth["scale"]).mean()
        assert band.ci_low <= true_share <= band.ci_high, (band.age_band, true_share, band.ci_low, band.ci_high)


def test_senior_value_comparison_recovers_planted_emotional_gap():
    survey = load_survey(DEMO_DIR / "municipality" / "codebook.yaml")
    results = senior_report.analyse(survey, n_boot=0, seed=3)
    value = results.value.set_index("score")
    planted = GROUND_TRUTH["senior"]["nonsenior_emotional_diff_items"]
    assert value.loc["emotional", "ci_low"] <= planted <= value.loc["emotional", "ci_high"]
    assert value.loc["emotional", "ci_high"] < 0
    assert value.loc["practical", "ci_low"] <= 0 <= value.loc["practical", "ci_high"]


def test_senior_needs_age_and_question(municipality, write_codebook, tmp_path):
    import yaml

    raw = yaml.safe_load((DEMO_DIR / "municipality" / "codebook.yaml").read_text(encoding="utf-8"))
    raw.pop("senior")
    raw["data"] = str(DEMO_DIR / "municipality" / "survey.csv")
    survey = load_survey(write_codebook(raw))
    with pytest.raises(AnalysisError, match="needs senior"):
        senior_report.analyse(survey)


def test_age_bands_from_bounds():
    assert senior_report.bands_from_bounds([18, 55, 65]) == [(18, 54), (55, 64), (65, None)]


# --- real survey: a second method -------------------------------------------------------------

def test_ecsi_real_survey_lmg_matches_subset_regressions(real_data):
    raw = pd.read_csv(real_data / "ecsi_mobi.csv")
    practical = [f"PERQ{i}" for i in range(1, 8)] + ["PERV1", "PERV2"]
    emotional = [f"IMAG{i}" for i in range(1, 6)]
    drivers = practical + emotional
    fast = importance(raw, outcome="CUSA1", drivers=drivers)
    slow = naive_lmg(raw, outcome="CUSA1", drivers=drivers)
    np.testing.assert_allclose(fast.table["importance"].to_numpy(), slow.lmg.loc[drivers].to_numpy(), atol=1e-10)
    # R² of the full model from a plain least-squares fit
    x = np.column_stack([np.ones(len(raw)), raw[drivers].to_numpy(float)])
    y = raw["CUSA1"].to_numpy(float)
    residual = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
    r2 = 1 - residual @ residual / ((y - y.mean()) @ (y - y.mean()))
    assert fast.r2 == pytest.approx(r2, abs=1e-12) and slow.r2 == pytest.approx(r2, abs=1e-12)
    practical_share = fast.table.set_index("driver").loc[practical, "share"].sum()
    assert 0 < practical_share < 1


def test_small_bands_merge_and_thresholds_never_single_out_a_small_slice():
    ages = pd.Series([20] * 30 + [60] * 30 + [70] * 30 + [80] * 12 + [90] * 4 + [66] * 3)
    bands = senior_report.bands_from_bounds([18, 55, 65, 75, 85])
    merged = senior_report.merge_small_bands(bands, ages, min_group_size=10)
    assert merged == [(18, 54), (55, 64), (65, 74), (75, None)]  # 85+ (4 people) joins 75-84
    # 67 and 70 would each single out the three 66-year-olds against the band boundary 65;
    # 80 is safe: nobody is aged 75-79, so 75+ and 80+ are the same people
    assert senior_report.safe_thresholds([60, 65, 67, 70, 75, 80], merged, ages, min_group_size=10) == [60, 65, 75, 80]


def test_merged_band_results_in_the_report(municipality):
    survey = load_survey(DEMO_DIR / "municipality" / "codebook.yaml")
    survey.data = survey.data[~(survey.data[survey.age] >= 85) | (survey.data.index % 20 == 0)]
    results = senior_report.analyse(survey, n_boot=0)
    assert list(results.by_age["age_band"])[-1] == "75+"
    assert not results.by_age["suppressed"].any()
    assert "n_labelled" not in results.thresholds.columns


def test_the_value_table_of_a_suppressed_age_rule_shows_no_numbers():
    """Age rule 67 against the band cut 65 singles out the few 65-66-year-olds, so its comparison is
    suppressed; the value table of the same rule would give them away by its counts (n_match +
    n_against against the 65+ band): its numbers are blank and it yields no finding."""
    survey = load_survey(DEMO_DIR / "municipality" / "codebook.yaml")
    age = survey.data[survey.age]
    survey.data = survey.data[~age.isin([65, 66]) | (survey.data.index % 40 == 0)]  # a handful aged 65-66
    few = int(survey.data[survey.age].isin([65, 66]).sum())
    assert 0 < few < 10
    results = senior_report.analyse(survey, n_boot=0, age_threshold=67)
    assert results.thresholds.set_index("threshold").loc[67, "suppressed"]
    assert results.value is not None and len(results.value)
    assert results.value[senior_report.VALUE_NUMBERS].isna().all().all() and results.value["suppressed"].all()
    assert not [f for f in results.findings if f.kind == "value_mismatch"]
    shown = senior_report.analyse(survey, n_boot=0, age_threshold=65)  # a band's own cut: shown as before
    assert shown.value["n_match"].notna().any() and not shown.value["suppressed"].any()


def test_factor_caution_in_key_findings(driver_results):
    import dataclasses

    assert drivers_text.factor_caution(driver_results) == ""  # the demo's items load where the codebook says
    items = [f"q{i}" for i in range(14)]
    many = pd.DataFrame({"item": items, "flag": [True] * 8 + [False] * 6})  # as on the ECSI survey
    for language, words in (("en", "Caution: the data suggest that 8 of 14 questions belong to the other kind of value"),
                            ("nl", "Let op: de gegevens wijzen erop dat 8 van de 14 vragen bij de andere soort waarde horen")):
        flagged = dataclasses.replace(driver_results, factors=many, language=language)
        assert words in drivers_text.factor_caution(flagged) and words in drivers_text.key_findings(flagged)
    one = dataclasses.replace(driver_results, factors=many.assign(flag=[True] + [False] * 13))
    assert drivers_text.factor_caution(one).startswith("The data suggest that 1 of 14 questions may belong")
    assert "Caution" not in drivers_text.key_findings(one)


def test_advice_names_the_groups_that_differ(driver_results):
    wmo = drivers_text.strategy_table(driver_results).set_index("group").loc["Wmo-loket", "reason"]
    # the planted two-segment service: the advice names the attribute and its categories
    assert "Client groups by channel (balie, online, telefoon; most different:" in wmo
    assert "adapt the service to these groups" in wmo
    # and names the service's own most important practical and emotional questions
    assert "(in this survey mainly: “" in wmo and "fast, error-free" not in wmo


def test_codebook_dimension_descriptions_word_the_advice(write_codebook):
    import yaml

    from clientvalue.data.codebook import load_codebook
    from clientvalue.errors import CodebookError

    raw = yaml.safe_load((DEMO_DIR / "municipality" / "codebook.yaml").read_text(encoding="utf-8"))
    raw["data"] = str(DEMO_DIR / "municipality" / "survey.csv")
    raw["dimension_descriptions"] = {"practical": {"en": "paying and arranging without fuss",
                                                   "nl": "zonder gedoe betalen en regelen"},
                                     "emotional": "respect"}
    survey = load_survey(write_codebook(raw))
    for language, words in (("en", "practical value (paying and arranging without fuss) accounts for"),
                            ("nl", "praktische waarde (zonder gedoe betalen en regelen)")):
        results = drivers_report.analyse(survey, n_boot=30, seed=1, n_perm=9, language=language)
        reason = drivers_text.strategy_table(results).set_index("group").loc["Afval & belastingen", "reason"]
        assert words in reason and "in this survey mainly" not in reason
    raw["dimension_descriptions"] = {"practicle": "fast"}
    with pytest.raises(CodebookError, match="dimension_descriptions names 'practicle'.*did you mean 'practical'"):
        load_codebook(write_codebook(raw, "bad.yaml"))

"""The contract's band rule, checked against a plain reference kept here in the tests."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifications.results import Assessment
from engine.pipeline import Rulebook, classify_assessment
from risk_catalog import STATUSES, load_catalog

CATALOG = load_catalog()
RULEBOOK = Rulebook.load()
IDS = CATALOG.ids
TIER_OF = {i.id: i.tier for i in CATALOG.indicators}

# The contract, as a test reader would write it from shared/domain.md.
CONTRACT_TIER1 = ["t1_torture", "t1_forced_labour", "t1_worst_forms_child_labour", "t1_sexual_violence",
                  "t1_war_crimes", "t1_nsag_control", "t1_nsag_taxation"]
CONTRACT_MITIGATION = ["m_security_forces_illegal", "m_bribery", "m_fraud_origin", "m_money_laundering",
                       "m_taxes_unpaid", "m_no_legal_basis", "m_children_on_site", "m_child_labour_light",
                       "m_mercury_worst_practices"]
CONTRACT_EDD = ["edd_cahra", "edd_security_forces_present"]
CONTRACT_PROGRESSION = ["p_no_management_system", "p_no_grievance_mechanism", "p_no_production_records",
                        "p_no_traceability", "p_no_ppe", "p_no_safety_training", "p_unsafe_underground_works",
                        "p_no_first_aid", "p_mercury_use", "p_no_tailings_management", "p_water_pollution",
                        "p_no_land_rehabilitation", "p_gender_discrimination", "p_no_community_engagement",
                        "p_no_written_sales_terms"]
PRESENT = {"confirmed", "suspected"}


def reference_classification(statuses: dict[str, str]) -> tuple[str, int | None, list[str]]:
    """Band, level and EDD straight from the contract's wording."""
    def of(tier):
        return [statuses[i] for i in IDS if TIER_OF[i] == tier]

    edd = sorted(i for i in IDS if statuses[i] in PRESENT
                 and (TIER_OF[i] == "edd" or i == "m_security_forces_illegal"))
    if any(s in PRESENT for s in of("tier1")):
        return "tier1_disengagement", None, edd
    if any(s == "not_assessed" for s in of("tier1")):
        return "incomplete", None, edd
    if any(s in PRESENT for s in of("mitigation")):
        return "entry_with_mitigation", None, edd
    if any(s == "not_assessed" for s in of("mitigation")):
        return "incomplete", None, edd
    progression = [s for s in of("progression") if s != "not_assessed"]
    share = sum(s == "absent" for s in progression) / len(progression) if progression else 0.0
    level = 3 if share >= 0.9 else 2 if share >= 0.5 else 1
    return "progression", level, edd


def classify(statuses: dict[str, str]):
    return classify_assessment(Assessment("S1", date(2024, 3, 1), dict(statuses)), RULEBOOK)


def all_absent() -> dict[str, str]:
    return {i: "absent" for i in IDS}


statuses_strategy = st.fixed_dictionaries({i: st.sampled_from(STATUSES) for i in IDS})
# Mostly-clean assessments reach the later steps of the rule more often.
clean_leaning = st.fixed_dictionaries({
    i: st.sampled_from(STATUSES) if TIER_OF[i] in ("progression", "edd")
    else st.sampled_from(("absent",) * 12 + STATUSES)
    for i in IDS
})
any_statuses = st.one_of(statuses_strategy, clean_leaning)

BAND_RANK = {"tier1_disengagement": 0, "incomplete": 1, "entry_with_mitigation": 2, "progression": 3}


def rank(result) -> tuple[int, int]:
    return BAND_RANK[result.band], result.level or 0


def test_contract_ids_are_all_in_the_catalog_with_their_tier():
    for ids, tier in ((CONTRACT_TIER1, "tier1"), (CONTRACT_MITIGATION, "mitigation"),
                      (CONTRACT_EDD, "edd"), (CONTRACT_PROGRESSION, "progression")):
        for iid in ids:
            assert TIER_OF.get(iid) == tier, iid


@pytest.mark.parametrize("iid", CONTRACT_TIER1)
@pytest.mark.parametrize("status", ["confirmed", "suspected"])
def test_each_tier1_indicator_present_gives_disengagement(iid, status):
    result = classify({**all_absent(), iid: status})
    assert result.band == "tier1_disengagement"
    assert [f.indicator for f in result.findings] == [iid]


@pytest.mark.parametrize("iid", CONTRACT_TIER1)
def test_each_tier1_indicator_not_assessed_gives_incomplete(iid):
    result = classify({**all_absent(), iid: "not_assessed"})
    assert result.band == "incomplete"
    assert result.missing == [iid]


@pytest.mark.parametrize("iid", CONTRACT_MITIGATION)
@pytest.mark.parametrize("status", ["confirmed", "suspected"])
def test_each_mitigation_indicator_present_gives_entry_with_mitigation(iid, status):
    result = classify({**all_absent(), iid: status})
    assert result.band == "entry_with_mitigation"
    finding = result.findings[0]
    assert finding.indicator == iid and finding.due_date is not None


@pytest.mark.parametrize("iid", CONTRACT_MITIGATION)
def test_each_mitigation_indicator_not_assessed_gives_incomplete(iid):
    result = classify({**all_absent(), iid: "not_assessed"})
    assert result.band == "incomplete" and result.missing == [iid]


@pytest.mark.parametrize("iid", CONTRACT_EDD)
def test_edd_indicators_flag_edd_and_never_change_the_band(iid):
    result = classify({**all_absent(), iid: "confirmed"})
    assert result.band == "progression" and result.level == 3
    assert result.edd == [iid]


def test_security_forces_illegal_also_raises_edd():
    result = classify({**all_absent(), "m_security_forces_illegal": "suspected"})
    assert result.edd == ["m_security_forces_illegal"]


@pytest.mark.parametrize("iid", CONTRACT_PROGRESSION)
def test_each_progression_gap_is_a_finding_under_its_subject(iid):
    result = classify({**all_absent(), iid: "confirmed"})
    assert result.band == "progression"
    (finding,) = result.findings
    assert finding.indicator == iid and finding.subject == CATALOG.indicator(iid).subject


def test_tier1_wins_over_everything_else():
    statuses = {i: "confirmed" for i in IDS}
    statuses["t1_torture"] = "suspected"
    assert classify(statuses).band == "tier1_disengagement"


def test_tier1_present_beats_tier1_not_assessed():
    result = classify({**all_absent(), "t1_torture": "confirmed", "t1_war_crimes": "not_assessed"})
    assert result.band == "tier1_disengagement"


def test_tier1_not_assessed_beats_mitigation_present():
    result = classify({**all_absent(), "t1_torture": "not_assessed", "m_bribery": "confirmed"})
    assert result.band == "incomplete"


def test_mitigation_present_beats_mitigation_not_assessed():
    result = classify({**all_absent(), "m_bribery": "confirmed", "m_taxes_unpaid": "not_assessed"})
    assert result.band == "entry_with_mitigation"


def test_level_thresholds_follow_the_share_of_absent_progression_indicators():
    progression = [i.id for i in CATALOG.by_tier("progression")]
    n = len(progression)
    for gaps in range(n + 1):
        statuses = all_absent()
        for iid in progression[:gaps]:
            statuses[iid] = "confirmed"
        result = classify(statuses)
        assert result.level == reference_classification(statuses)[1]
        assert result.share_absent == pytest.approx((n - gaps) / n)


def test_no_progression_indicator_assessed_gives_the_lowest_level():
    statuses = {**all_absent(), **{i.id: "not_assessed" for i in CATALOG.by_tier("progression")}}
    result = classify(statuses)
    assert result.band == "progression" and result.level == 1 and result.share_absent is None


@settings(max_examples=300, deadline=None)
@given(any_statuses)
def test_engine_agrees_with_the_reference(statuses):
    result = classify(statuses)
    band, level, edd = reference_classification(statuses)
    assert (result.band, result.level, result.edd) == (band, level, edd)
    assert {f.indicator for f in result.findings} == {i for i in IDS if statuses[i] in PRESENT}
    assert result.not_assessed == [i for i in IDS if statuses[i] == "not_assessed"]
    assert result.catalog_hash == CATALOG.content_hash


@settings(max_examples=200, deadline=None)
@given(any_statuses, st.sampled_from(CONTRACT_TIER1), st.sampled_from(["confirmed", "suspected"]))
def test_a_present_tier1_indicator_always_disengages(statuses, iid, status):
    assert classify({**statuses, iid: status}).band == "tier1_disengagement"


@settings(max_examples=200, deadline=None)
@given(any_statuses, st.data())
def test_assessing_a_missing_indicator_as_absent_never_worsens_the_band(statuses, data):
    unassessed = [i for i in IDS if statuses[i] == "not_assessed"]
    if not unassessed:
        return
    chosen = data.draw(st.lists(st.sampled_from(unassessed), min_size=1, unique=True))
    before = classify(statuses)
    after = classify({**statuses, **{i: "absent" for i in chosen}})
    assert rank(after) >= rank(before)


@settings(max_examples=200, deadline=None)
@given(any_statuses, st.fixed_dictionaries({i: st.sampled_from(STATUSES) for i in CONTRACT_EDD}))
def test_edd_answers_never_change_band_or_level(statuses, edd_statuses):
    before = classify(statuses)
    after = classify({**statuses, **edd_statuses})
    assert (after.band, after.level) == (before.band, before.level)


@settings(max_examples=100, deadline=None)
@given(any_statuses)
def test_classification_is_repeatable_on_the_same_host(statuses):
    first, second = classify(statuses), classify(statuses)
    assert first.to_dict() == second.to_dict()

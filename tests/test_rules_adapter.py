"""durable-rules' sharp edges, contained in engine.rules_adapter."""
from __future__ import annotations

import csv
import random
import threading
from datetime import date

import pytest
import yaml

from classifications.results import Assessment
from engine import rules_adapter
from engine.pipeline import Rulebook, classify_assessment, classify_file
from engine.rules_adapter import (
    DISCRIMINATOR, MAX_ANSWERS_PER_FACT, RulesEngineError, RulesHost, answer_facts, compile_ruleset,
    compile_rulesets,
)
from risk_catalog import BUNDLED_CATALOG, load_catalog
from risk_catalog.loader import read_catalog_data

CATALOG = load_catalog()


def all_absent(catalog=CATALOG):
    return {i: "absent" for i in catalog.ids}


def test_every_rule_is_guarded_by_the_discriminator():
    for name, rule in compile_ruleset(CATALOG).items():
        (condition,) = rule["all"]
        m = condition["m"]
        assert m == DISCRIMINATOR or DISCRIMINATOR in m["$and"], name


def test_one_rule_per_indicator_and_outcome_plus_the_catch_all():
    rules = compile_ruleset(CATALOG)
    assert len(rules) == 2 * len(CATALOG.ids) + 1


def test_an_assessment_no_rule_matches_gives_no_finding_rather_than_an_error():
    host = rules_adapter.get_host()
    for _ in range(3):  # repeated: the state of an unmatched fact must be cleaned up
        assert host.run_assessment(CATALOG, all_absent(), "S") == []


def test_a_ruleset_is_registered_once_however_often_it_is_used():
    host = rules_adapter.get_host()
    first = host.ensure_rulesets(CATALOG)
    registered = len(host._ruleset_directory)
    assert host.ensure_rulesets(CATALOG) == first
    host.run_assessment(CATALOG, all_absent(), "S")
    assert len(host._ruleset_directory) == registered


def test_a_second_host_in_one_process_is_refused():
    rules_adapter.get_host()
    with pytest.raises(RuntimeError, match="one RulesHost per process"):
        RulesHost()


def test_no_background_dispatch_threads_are_started():
    before = threading.active_count()
    host = rules_adapter.get_host()
    host.run_assessment(CATALOG, {**all_absent(), "t1_torture": "confirmed"}, "S")
    assert threading.active_count() == before


def test_state_is_deleted_after_each_site(monkeypatch):
    host = rules_adapter.get_host()
    deleted = []
    original = host.delete_state
    monkeypatch.setattr(host, "delete_state", lambda name, sid: (deleted.append(sid), original(name, sid)))
    assert len(host.ensure_rulesets(CATALOG)) == 1
    for statuses in ({**all_absent(), "p_no_ppe": "confirmed"}, all_absent(), all_absent()):
        host.run_assessment(CATALOG, statuses, "S")
    assert len(deleted) == 3 and len(set(deleted)) == 3


def test_an_exception_inside_an_action_is_surfaced_naming_the_site(monkeypatch, tmp_path):
    real_get_action = RulesHost.get_action

    def failing_get_action(self, name):
        action = real_get_action(self, name)

        def boom(c):
            if name.startswith("m_bribery"):
                raise ZeroDivisionError("broken action")
            return action(c)
        return boom

    monkeypatch.setattr(RulesHost, "get_action", failing_get_action)
    catalog = big_catalog(tmp_path, 2)  # a new catalog, so its ruleset binds the failing action
    host = rules_adapter.get_host()
    with pytest.raises(RulesEngineError) as excinfo:
        host.run_assessment(catalog, {**all_absent(catalog), "m_bribery": "confirmed"}, "SITE-42")
    assert "SITE-42" in str(excinfo.value) and "broken action" in str(excinfo.value)
    # the next site is not blamed for the last one's failure
    assert host.run_assessment(catalog, all_absent(catalog), "SITE-43") == []


def test_an_engine_failure_in_classify_names_the_site(monkeypatch, tmp_path):
    def explode(self, catalog, statuses, site_label):
        raise RulesEngineError(f"site {site_label}: the rules engine failed: injected")

    monkeypatch.setattr(RulesHost, "run_assessment", explode)
    with pytest.raises(RulesEngineError, match="site X1"):
        classify_assessment(Assessment("X1", date(2024, 1, 1), all_absent()), Rulebook.load())


def big_catalog(tmp_path, extra: int):
    """The bundled catalog plus `extra` progression indicators: more than a fact can hold."""
    data, problems = read_catalog_data(BUNDLED_CATALOG)
    assert not problems
    template = next(i for i in data["indicators"] if i["tier"] == "progression")
    for n in range(extra):
        data["indicators"].append({**template, "id": f"p_extra_{n:03d}", "title": f"Extra gap {n}"})
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_catalog(path)


def test_answers_are_split_over_facts_below_durable_rules_property_limit(tmp_path):
    catalog = big_catalog(tmp_path, 300)
    facts = answer_facts(catalog, all_absent(catalog), "1")
    assert len(facts) == -(-len(catalog.ids) // MAX_ANSWERS_PER_FACT) >= 3
    assert all(len(f) <= 255 for f in facts)
    assert sum(len(f) - 3 for f in facts) == len(catalog.ids)
    rulesets = compile_rulesets(catalog)
    assert len(rulesets) == len(facts)
    assert sum(len(r) - 1 for r in rulesets.values()) == 2 * len(catalog.ids)


def test_a_catalog_wider_than_one_fact_still_finds_every_risk(tmp_path):
    catalog = big_catalog(tmp_path, 300)
    rulebook = Rulebook(catalog, Rulebook.load().bands)
    statuses = all_absent(catalog)
    rng = random.Random(7)
    gaps = rng.sample([i for i in catalog.ids if i.startswith("p_")], 40)
    for iid in gaps:
        statuses[iid] = "confirmed"
    statuses[catalog.ids[-1]] = "suspected"  # an indicator in the last fact
    result = classify_assessment(Assessment("W", date(2024, 1, 1), statuses), rulebook)
    assert {f.indicator for f in result.findings} == set(gaps) | {catalog.ids[-1]}
    assert result.band == "progression"


def test_two_catalogs_in_one_process_get_their_own_rulesets(tmp_path):
    host = rules_adapter.get_host()
    other = big_catalog(tmp_path, 1)
    assert host.ensure_rulesets(other) != host.ensure_rulesets(CATALOG)


def _write_csv(path, rows, columns):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def test_results_do_not_depend_on_row_or_column_order(tmp_path):
    rng = random.Random(11)
    statuses = ["confirmed", "suspected", "absent", "absent", "absent", "not_assessed", ""]
    rows = []
    for n in range(60):
        row = {"site_id": f"S{n:03d}", "assessment_date": "2024-05-01"}
        row.update({i: rng.choice(statuses) for i in CATALOG.ids})
        rows.append(row)
    columns = ["site_id", "assessment_date", *CATALOG.ids]
    _write_csv(tmp_path / "a.csv", rows, columns)
    shuffled_rows, shuffled_cols = rows[:], columns[:]
    rng.shuffle(shuffled_rows)
    rng.shuffle(shuffled_cols)
    _write_csv(tmp_path / "b.csv", shuffled_rows, shuffled_cols)
    rulebook = Rulebook.load()

    def by_site(path):
        out = {}
        for c in classify_file(path, rulebook):
            d = c.to_dict()
            out[d["site_id"]] = d
        return out

    assert by_site(tmp_path / "a.csv") == by_site(tmp_path / "b.csv")


def test_parallel_workers_give_the_same_results_as_one_process(tmp_path):
    from engine.pipeline import iter_classifications
    from engine.reader import AssessmentReader

    rng = random.Random(3)
    rows = [{"site_id": f"S{n}", "assessment_date": "2024-01-02",
             **{i: rng.choice(["confirmed", "absent", "absent", ""]) for i in CATALOG.ids}} for n in range(300)]
    _write_csv(tmp_path / "in.csv", rows, ["site_id", "assessment_date", *CATALOG.ids])
    rulebook = Rulebook.load()
    one = [c.to_dict() for c in iter_classifications(AssessmentReader(tmp_path / "in.csv", CATALOG, chunk_rows=50), rulebook, 1)]
    two = [c.to_dict() for c in iter_classifications(AssessmentReader(tmp_path / "in.csv", CATALOG, chunk_rows=50), rulebook, 2)]
    assert one == two and len(one) == 300

"""The catalog loader: the contract's content, validation, fingerprint."""
from __future__ import annotations

import copy

import pytest
import yaml

from risk_catalog import BUNDLED_CATALOG, CatalogError, load_catalog
from risk_catalog.loader import content_hash, read_catalog_data, validate_catalog_data

ISO_SUBJECTS = {"organizational_governance", "human_rights", "labour_practices", "environment",
                "fair_operating_practices", "consumer_issues", "community_involvement_and_development"}


@pytest.fixture()
def data():
    loaded, problems = read_catalog_data(BUNDLED_CATALOG)
    assert problems == []
    return copy.deepcopy(loaded)


def test_bundled_catalog_is_valid_and_has_the_seven_core_subjects():
    catalog = load_catalog()
    assert {s.id for s in catalog.subjects} == ISO_SUBJECTS
    assert len(catalog.content_hash) == 64 and catalog.version


def test_every_indicator_has_sources_actions_and_a_known_subject():
    catalog = load_catalog()
    for ind in catalog.indicators:
        assert ind.sources and ind.actions and ind.subject in ISO_SUBJECTS, ind.id
        if ind.tier == "mitigation":
            assert ind.progress_check_days == 183 and ind.deadline_days, ind.id


def test_an_empty_core_subject_says_why():
    catalog = load_catalog()
    for subject in catalog.subjects:
        if not catalog.by_subject(subject.id):
            assert subject.empty_note, subject.id


def test_hash_ignores_formatting_but_not_content(data, tmp_path):
    path = tmp_path / "one.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=True, indent=4), encoding="utf-8")
    assert load_catalog(path).content_hash == load_catalog().content_hash
    data["indicators"][0]["title"] += " (edited)"
    assert content_hash(data) != load_catalog().content_hash


@pytest.mark.parametrize("breakage, expected", [
    (lambda d: d["indicators"].append(dict(d["indicators"][0])), "duplicate indicator id 't1_torture'"),
    (lambda d: d["indicators"][0].update(tier="tier0"), "unknown tier 'tier0'"),
    (lambda d: d["indicators"][0].update(subject="sports"), "unknown subject 'sports'"),
    (lambda d: d["indicators"][0].pop("sources"), "missing field 'sources'"),
    (lambda d: d["indicators"][0].update(sources=[]), "'sources' must be a non-empty list"),
    (lambda d: d["indicators"][0].update(progress_check_days=30), "only for tier mitigation"),
    (lambda d: next(i for i in d["indicators"] if i["tier"] == "mitigation").pop("deadline_days"),
     "missing field 'deadline_days'"),
    (lambda d: d["indicators"][0].update(colour="red"), "unknown field 'colour'"),
    (lambda d: d["indicators"][0].update(id="m_torture"), "start with 't1_'"),
    (lambda d: d.pop("catalog_version"), "missing top-level 'catalog_version'"),
    (lambda d: d["core_subjects"].append(dict(d["core_subjects"][0])), "duplicate core subject id"),
])
def test_each_breakage_is_named(data, breakage, expected):
    breakage(data)
    problems = validate_catalog_data(data)
    assert any(expected in p for p in problems), problems


def test_all_problems_are_reported_at_once(data, tmp_path):
    data["indicators"][0]["tier"] = "tier0"
    data["indicators"][1]["subject"] = "sports"
    data["indicators"][2].pop("title")
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(CatalogError) as excinfo:
        load_catalog(path)
    assert len(excinfo.value.problems) == 3


def test_invalid_yaml_is_a_catalog_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("catalog_version: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid YAML"):
        load_catalog(path)

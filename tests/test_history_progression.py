"""Mitigation items, timelines and portfolio series: pure functions over stored rows."""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from classifications.history import StoredAssessment, StoredFinding
from classifications.progression import (bands_over_time, due_items, period_ends, site_items,
                                         sites_to_suspend, timeline)
from classifications.results import Assessment
from engine.pipeline import Rulebook, classify_assessment

RULEBOOK = Rulebook.load()
CATALOG = RULEBOOK.catalog
MITIGATION = [i for i in CATALOG.indicators if i.deadline_days is not None]
M1, M2 = MITIGATION[0].id, MITIGATION[1].id
PRESENT = ("confirmed", "suspected")


def stored(site: str, day: str, **statuses: str) -> StoredAssessment:
    """A stored assessment as the importer would store it: classified by the real rules."""
    full = {iid: "absent" for iid in CATALOG.ids}
    full.update(statuses)
    c = classify_assessment(Assessment(site, date.fromisoformat(day), full), RULEBOOK)
    return StoredAssessment(
        site_id=site, assessment_date=c.assessment_date, statuses=full, band=c.band, level=c.level,
        level_title=c.level_title, edd=c.edd, catalog_version=c.catalog_version,
        catalog_hash=c.catalog_hash,
        findings=[StoredFinding(f.indicator, f.status, f.tier, f.subject, f.due_date) for f in c.findings],
    )


def test_an_item_is_due_at_the_catalogs_interval_after_it_first_appears():
    rows = [stored("S", "2024-01-10", **{M1: "confirmed"}), stored("S", "2024-05-01", **{M1: "suspected"})]
    (item,) = site_items(rows, as_of=date(2024, 5, 2))
    assert item.opened == date(2024, 1, 10)
    assert item.due == date(2024, 1, 10) + timedelta(days=CATALOG.indicator(M1).deadline_days)
    assert item.status == "open"
    assert item.last_status == "suspected"


def test_overdue_only_after_the_due_date_and_suspension_follows():
    rows = [stored("S", "2024-01-10", **{M1: "confirmed"})]
    due = site_items(rows, as_of=date(2024, 1, 10))[0].due
    assert site_items(rows, as_of=due)[0].status == "open"
    late = site_items(rows, as_of=due + timedelta(days=1))
    assert late[0].status == "overdue"
    assert late[0].days_overdue == 1
    assert late[0].to_dict()["recommendation"]
    assert sites_to_suspend(late) == ["S"]
    assert sites_to_suspend(site_items(rows, as_of=due)) == []


def test_absent_closes_not_assessed_does_not_and_a_return_opens_a_new_item():
    rows = [
        stored("S", "2024-01-10", **{M1: "confirmed", M2: "suspected"}),
        stored("S", "2024-04-10", **{M1: "not_assessed", M2: "absent"}),
        stored("S", "2024-08-10", **{M1: "absent", M2: "confirmed"}),
    ]
    items = site_items(rows, as_of=date(2024, 9, 1))
    by = {(i.indicator, i.opened.isoformat()): i for i in items}
    assert len(items) == 3
    m1 = by[(M1, "2024-01-10")]
    assert m1.closed == date(2024, 8, 10) and m1.status == "closed" and m1.closed_late
    first_m2 = by[(M2, "2024-01-10")]
    assert first_m2.closed == date(2024, 4, 10) and not first_m2.closed_late
    again = by[(M2, "2024-08-10")]
    assert again.status == "open" and again.closed is None


def test_as_of_ignores_later_assessments():
    rows = [stored("S", "2024-01-10", **{M1: "confirmed"}), stored("S", "2024-12-01", **{M1: "absent"})]
    (then,) = site_items(rows, as_of=date(2024, 11, 1))
    assert then.status == "overdue" and then.closed is None
    (now,) = site_items(rows, as_of=date(2025, 1, 1))
    assert now.status == "closed"
    assert site_items(rows, as_of=date(2024, 1, 9)) == []


def test_due_items_list_overdue_first_across_sites():
    rows = [stored("A", "2024-06-01", **{M1: "confirmed"}),
            stored("B", "2023-01-01", **{M2: "confirmed"}),
            stored("C", "2023-01-01", **{M1: "confirmed"}), stored("C", "2023-03-01", **{M1: "absent"})]
    items = due_items(sorted(rows, key=lambda a: (a.site_id, a.assessment_date)), as_of=date(2024, 7, 1))
    assert [(i.site_id, i.status) for i in items] == [("B", "overdue"), ("A", "open"), ("C", "closed")]


def test_timeline_counts_by_subject_and_what_opened_and_closed():
    p = [i.id for i in CATALOG.indicators if i.tier == "progression"]
    rows = [stored("S", "2024-01-01", **{p[0]: "confirmed", p[1]: "confirmed", M1: "suspected"}),
            stored("S", "2024-07-01", **{p[0]: "absent", p[1]: "not_assessed", p[2]: "confirmed"})]
    first, second = timeline(rows)
    assert first["opened"] == sorted([p[0], p[1], M1])
    assert sum(first["findings_by_subject"].values()) == first["findings"] == 3
    subject = CATALOG.indicator(p[2]).subject
    assert second["findings_by_subject"] == {subject: 1}
    assert second["opened"] == [p[2]]
    assert second["closed"] == sorted([p[0], M1])
    assert second["not_reassessed"] == [p[1]]
    assert (first["band"], second["band"]) == ("entry_with_mitigation", "progression")


def test_period_ends_are_month_ends_then_coarser_for_long_spans():
    ends = period_ends(date(2024, 1, 15), date(2024, 3, 2))
    assert ends == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31)]
    long = period_ends(date(2015, 1, 1), date(2024, 12, 1))
    assert len(long) <= 36 and long[-1] >= date(2024, 12, 1) and long[0] >= date(2015, 1, 1)


def test_bands_over_time_counts_each_site_at_its_latest_band():
    a = [stored("A", "2024-01-05", **{M1: "confirmed"}), stored("A", "2024-02-05")]
    b = [stored("B", "2024-02-10", t1_torture="confirmed")]
    ends = period_ends(date(2024, 1, 5), date(2024, 2, 10))
    counts = bands_over_time([a, b], ends)
    assert counts["entry_with_mitigation"] == [1, 0]
    assert counts["progression"] == [0, 1]
    assert counts["tier1_disengagement"] == [0, 1]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["confirmed", "suspected", "absent", "not_assessed"]), min_size=1, max_size=8),
       st.integers(0, 800))
def test_items_never_overlap_and_cover_every_assessment_where_the_risk_is_present(sequence, as_of_days):
    start = date(2024, 1, 1)
    rows = [stored("S", (start + timedelta(days=60 * n)).isoformat(), **{M1: s}) for n, s in enumerate(sequence)]
    as_of = start + timedelta(days=as_of_days)
    items = [i for i in site_items(rows, as_of) if i.indicator == M1]
    for row in rows:
        if row.assessment_date > as_of:
            continue
        covering = [i for i in items if i.opened <= row.assessment_date and
                    (i.closed is None or row.assessment_date < i.closed)]
        if row.statuses[M1] in PRESENT:
            assert len(covering) == 1
        if row.statuses[M1] == "absent":
            assert covering == []
    for i in items:
        assert i.closed is None or i.closed > i.opened
        assert (i.status == "overdue") == (i.closed is None and as_of > i.due)
        assert (i.status == "closed") == (i.closed is not None)

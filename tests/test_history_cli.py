"""`craft history show/due/info` on the two example rounds, and what they never show."""
from __future__ import annotations

import csv
import json
import uuid
from datetime import date, timedelta

import pytest
from history_support import ROUND1, ROUND2, import_two_rounds

from engine.cli import cli
from risk_catalog import load_catalog

CATALOG = load_catalog()
PRESENT = ("confirmed", "suspected")


def _csv(path):
    return {r["site_id"]: r for r in csv.DictReader(path.open(encoding="utf-8"))}


def _status(row, iid):
    return (row.get(iid) or "").strip().lower() or "not_assessed"


@pytest.fixture
def two_rounds(craft_runner, tmp_path):
    return import_two_rounds(craft_runner, tmp_path)


def test_show_json_follows_each_site_across_the_rounds(craft_runner, two_rounds):
    r1, r2 = _csv(ROUND1), _csv(ROUND2)
    for site_id in r1:
        result = craft_runner.invoke(cli, ["history", "show", site_id, "--db", two_rounds, "--format", "json"])
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        first, second = report["assessments"]
        assert [first["assessment_date"], second["assessment_date"]] == [
            r1[site_id]["assessment_date"], r2[site_id]["assessment_date"]]
        was = {i for i in CATALOG.ids if _status(r1[site_id], i) in PRESENT}
        now = {i for i in CATALOG.ids if _status(r2[site_id], i) in PRESENT}
        assert set(first["opened"]) == was
        assert set(second["opened"]) == now - was
        assert set(second["closed"]) == {i for i in was if _status(r2[site_id], i) == "absent"}
        assert second["findings"] == len(now)
        assert sum(second["findings_by_subject"].values()) == len(now)
        assert "notes" not in json.dumps(report)


def test_the_examples_show_movement(craft_runner, two_rounds):
    """What examples/README.md promises of the second round."""
    def levels(site_id):
        out = craft_runner.invoke(cli, ["history", "show", site_id, "--db", two_rounds, "--format", "json"])
        return [(a["band"], a["level"]) for a in json.loads(out.output)["assessments"]]

    (b1, l1), (b2, l2) = levels("CO-CAU-01")
    assert b1 == b2 == "progression" and l2 > l1
    assert levels("CD-SKV-01")[0][0] == "tier1_disengagement"
    assert levels("CD-SKV-01")[1][0] != "tier1_disengagement"


def test_due_lists_items_by_status_and_recommends_suspension(craft_runner, two_rounds):
    result = craft_runner.invoke(cli, ["history", "due", "--db", two_rounds, "--as-of", "2025-06-30",
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    items = report["items"]
    statuses = [i["status"] for i in items]
    assert statuses == sorted(statuses, key=["overdue", "open", "closed"].index)
    assert report["counts"] == {s: statuses.count(s) for s in ("overdue", "open", "closed")}
    for item in items:
        indicator = CATALOG.indicator(item["indicator"])
        assert indicator.deadline_days is not None  # only mitigation carries a due date
        opened = date.fromisoformat(item["opened"])
        assert date.fromisoformat(item["due"]) == opened + timedelta(days=indicator.deadline_days)
        assert (item["recommendation"] is not None) == (item["status"] == "overdue")
    overdue_sites = sorted({i["site_id"] for i in items if i["status"] == "overdue"})
    assert report["sites_to_suspend"] == overdue_sites and overdue_sites  # the examples leave one
    assert any(i["status"] == "closed" for i in items)

    table = craft_runner.invoke(cli, ["history", "due", "--db", two_rounds, "--as-of", "2025-06-30"])
    assert "suspend" in table.output and overdue_sites[0] in table.output
    only = craft_runner.invoke(cli, ["history", "due", "--db", two_rounds, "--as-of", "2025-06-30",
                                     "--status", "closed", "--format", "csv"])
    rows = list(csv.DictReader(only.output.splitlines()))
    assert rows and {r["status"] for r in rows} == {"closed"}
    assert len(rows) == report["counts"]["closed"]


def test_due_output_file_and_show_table(craft_runner, two_rounds, tmp_path):
    out = tmp_path / "due.csv"
    result = craft_runner.invoke(cli, ["history", "due", "--db", two_rounds, "--format", "csv", "--output", str(out)])
    assert result.exit_code == 0 and out.exists()
    table = craft_runner.invoke(cli, ["history", "show", "CO-CAU-01", "--db", two_rounds])
    assert table.exit_code == 0
    assert "Findings per ISO 26000 core subject" in table.output
    for subject in CATALOG.subjects:
        assert subject.title in table.output


def test_unknown_site_and_missing_database(craft_runner, two_rounds, tmp_path):
    result = craft_runner.invoke(cli, ["history", "show", "CO-CAU-1", "--db", two_rounds])
    assert result.exit_code == 2
    assert "CO-CAU-01" in result.output  # suggested
    missing = tmp_path / "none.db"
    for args in (["history", "due"], ["history", "show", "X"], ["history", "info"]):
        result = craft_runner.invoke(cli, [*args, "--db", str(missing)])
        assert result.exit_code == 2 and "no history database" in result.output
    assert not missing.exists()


def test_info_and_the_craft_db_variable(craft_runner, two_rounds, monkeypatch):
    monkeypatch.setenv("CRAFT_DB", two_rounds)
    result = craft_runner.invoke(cli, ["history", "info"])
    assert result.exit_code == 0, result.output
    assert "schema version 0001" in result.output
    assert "8 site(s), 16 assessment(s)" in result.output
    assert "pilot_sites_round2.csv" in result.output


def test_no_note_or_assessor_reaches_history_output(craft_runner, write_assessments, tmp_path):
    """The store keeps the producer's record; show, due and progress never print its private part."""
    markers = [uuid.uuid4().hex for _ in range(6)]
    m = next(i.id for i in CATALOG.indicators if i.deadline_days is not None)
    path = write_assessments([
        {"site_id": "S1", "assessment_date": "2023-01-10", "site_name": "Visible name", m: "confirmed",
         f"{m}__note": f"<b>{markers[0]}</b>", "assessor": markers[1], "p_no_ppe__note": markers[2]},
        {"site_id": "S1", "assessment_date": "2023-09-10", m: "suspected",
         f"{m}__note": markers[3], "assessor": markers[4], "t1_torture__note": markers[5]},
    ])
    db = f"sqlite:///{tmp_path / 'private.db'}"
    assert craft_runner.invoke(cli, ["history", "import", str(path), "--db", db]).exit_code == 0
    outputs = []
    for fmt in ("table", "json"):
        outputs.append(craft_runner.invoke(cli, ["history", "show", "S1", "--db", db, "--format", fmt]).output)
    for fmt in ("table", "csv", "json"):
        outputs.append(craft_runner.invoke(cli, ["history", "due", "--db", db, "--format", fmt]).output)
    report = tmp_path / "report"
    assert craft_runner.invoke(cli, ["progress", "--out", str(report), "--db", db]).exit_code == 0
    outputs += [p.read_text(encoding="utf-8") for p in report.iterdir()]
    assert any("Visible name" in o for o in outputs)  # metadata the programme may see is there
    assert any("overdue" in o for o in outputs)
    for text in outputs:
        for marker in markers:
            assert marker not in text
    # ...while the programme's database holds the full record
    raw = (tmp_path / "private.db").read_bytes()
    assert markers[0].encode() in raw and markers[1].encode() in raw

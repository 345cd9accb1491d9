"""`craft screen`: a buyer's screening of many supplier sites, in HTML, CSV and XLSX."""
from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from classifications.screening import SHEETS
from engine.cli import cli
from risk_catalog.mechanisms import find_mechanism

EXAMPLES = Path(__file__).parent.parent / "examples" / "pilot_sites.csv"


def classify_json(runner, source: Path, audience: str = "buyer") -> list[dict]:
    result = runner.invoke(cli, ["classify", str(source), "--format", "json", "--audience", audience])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def screened(craft_runner, tmp_path):
    out = tmp_path / "screening"
    result = craft_runner.invoke(cli, ["screen", str(EXAMPLES), "--out", str(out),
                                       "--format", "html,csv,xlsx", "--as-of", "2024-09-01"])
    assert result.exit_code == 0, result.output
    return out


def test_screen_writes_every_format_and_one_csv_per_group(screened):
    names = sorted(p.name for p in screened.iterdir())
    expected = sorted(["screening.html", "screening.xlsx", *(f"screening_{key}.csv" for key, _, _ in SHEETS)])
    assert names == expected


def test_counts_per_band_match_classify(craft_runner, screened):
    views = classify_json(craft_runner, EXAMPLES)
    summary = {r["group"]: int(r["sites"]) for r in read_csv(screened / "screening_summary.csv")}
    sites = read_csv(screened / "screening_sites.csv")
    assert len(sites) == len(views)
    for view in views:
        assert summary[view["band_title"]] == sum(1 for v in views if v["band"] == view["band"])
    assert summary["Enhanced due diligence"] == sum(1 for v in views if v["edd"])


def test_groups_list_what_decided_each_band(craft_runner, screened):
    views = {v["site_id"]: v for v in classify_json(craft_runner, EXAMPLES)}
    tier1 = read_csv(screened / "screening_tier1.csv")
    expected = {(s, f["indicator"]) for s, v in views.items() if v["band"] == "tier1_disengagement"
                for f in v["findings"] if f["tier"] == "tier1"}
    assert expected and {(r["site_id"], r["indicator"]) for r in tier1} == expected
    assert all("Annex II" in r["annex_ii_reference"] or r["annex_ii_reference"] for r in tier1)

    mitigation = read_csv(screened / "screening_mitigation.csv")
    expected = {(s, f["indicator"], f["due_date"]) for s, v in views.items()
                if v["band"] == "entry_with_mitigation" for f in v["findings"] if f["tier"] == "mitigation"}
    assert expected and {(r["site_id"], r["indicator"], r["due_date"]) for r in mitigation} == expected
    assert [r["due_date"] for r in mitigation] == sorted(r["due_date"] for r in mitigation)

    incomplete = read_csv(screened / "screening_incomplete.csv")
    expected = {(s, iid) for s, v in views.items() if v["band"] == "incomplete" for iid in v["missing"]}
    assert expected and {(r["site_id"], r["indicator"]) for r in incomplete} == expected

    edd = read_csv(screened / "screening_edd.csv")
    expected = {(s, iid) for s, v in views.items() for iid in v["edd"]}
    assert expected and {(r["site_id"], r["indicator"]) for r in edd} == expected
    assert all(r["why"] for r in edd)


def test_each_site_names_its_upstream_mechanism_and_what_recognition_means(craft_runner, screened):
    views = {v["site_id"]: v for v in classify_json(craft_runner, EXAMPLES)}
    for row in read_csv(screened / "screening_sites.csv"):
        named = views[row["site_id"]]["site"].get("upstream_mechanism")
        if named:
            mechanism = find_mechanism(named)
            assert row["upstream_mechanism"] == mechanism.name
            assert row["rmi_level"] == str(mechanism.rmi_level)
            assert row["mechanism_recognition"] == mechanism.meaning
        else:
            assert row["upstream_mechanism"] == "" and "not covered" in row["mechanism_recognition"]
    craft = [r for r in read_csv(screened / "screening_sites.csv") if r["upstream_mechanism"] == "CRAFT Code"]
    assert craft and all("cover it in the smelter's RMAP assessment" in r["mechanism_recognition"] for r in craft)
    mechanisms = {r["upstream_mechanism"]: r for r in read_csv(screened / "screening_mechanisms.csv")}
    assert int(mechanisms["CRAFT Code"]["sites"]) == len(craft)
    assert "re-assessment" in mechanisms["Better Mining (RCS Global)"]["status_notes"]


def test_xlsx_has_one_sheet_per_group_with_frozen_filtered_headers(screened):
    book = openpyxl.load_workbook(screened / "screening.xlsx")
    assert book.sheetnames == [title for _, title, _ in SHEETS]
    for key, title, columns in SHEETS:
        sheet = book[title]
        assert [c.value for c in sheet[1]] == list(columns)
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")
        rows = read_csv(screened / f"screening_{key}.csv")
        assert sheet.max_row == len(rows) + 1


def test_html_is_well_formed_and_names_each_tier1_risk(screened):
    text = (screened / "screening.html").read_text(encoding="utf-8")

    class Checker(HTMLParser):
        VOID = {"meta", "br", "link", "img", "hr", "input"}

        def __init__(self):
            super().__init__()
            self.stack = []

        def handle_starttag(self, tag, attrs):
            if tag not in self.VOID:
                self.stack.append(tag)

        def handle_endtag(self, tag):
            assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"

    checker = Checker()
    checker.feed(text)
    assert checker.stack == []
    for row in read_csv(screened / "screening_tier1.csv"):
        assert row["risk"] in text


def test_due_status_follows_as_of(craft_runner, tmp_path):
    views = classify_json(craft_runner, EXAMPLES)
    due = min(f["due_date"] for v in views for f in v["findings"] if f.get("due_date"))
    day = date.fromisoformat(due)
    for as_of, word in ((day - timedelta(days=1), "due in 1 day"), (day + timedelta(days=3), "past due by 3 day")):
        out = tmp_path / as_of.isoformat()
        result = craft_runner.invoke(cli, ["screen", str(EXAMPLES), "--out", str(out), "--format", "csv",
                                           "--as-of", as_of.isoformat()])
        assert result.exit_code == 0, result.output
        rows = [r for r in read_csv(out / "screening_mitigation.csv") if r["due_date"] == due]
        assert rows and all(r["due_status"].startswith(word) for r in rows)


def test_screen_reads_the_json_classify_wrote_with_the_same_result(craft_runner, tmp_path):
    direct = tmp_path / "direct"
    assert craft_runner.invoke(cli, ["screen", str(EXAMPLES), "--out", str(direct), "--format", "csv",
                                     "--as-of", "2024-09-01"]).exit_code == 0
    for audience in ("buyer", "producer"):
        results = tmp_path / f"{audience}.json"
        result = craft_runner.invoke(cli, ["classify", str(EXAMPLES), "--format", "json",
                                           "--audience", audience, "--output", str(results)])
        assert result.exit_code == 0, result.output
        out = tmp_path / f"from-{audience}"
        result = craft_runner.invoke(cli, ["screen", str(results), "--out", str(out), "--format", "csv",
                                           "--as-of", "2024-09-01"])
        assert result.exit_code == 0, result.output
        for key, _, _ in SHEETS:
            name = f"screening_{key}.csv"
            assert (out / name).read_bytes() == (direct / name).read_bytes(), f"{audience}: {name}"


def test_screen_without_out_prints_a_summary(craft_runner):
    result = craft_runner.invoke(cli, ["screen", str(EXAMPLES), "--as-of", "2024-09-01"])
    assert result.exit_code == 0, result.output
    views = classify_json(craft_runner, EXAMPLES)
    assert f"{len(views)} site(s) screened" in result.stdout
    for view in views:
        assert view["site_id"] in result.stdout


def test_latest_assessment_per_site_is_screened(craft_runner, write_assessments, tmp_path):
    source = write_assessments([
        {"site_id": "A", "assessment_date": "2024-01-10", "t1_forced_labour": "confirmed"},
        {"site_id": "A", "assessment_date": "2024-07-10"},
        {"site_id": "B", "assessment_date": "2024-03-01", "m_bribery": "suspected"},
    ])
    out = tmp_path / "s"
    result = craft_runner.invoke(cli, ["screen", str(source), "--out", str(out), "--format", "csv,html"])
    assert result.exit_code == 0, result.output
    sites = {r["site_id"]: r for r in read_csv(out / "screening_sites.csv")}
    assert sites["A"]["assessment_date"] == "2024-07-10" and sites["A"]["band"] == "progression"
    assert read_csv(out / "screening_tier1.csv") == []
    assert "1 earlier assessment(s)" in (out / "screening.html").read_text(encoding="utf-8")


def test_spreadsheet_formulas_in_supplier_data_stay_text(craft_runner, write_assessments, tmp_path):
    source = write_assessments([{"site_id": "F", "site_name": "=HYPERLINK(\"http://x\",\"y\")"}])
    out = tmp_path / "s"
    assert craft_runner.invoke(cli, ["screen", str(source), "--out", str(out), "--format", "csv,xlsx"]).exit_code == 0
    assert read_csv(out / "screening_sites.csv")[0]["site_name"].startswith("'=")
    column = dict((k, c) for k, _, c in SHEETS)["sites"].index("site_name") + 1
    cell = openpyxl.load_workbook(out / "screening.xlsx")["All sites"].cell(row=2, column=column)
    assert cell.value.startswith("'=") and cell.data_type == "s"


def test_bad_results_json_lists_every_problem_and_writes_nothing(craft_runner, tmp_path):
    records = [
        {"site_id": "A", "assessment_date": "2024-13-01", "band": "progression", "level": 1,
         "findings": [], "edd": [], "missing": [], "site": {}},
        {"site_id": "B", "assessment_date": "2024-01-01", "band": "cleared", "level": "high",
         "findings": [{"indicator": "x"}], "edd": [], "missing": [], "site": {"upstream_mechanism": "Gold Seal"}},
    ]
    source = tmp_path / "results.json"
    source.write_text(json.dumps(records), encoding="utf-8")
    out = tmp_path / "s"
    result = craft_runner.invoke(cli, ["screen", str(source), "--out", str(out)])
    assert result.exit_code == 2
    for expected in ("row 1, site A, column assessment_date", "row 2, site B, column band",
                     "row 2, site B, column level", "row 2, site B, column findings",
                     "column site.upstream_mechanism: value 'Gold Seal'", "CRAFT Code"):
        assert expected in result.output
    assert "Traceback" not in result.output
    assert not out.exists() or not any(out.iterdir())


def test_unknown_screen_format_is_refused(craft_runner, tmp_path):
    result = craft_runner.invoke(cli, ["screen", str(EXAMPLES), "--out", str(tmp_path / "s"), "--format", "pdf"])
    assert result.exit_code == 2
    assert "choose from html, csv, xlsx" in result.output


def test_an_indicator_the_catalog_no_longer_has_is_requested_once(craft_runner, tmp_path):
    record = {"site_id": "OLD", "assessment_date": "2024-01-01", "band": "incomplete", "level": None,
              "findings": [], "edd": [], "missing": ["t1_retired_indicator"], "site": {}}
    source = tmp_path / "results.json"
    source.write_text(json.dumps([record]), encoding="utf-8")
    out = tmp_path / "s"
    assert craft_runner.invoke(cli, ["screen", str(source), "--out", str(out), "--format", "csv"]).exit_code == 0
    rows = read_csv(out / "screening_incomplete.csv")
    assert [r["indicator"] for r in rows] == ["t1_retired_indicator"]


def test_a_results_date_must_be_written_yyyy_mm_dd(craft_runner, tmp_path):
    record = {"site_id": "W", "assessment_date": "2024-W10-1", "band": "progression", "level": 1,
              "findings": [], "edd": [], "missing": [], "site": {}}
    source = tmp_path / "results.json"
    source.write_text(json.dumps([record]), encoding="utf-8")
    result = craft_runner.invoke(cli, ["screen", str(source)])
    assert result.exit_code == 2
    assert "row 1, site W, column assessment_date: value '\"2024-W10-1\"'" in result.output

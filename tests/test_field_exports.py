"""KoboToolbox and ODK exports read as they come: headers detected and mapped to the reader's columns."""
from __future__ import annotations

import csv
import json

import openpyxl

from engine.cli import cli
from engine.field_exports import KOBO, ODK, PLAIN, csv_separator, map_header
from engine.reader import METADATA_COLUMNS, PRIVATE_MARKABLE, REQUIRED_COLUMNS, known_columns

SITE_COLUMNS = [*REQUIRED_COLUMNS, *METADATA_COLUMNS]
KOBO_META = ["_id", "_uuid", "_submission_time", "_validation_status", "_status", "_submitted_by",
             "__version__", "meta/rootUuid", "_index"]
ODK_HEAD = ["SubmissionDate", "start", "end"]
ODK_TAIL = ["meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
            "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion"]


def form_survey(runner, tmp_path, lang="en"):
    """(group, name, {column header: label}) rows of the survey sheet `craft form` writes."""
    path = tmp_path / "form.xlsx"
    result = runner.invoke(cli, ["form", "--out", str(path), "--lang", lang])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(path)["survey"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    group, out = None, []
    for row in rows[1:]:
        cells = dict(zip(header, row))
        if cells["type"] == "begin_group":
            group = cells
        elif cells["type"] == "end_group":
            group = None
        elif group is not None:
            out.append((group, cells))
    return header, out


def mapping_for(columns, catalog):
    return map_header(columns, catalog, known_columns(catalog), SITE_COLUMNS, list(PRIVATE_MARKABLE))


def test_a_plain_table_passes_through_unchanged(craft_catalog):
    columns = ["site_id", "assessment_date", "country", "t1_torture", "t1_torture__note", "t1_tortue"]
    m = mapping_for(columns, craft_catalog)
    assert m.source == PLAIN and not m.labels and m.provenance == []
    assert m.renames == {c: c for c in columns if c != "t1_tortue"}  # the typo is left for check_header


def test_kobo_group_paths_and_metadata_columns(craft_catalog):
    columns = ["start", "end", "site/site_id", "site/assessment_date", "human_rights/t1_torture",
               "human_rights/t1_torture__note", "labour_practices/p_no_ppe", *KOBO_META]
    m = mapping_for(columns, craft_catalog)
    assert m.source == KOBO
    assert m.renames == {"site/site_id": "site_id", "site/assessment_date": "assessment_date",
                         "human_rights/t1_torture": "t1_torture",
                         "human_rights/t1_torture__note": "t1_torture__note",
                         "labour_practices/p_no_ppe": "p_no_ppe"}
    assert set(m.provenance) == {"start", "end", *KOBO_META}


def test_odk_central_headers(craft_catalog):
    columns = [*ODK_HEAD, "site-site_id", "site-assessment_date", "human_rights-t1_forced_labour", *ODK_TAIL]
    m = mapping_for(columns, craft_catalog)
    assert m.source == ODK
    assert m.renames == {"site-site_id": "site_id", "site-assessment_date": "assessment_date",
                         "human_rights-t1_forced_labour": "t1_forced_labour"}
    assert set(m.provenance) == {*ODK_HEAD, *ODK_TAIL}


def test_an_unknown_question_in_an_export_is_reported_with_its_header(craft_runner, write_assessments, tmp_path):
    path = tmp_path / "kobo.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["site/site_id", "site/assessment_date", "human_rights/t1_tortur", "_uuid", "_index"])
        w.writerow(["S1", "2024-03-15", "absent", "abc", "1"])
    result = craft_runner.invoke(cli, ["classify", str(path)])
    assert result.exit_code == 2
    assert "column human_rights/t1_tortur" in result.output
    assert "unknown column" in result.output
    assert "_uuid" not in result.output  # the tool's own columns are not problems


def test_kobo_select_multiple_option_columns_are_set_aside(craft_catalog):
    columns = ["site/site_id", "site/assessment_date", "site/private_fields", "site/private_fields/latitude",
               "site/private_fields/assessor", "_uuid"]
    m = mapping_for(columns, craft_catalog)
    assert m.renames["site/private_fields"] == "private_fields"
    assert "site/private_fields/latitude" in m.provenance and "latitude" not in m.renames.values()


def test_csv_separator_sniffs_semicolons(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text('site_id;assessment_date;"Torture, cruel"\n', encoding="utf-8")
    b = tmp_path / "b.csv"
    b.write_text("site_id,assessment_date,t1_torture\n", encoding="utf-8")
    assert csv_separator(a) == ";" and csv_separator(b) == ","


def _wide_rows(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_label_headers_and_label_values_are_mapped_through_the_form(craft_runner, craft_catalog, tmp_path):
    """A KoboToolbox 'labels' export with group hierarchy: headers and answers are the form's labels."""
    header, questions = form_survey(craft_runner, tmp_path)
    label_col = next(h for h in header if h.startswith("label::"))
    choices = openpyxl.load_workbook(tmp_path / "form.xlsx")["choices"]
    chead, *crows = list(choices.iter_rows(values_only=True))
    status_label = {r[1]: r[chead.index(label_col)] for r in crows if r[0] == "status"}
    answers = {"site_id": "S-LBL", "assessment_date": "2024-03-15", "country": "CO",
               **{iid: "absent" for iid in craft_catalog.ids}, "m_bribery": "suspected",
               "t1_torture__note": "MARKER-NOTE"}
    heads, values = [], []
    for group, cells in questions:
        heads.append(f"{group[label_col]}/{cells[label_col]}")
        value = answers.get(cells["name"], "")
        values.append(status_label.get(value, value) if cells["name"] in craft_catalog else value)
    path = tmp_path / "labels.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append([*heads, "_id", "_uuid", "_submission_time", "_index"])
    wb.active.append([*values, 7, "uuid-1", "2024-03-16T10:00:00", 1])
    wb.save(path)
    result = craft_runner.invoke(cli, ["classify", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    (view,) = json.loads(result.output)
    assert view["site_id"] == "S-LBL" and view["band"] == "entry_with_mitigation"
    assert [f["indicator"] for f in view["findings"]] == ["m_bribery"]
    assert view["not_assessed"] == []


def test_odk_central_export_classifies_like_the_wide_table(craft_runner, tmp_path):
    """ODK Central CSV: SubmissionDate first, group-question headers, KEY and submitter columns."""
    from pathlib import Path

    wide = Path(__file__).parent.parent / "examples" / "pilot_sites.csv"
    rows = _wide_rows(wide)
    _, questions = form_survey(craft_runner, tmp_path)
    path = tmp_path / "odk.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([*ODK_HEAD, *(f"{g['name']}-{c['name']}" for g, c in questions), *ODK_TAIL])
        for n, row in enumerate(rows):
            w.writerow(["2024-11-01T10:00:00.000Z", "", "",
                        *(row.get(c["name"], "").strip() for _, c in questions),
                        f"uuid:{n}", f"uuid:{n}", "5", "Ana", "0", "0", "", "approved", "dev", "0", "2026.11.0"])
    got = craft_runner.invoke(cli, ["classify", str(path), "--format", "json"])
    want = craft_runner.invoke(cli, ["classify", str(wide), "--format", "json"])
    assert got.exit_code == 0, got.output
    strip = lambda views: [{k: v[k] for k in ("site_id", "band", "level", "edd", "findings", "missing")}
                           for v in json.loads(views)]
    assert strip(got.output) == strip(want.output)

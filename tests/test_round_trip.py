"""Round trip: the form `craft form` writes, answered for the example sites and exported the way
KoboToolbox exports it, classifies into exactly the bands the wide CSV gives."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest

from engine.cli import cli

WIDE = Path(__file__).parent.parent / "examples" / "pilot_sites.csv"
KOBO_META = ["_id", "_uuid", "_submission_time", "_validation_status", "_status", "_submitted_by",
             "__version__", "meta/rootUuid", "_index"]


def survey_and_choices(runner, tmp_path, langs):
    path = tmp_path / "form.xlsx"
    result = runner.invoke(cli, ["form", "--out", str(path), "--lang", langs])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(path)
    head, *rows = list(wb["survey"].iter_rows(values_only=True))
    chead, *crows = list(wb["choices"].iter_rows(values_only=True))
    return ([dict(zip(head, r)) for r in rows], [dict(zip(chead, r)) for r in crows])


def answers() -> list[dict]:
    """The example sites' answers as the form records them: status names, trimmed, lower case."""
    with open(WIDE, encoding="utf-8-sig", newline="") as fh:
        return [{k: v.strip().lower() if not k.endswith("__note") and k.startswith(("t1_", "m_", "edd_", "p_"))
                 else v for k, v in row.items()} for row in csv.DictReader(fh)]


def kobo_columns(survey):
    """(header path, question name) for each question, with the group path as KoboToolbox writes it."""
    group, out = None, []
    for row in survey:
        if row["type"] == "begin_group":
            group = row["name"]
        elif row["type"] == "end_group":
            group = None
        elif row["type"] in ("start", "end"):
            out.append((row["name"], None))
        else:
            out.append((f"{group}/{row['name']}", row["name"]))
    return out


def classify(runner, path) -> list[dict]:
    result = runner.invoke(cli, ["classify", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    return [{k: v[k] for k in ("site_id", "assessment_date", "band", "level", "edd", "findings",
                               "missing", "not_assessed", "site")} for v in json.loads(result.output)]


def test_kobo_xml_values_csv_round_trip(craft_runner, tmp_path):
    survey, _ = survey_and_choices(craft_runner, tmp_path, "en")
    columns = kobo_columns(survey)
    path = tmp_path / "kobo_export.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=";")  # KoboToolbox's CSV default
        w.writerow([h for h, _ in columns] + KOBO_META)
        for n, row in enumerate(answers(), start=1):
            w.writerow([("2024-11-01T08:00:00.000-05:00" if name is None else row.get(name, ""))
                        for _, name in columns]
                       + [str(n), f"uuid-{n}", "2024-11-01T13:00:00", "", "submitted_via_web", "ana",
                          "vAbc123", f"uuid:{n}", str(n)])
    assert classify(craft_runner, path) == classify(craft_runner, WIDE)


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_kobo_label_xlsx_round_trip(craft_runner, tmp_path, lang):
    """An XLSX export with labels (group hierarchy included) in the form's language."""
    survey, choices = survey_and_choices(craft_runner, tmp_path, lang)
    label = next(k for k in survey[0] if k.startswith("label::"))
    status_label = {c["name"]: c[label] for c in choices if c["list_name"] == "status"}
    mechanism_label = {c["name"]: c[label] for c in choices if c["list_name"] == "upstream_mechanism"}
    group_label, heads, names = None, [], []
    for row in survey:
        if row["type"] == "begin_group":
            group_label = row[label]
        elif row["type"] in ("start", "end"):
            heads.append(row["name"])
            names.append(None)
        elif row["type"] != "end_group":
            heads.append(f"{group_label}/{row[label]}")
            names.append(row["name"])
    wb = openpyxl.Workbook()
    wb.active.append(heads + ["_id", "_uuid", "_submission_time", "_index"])
    from risk_catalog.mechanisms import find_mechanism
    for n, row in enumerate(answers(), start=1):
        values = []
        for name in names:
            value = "" if name is None else row.get(name, "")
            if name and name.startswith(("t1_", "m_", "edd_", "p_")) and not name.endswith("__note"):
                value = status_label.get(value, value) if value else ""
            elif name == "upstream_mechanism" and value:
                value = mechanism_label[find_mechanism(value).id]
            values.append(value)
        wb.active.append(values + [n, f"uuid-{n}", "2024-11-01T13:00:00", n])
    path = tmp_path / f"kobo_labels_{lang}.xlsx"
    wb.save(path)
    assert classify(craft_runner, path) == classify(craft_runner, WIDE)

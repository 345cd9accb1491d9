"""`craft form` (XLSForm, converted offline with pyxform) and `craft template` (Excel)."""
from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest

from engine.cli import cli
from engine.reader import METADATA_COLUMNS, REQUIRED_COLUMNS
from risk_catalog import STATUSES
from risk_catalog.translations import localize_catalog

pyxform = pytest.importorskip("pyxform")
from pyxform.xls2xform import convert  # noqa: E402

NS = {"h": "http://www.w3.org/1999/xhtml", "x": "http://www.w3.org/2002/xforms"}
WIDE = Path(__file__).parent.parent / "examples" / "pilot_sites.csv"


def make_form(runner, tmp_path, langs="en"):
    path = tmp_path / "form.xlsx"
    result = runner.invoke(cli, ["form", "--out", str(path), "--lang", langs])
    assert result.exit_code == 0, result.output
    return path


def xform(path) -> ET.Element:
    warnings: list[str] = []
    result = convert(xlsform=str(path), validate=False, warnings=warnings)
    return ET.fromstring(result.xform)


def test_every_indicator_is_a_bound_select_one_of_the_four_statuses(craft_runner, craft_catalog, tmp_path):
    root = xform(make_form(craft_runner, tmp_path))
    model = root.find("h:head/x:model", NS)
    binds = {b.get("nodeset"): b for b in model.findall("x:bind", NS)}
    status_items = model.findall("x:instance[@id='status']/x:root/x:item", NS)
    assert [i.find("x:name", NS).text for i in status_items] == list(STATUSES)
    selects = {s.get("ref"): s for s in root.iter(f"{{{NS['x']}}}select1")}
    for ind in craft_catalog.indicators:
        ref = f"/data/{ind.subject}/{ind.id}"
        assert ref in selects, f"{ind.id} is not a select_one in group {ind.subject}"
        assert binds[ref].get("type") == "string"
        itemset = selects[ref].find("x:itemset", NS)
        assert itemset.get("nodeset") == "instance('status')/root/item"
        assert selects[ref].find("x:hint", NS) is not None  # the catalog's description
        note = f"/data/{ind.subject}/{ind.id}__note"
        assert note in binds and binds[note].get("relevant") == f" {ref}  != ''"
    for column in (*REQUIRED_COLUMNS, *METADATA_COLUMNS):
        assert f"/data/site/{column}" in binds, f"the form does not ask for {column}"
    assert binds["/data/site/site_id"].get("required") == "true()"
    assert binds["/data/site/assessment_date"].get("type") == "date"


def test_one_group_per_core_subject_with_indicators(craft_runner, craft_catalog, tmp_path):
    root = xform(make_form(craft_runner, tmp_path))
    body = root.find("h:body", NS)
    groups = [g.get("ref") for g in body.findall("x:group", NS)]
    subjects = [s.id for s in craft_catalog.subjects if craft_catalog.by_subject(s.id)]
    assert groups == ["/data/site", *(f"/data/{s}" for s in subjects)]
    assert "/data/consumer_issues" not in groups  # no indicator is assessed there


def test_labels_in_every_requested_language(craft_runner, craft_catalog, tmp_path):
    path = make_form(craft_runner, tmp_path, "en,es,fr")
    header = [c.value for c in openpyxl.load_workbook(path)["survey"][1]]
    for name in ("English (en)", "Spanish (es)", "French (fr)"):
        assert f"label::{name}" in header and f"hint::{name}" in header
    root = xform(path)
    langs = {t.get("lang") for t in root.iter(f"{{{NS['x']}}}translation")}
    assert langs == {"English (en)", "Spanish (es)", "French (fr)"}
    es = localize_catalog(craft_catalog, "es")
    texts = {t.get("id"): t.find("x:value", NS).text
             for tr in root.iter(f"{{{NS['x']}}}translation") if tr.get("lang") == "Spanish (es)"
             for t in tr.findall("x:text", NS)}
    for ind in es.indicators:
        assert texts[f"/data/{ind.subject}/{ind.id}:label"] == ind.title
        assert ind.title != craft_catalog.indicator(ind.id).title, f"{ind.id} has no Spanish title"


def test_unknown_language_is_refused(craft_runner, tmp_path):
    result = craft_runner.invoke(cli, ["form", "--out", str(tmp_path / "f.xlsx"), "--lang", "en,xx"])
    assert result.exit_code == 2 and "xx" in result.output
    assert not (tmp_path / "f.xlsx").exists()


def _bands(runner, path) -> list[dict]:
    result = runner.invoke(cli, ["classify", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    return [{k: v[k] for k in ("site_id", "assessment_date", "band", "level", "edd", "findings", "missing", "site")}
            for v in json.loads(result.output)]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_template_filled_in_classifies_like_the_wide_csv(craft_runner, tmp_path, lang):
    path = tmp_path / "template.xlsx"
    result = craft_runner.invoke(cli, ["template", "--out", str(path), "--lang", lang, "--rows", "50"])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    # every indicator cell has the status dropdown
    validated = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            validated[rng.min_col] = dv.formula1
    for n, name in enumerate(header, start=1):
        if name in STATUSES or name.endswith("__note") or name in (*REQUIRED_COLUMNS, *METADATA_COLUMNS):
            continue
        assert validated.get(n) == '"' + ",".join(STATUSES) + '"', f"{name} has no status dropdown"
    assert ws.freeze_panes == "C2"
    assert len(wb.worksheets) >= 2 and wb.worksheets[1].max_row > 30  # the indicators explained
    with open(WIDE, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r, row in enumerate(rows, start=2):
        for c, name in enumerate(header, start=1):
            value = row.get(name, "")
            if name == "assessment_date":
                from datetime import date
                ws.cell(row=r, column=c).value = date.fromisoformat(value)  # as a person types a date
            elif value:
                ws.cell(row=r, column=c).value = value
    wb.save(path)
    assert _bands(craft_runner, path) == _bands(craft_runner, WIDE)

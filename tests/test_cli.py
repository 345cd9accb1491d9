"""The `craft` command line: classify formats, atomic output, catalog listing and validation,
and the confidentiality guarantee (notes and private columns never reach those who may not see them)."""
from __future__ import annotations

import csv
import io
import json
import re
import uuid
from pathlib import Path

import pytest

from classifications.views import load_audience_policy
from engine.cli import cli
from risk_catalog import TIERS, load_catalog

PRESENT = ("confirmed", "suspected")
REQUIRED_KEYS = ("site_id", "assessment_date", "band", "level", "edd", "findings", "missing",
                 "catalog_version", "catalog_hash")


# --- helpers --------------------------------------------------------------------------------


def contract_band(statuses: dict[str, str], catalog) -> str:
    """The band rule of shared/domain.md, first match wins."""
    def of(tier):
        return [statuses[i.id] for i in catalog.by_tier(tier)]

    if any(s in PRESENT for s in of("tier1")):
        return "tier1_disengagement"
    if "not_assessed" in of("tier1"):
        return "incomplete"
    if any(s in PRESENT for s in of("mitigation")):
        return "entry_with_mitigation"
    if "not_assessed" in of("mitigation"):
        return "incomplete"
    return "progression"


def parse_table(text: str) -> list[dict]:
    """Rows of a fixed-width table printed by the CLI, split on its dashed rule."""
    lines = text.splitlines()
    k = next(n for n, line in enumerate(lines) if line and set(line) <= {"-", " "})
    spans = [m.span() for m in re.finditer(r"-+", lines[k])]
    spans[-1] = (spans[-1][0], None)
    names = [lines[k - 1][a:b].strip() for a, b in spans]
    rows = []
    for line in lines[k + 1:]:
        if not line.strip():
            break
        rows.append({n: line[a:b].strip() for n, (a, b) in zip(names, spans)})
    return rows


@pytest.fixture
def mixed_input(write_assessments, craft_catalog):
    """Four assessments across the bands, one site assessed twice."""
    t1 = craft_catalog.by_tier("tier1")[0].id
    m = craft_catalog.by_tier("mitigation")[1].id
    edd = craft_catalog.by_tier("edd")[0].id
    p = [i.id for i in craft_catalog.by_tier("progression")[:2]]
    rows = [
        {"site_id": "A", "assessment_date": "2024-01-10", t1: "confirmed", edd: "confirmed"},
        {"site_id": "A", "assessment_date": "2024-07-10", m: "suspected"},
        {"site_id": "B", "assessment_date": "2024-02-01", p[0]: "confirmed", p[1]: "suspected"},
        {"site_id": "C", "assessment_date": "2024-03-01", m: ""},
    ]
    path = write_assessments(rows)
    expected = {}
    for r in rows:
        statuses = {i: "absent" for i in craft_catalog.ids}
        statuses.update({k: (v or "not_assessed") for k, v in r.items() if k in craft_catalog})
        expected[(r["site_id"], r["assessment_date"])] = statuses
    return path, expected


def classify(runner, path, *args):
    return runner.invoke(cli, ["classify", str(path), *args])


# --- classify: formats ----------------------------------------------------------------------


def test_classify_json_gives_one_record_per_assessment_with_provenance(craft_runner, craft_catalog, mixed_input):
    path, expected = mixed_input
    result = classify(craft_runner, path, "--format", "json")
    assert result.exit_code == 0, result.output
    recs = json.loads(result.stdout)
    assert len(recs) == len(expected)
    assert {(r["site_id"], r["assessment_date"]) for r in recs} == set(expected)
    bundled = load_catalog()
    for r in recs:
        for key in REQUIRED_KEYS:
            assert key in r
        statuses = expected[(r["site_id"], r["assessment_date"])]
        assert r["band"] == contract_band(statuses, craft_catalog)
        assert [f["indicator"] for f in r["findings"]] == [i for i in craft_catalog.ids if statuses[i] in PRESENT]
        assert r["catalog_version"] == bundled.version
        assert r["catalog_hash"] == bundled.content_hash
        assert re.fullmatch(r"[0-9a-f]{64}", r["catalog_hash"])


def test_classify_csv_gives_one_row_per_assessment_with_provenance(craft_runner, craft_catalog, mixed_input):
    path, expected = mixed_input
    result = classify(craft_runner, path, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == len(expected)
    assert {(r["site_id"], r["assessment_date"]) for r in rows} == set(expected)
    bundled = load_catalog()
    for r in rows:
        assert set(REQUIRED_KEYS) <= set(r)
        statuses = expected[(r["site_id"], r["assessment_date"])]
        assert r["band"] == contract_band(statuses, craft_catalog)
        present = [i for i in craft_catalog.ids if statuses[i] in PRESENT]
        assert (r["findings"].split(";") if r["findings"] else []) == present
        edd = sorted(i.id for i in craft_catalog.indicators if i.raises_edd and statuses[i.id] in PRESENT)
        assert (r["edd"].split(";") if r["edd"] else []) == edd
        assert r["catalog_version"] == bundled.version
        assert r["catalog_hash"] == bundled.content_hash


def test_classify_table_lists_every_assessment(craft_runner, craft_catalog, mixed_input):
    path, expected = mixed_input
    result = classify(craft_runner, path)  # table is the default
    assert result.exit_code == 0, result.output
    rows = parse_table(result.stdout)
    assert len(rows) == len(expected)
    for row in rows:
        statuses = expected[(row["site_id"], row["assessment_date"])]
        assert row["band"] == contract_band(statuses, craft_catalog)
        assert int(row["findings"]) == sum(s in PRESENT for s in statuses.values())


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_output_is_written_atomically_with_no_temporary_files_left(craft_runner, mixed_input, tmp_path, fmt):
    path, expected = mixed_input
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    output = out_dir / f"results.{fmt}"
    output.write_text("old content that must be replaced whole\n", encoding="utf-8")
    result = classify(craft_runner, path, "--format", fmt, "--output", str(output))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # the results went to the file
    assert f"Classified {len(expected)} assessment(s)" in result.stderr
    assert [p.name for p in out_dir.iterdir()] == [output.name]
    text = output.read_text(encoding="utf-8")
    assert "old content" not in text
    if fmt == "json":
        assert len(json.loads(text)) == len(expected)
    elif fmt == "csv":
        assert len(list(csv.DictReader(io.StringIO(text)))) == len(expected)
    else:
        assert len(parse_table(text)) == len(expected)


def test_output_creates_a_missing_folder(craft_runner, mixed_input, tmp_path):
    path, expected = mixed_input
    output = tmp_path / "new" / "deeper" / "results.json"
    result = classify(craft_runner, path, "--format", "json", "--output", str(output))
    assert result.exit_code == 0, result.output
    assert len(json.loads(output.read_text(encoding="utf-8"))) == len(expected)
    assert [p.name for p in output.parent.iterdir()] == ["results.json"]


def test_an_unknown_format_is_refused(craft_runner, mixed_input):
    path, _ = mixed_input
    result = classify(craft_runner, path, "--format", "xml")
    assert result.exit_code == 2
    assert "xml" in result.output
    assert "Traceback" not in result.output


# --- catalog listing ------------------------------------------------------------------------


def catalog_json(runner, *args) -> dict:
    result = runner.invoke(cli, ["catalog", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_catalog_lists_every_indicator(craft_runner, craft_catalog):
    result = craft_runner.invoke(cli, ["catalog"])
    assert result.exit_code == 0, result.output
    rows = parse_table(result.stdout)
    assert [r["id"] for r in rows] == craft_catalog.ids
    assert {r["id"]: r["tier"] for r in rows} == {i.id: i.tier for i in craft_catalog.indicators}
    assert f"{len(craft_catalog.ids)} indicator(s)" in result.stdout
    assert craft_catalog.version in result.stdout


@pytest.mark.parametrize("tier", TIERS)
def test_catalog_tier_filter(craft_runner, craft_catalog, tier):
    want = [i.id for i in craft_catalog.by_tier(tier)]
    assert want  # every tier has indicators in the bundled catalog
    table = craft_runner.invoke(cli, ["catalog", "--tier", tier])
    assert table.exit_code == 0, table.output
    assert [r["id"] for r in parse_table(table.stdout)] == want
    payload = catalog_json(craft_runner, "--tier", tier)
    assert [i["id"] for i in payload["indicators"]] == want
    assert {i["tier"] for i in payload["indicators"]} == {tier}


@pytest.mark.parametrize("subject", [s.id for s in load_catalog().subjects])
def test_catalog_subject_filter(craft_runner, craft_catalog, subject):
    want = [i.id for i in craft_catalog.by_subject(subject)]
    table = craft_runner.invoke(cli, ["catalog", "--subject", subject])
    assert table.exit_code == 0, table.output
    assert [r["id"] for r in parse_table(table.stdout)] == want
    payload = catalog_json(craft_runner, "--subject", subject)
    assert [i["id"] for i in payload["indicators"]] == want
    assert [s["id"] for s in payload["core_subjects"]] == [subject]


def test_catalog_tier_and_subject_filters_combine(craft_runner, craft_catalog):
    subject = craft_catalog.by_tier("progression")[0].subject
    want = [i.id for i in craft_catalog.indicators if i.tier == "progression" and i.subject == subject]
    payload = catalog_json(craft_runner, "--tier", "progression", "--subject", subject)
    assert [i["id"] for i in payload["indicators"]] == want
    assert len(want) < len(craft_catalog.by_tier("progression"))


def test_catalog_json_carries_what_a_user_needs(craft_runner, craft_catalog):
    payload = catalog_json(craft_runner)
    assert payload["catalog_version"] == craft_catalog.version
    assert payload["catalog_hash"] == craft_catalog.content_hash
    assert [s["id"] for s in payload["core_subjects"]] == [s.id for s in craft_catalog.subjects]
    by_id = {i["id"]: i for i in payload["indicators"]}
    assert list(by_id) == craft_catalog.ids
    for ind in craft_catalog.indicators:
        got = by_id[ind.id]
        assert (got["title"], got["tier"], got["subject"]) == (ind.title, ind.tier, ind.subject)
        assert got["sources"] == list(ind.sources)
        assert [a["text"] for a in got["actions"]] == [a.text for a in ind.actions]
        assert got["deadline_days"] == ind.deadline_days
    # the contract: security forces illegally controlling the site also raise EDD
    assert by_id["m_security_forces_illegal"]["raises_edd"] is True


def test_consumer_issues_is_shown_as_a_subject_without_indicators(craft_runner, craft_catalog):
    assert craft_catalog.by_subject("consumer_issues") == []
    payload = catalog_json(craft_runner)
    [consumer] = [s for s in payload["core_subjects"] if s["id"] == "consumer_issues"]
    assert consumer["indicators"] == []
    assert consumer["empty_note"]

    table = craft_runner.invoke(cli, ["catalog"])
    [line] = [line for line in table.stdout.splitlines() if "(consumer_issues)" in line]
    assert "no indicators" in line
    only = craft_runner.invoke(cli, ["catalog", "--subject", "consumer_issues"])
    assert only.exit_code == 0
    assert "0 indicator(s)" in only.stdout
    assert parse_table(only.stdout) == []


def test_catalog_unknown_subject_or_tier_is_refused(craft_runner, craft_catalog):
    result = craft_runner.invoke(cli, ["catalog", "--subject", "astronomy"])
    assert result.exit_code == 2
    assert "astronomy" in result.output
    for s in craft_catalog.subjects:
        assert s.id in result.output
    result = craft_runner.invoke(cli, ["catalog", "--tier", "tier9"])
    assert result.exit_code == 2
    assert "tier9" in result.output


# --- catalog validate -----------------------------------------------------------------------


def test_catalog_validate_accepts_the_bundled_catalog(craft_runner, craft_catalog):
    result = craft_runner.invoke(cli, ["catalog", "validate"])
    assert result.exit_code == 0, result.output
    assert "valid" in result.stdout
    assert craft_catalog.content_hash in result.stdout


def test_catalog_validate_accepts_an_unedited_copy(craft_runner, craft_catalog, catalog_copy):
    folder = catalog_copy(edit=lambda files: None)  # rewritten through YAML, same data
    result = craft_runner.invoke(cli, ["catalog", "validate", str(folder)])
    assert result.exit_code == 0, result.output
    assert craft_catalog.content_hash in result.stdout  # the hash ignores formatting


def _find(files, iid) -> dict:
    return next(i for items in files.values() for i in items if i["id"] == iid)


def _duplicate(files):
    first = next(iter(files.values()))[0]
    files["40_progression.yaml"].append(dict(first))
    return f"duplicate indicator id '{first['id']}'"


def _unknown_tier(files):
    ind = files["40_progression.yaml"][0]
    ind["tier"] = "tier9"
    return f"indicator '{ind['id']}': unknown tier 'tier9'"


def _unknown_subject(files):
    ind = files["40_progression.yaml"][1]
    ind["subject"] = "astronomy"
    return f"indicator '{ind['id']}': unknown subject 'astronomy'"


def _missing_field(files):
    ind = files["40_progression.yaml"][2]
    del ind["title"]
    return f"indicator '{ind['id']}': missing field 'title'"


BREAKAGES = {"duplicate id": _duplicate, "unknown tier": _unknown_tier,
             "unknown subject": _unknown_subject, "missing field": _missing_field}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_catalog_validate_rejects_a_broken_copy(craft_runner, catalog_copy, breakage):
    messages = []
    folder = catalog_copy(edit=lambda files: messages.append(BREAKAGES[breakage](files)))
    result = craft_runner.invoke(cli, ["catalog", "validate", str(folder)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert messages[0] in result.output


def test_catalog_validate_lists_every_problem_at_once(craft_runner, catalog_copy):
    messages = []

    def break_all(files):
        for breakage in BREAKAGES.values():
            messages.append(breakage(files))

    folder = catalog_copy(edit=break_all)
    result = craft_runner.invoke(cli, ["catalog", "validate", str(folder)])
    assert result.exit_code != 0
    listed = [line for line in result.output.splitlines() if line.startswith("  - ")]
    assert len(listed) == len(BREAKAGES)
    assert f"{len(BREAKAGES)} problem(s)" in result.output
    for message in messages:
        assert any(message in line for line in listed), message


def test_classify_with_a_broken_catalog_fails_cleanly(craft_runner, catalog_copy, write_assessments, tmp_path):
    folder = catalog_copy(edit=_unknown_tier)
    output = tmp_path / "results.json"
    result = classify(craft_runner, write_assessments([{}]), "--catalog", str(folder), "--format", "json",
                      "--output", str(output))
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "tier9" in result.output
    assert not output.exists()


# --- --catalog: another catalog changes the provenance --------------------------------------


EXTRA_ID = "p_no_test_extra_gap"


def _add_progression_indicator(files):
    files["40_progression.yaml"].append({
        "id": EXTRA_ID,
        "title": "An extra gap added by the programme",
        "description": "A programme-specific good-practice gap, added for this test.",
        "tier": "progression",
        "subject": "environment",
        "sources": ["craft-mes test suite"],
        "actions": [{"text": "Close the extra gap.", "quick_win": True}],
    })


def test_an_edited_catalog_changes_the_catalog_hash(craft_runner, craft_catalog, catalog_copy, write_assessments):
    folder = catalog_copy(edit=_add_progression_indicator)
    edited = load_catalog(folder)
    assert EXTRA_ID in edited.ids and EXTRA_ID not in craft_catalog.ids

    path = write_assessments([{EXTRA_ID: "confirmed"}])
    result = classify(craft_runner, path, "--catalog", str(folder), "--format", "json")
    assert result.exit_code == 0, result.output
    [record] = json.loads(result.stdout)
    assert record["catalog_hash"] == edited.content_hash
    assert record["catalog_hash"] != craft_catalog.content_hash
    assert [f["indicator"] for f in record["findings"]] == [EXTRA_ID]

    # with the bundled catalog the same column is unknown: an error, not a silent not_assessed
    plain = classify(craft_runner, path, "--format", "json")
    assert plain.exit_code == 2
    assert EXTRA_ID in plain.output

    csv_out = classify(craft_runner, path, "--catalog", str(folder), "--format", "csv")
    [row] = list(csv.DictReader(io.StringIO(csv_out.stdout)))
    assert row["catalog_hash"] == edited.content_hash


# --- confidentiality ------------------------------------------------------------------------


@pytest.fixture
def confidential_input(write_assessments, craft_catalog):
    """Two sites with evidence notes and an assessor, every one a unique marker string."""
    m = craft_catalog.by_tier("mitigation")[0].id
    p = craft_catalog.by_tier("progression")[0].id
    t1 = craft_catalog.by_tier("tier1")[0].id
    markers = {key: uuid.uuid4().hex for key in ("note_m", "note_p", "note_t1", "note_absent",
                                                  "assessor_a", "assessor_b")}
    rows = [
        {"site_id": "A", m: "suspected", p: "confirmed",
         f"{m}__note": f"paid the checkpoint {markers['note_m']}",
         f"{p}__note": markers["note_p"],
         f"{t1}__note": markers["note_absent"],  # a note on an absent indicator
         "assessor": f"Ana {markers['assessor_a']}", "site_name": "La Esperanza"},
        {"site_id": "B", t1: "confirmed", f"{t1}__note": markers["note_t1"],
         "assessor": markers["assessor_b"]},
    ]
    return write_assessments(rows), markers


def _note_markers(markers):
    return [v for k, v in markers.items() if k.startswith("note")]


def _assessor_markers(markers):
    return [v for k, v in markers.items() if k.startswith("assessor")]


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_buyer_output_never_contains_notes_or_private_columns(craft_runner, confidential_input, tmp_path, fmt):
    path, markers = confidential_input
    result = classify(craft_runner, path, "--format", fmt, "--audience", "buyer")
    assert result.exit_code == 0, result.output
    if fmt != "table":  # the table shows no site columns at all
        assert "La Esperanza" in result.stdout  # shareable metadata is still shown
    for marker in markers.values():
        assert marker not in result.output
    output = tmp_path / f"buyer.{fmt}"
    assert classify(craft_runner, path, "--format", fmt, "--audience", "buyer", "--output", str(output)).exit_code == 0
    text = output.read_text(encoding="utf-8")
    for marker in markers.values():
        assert marker not in text


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_default_audience_output_never_contains_notes(craft_runner, confidential_input, fmt):
    path, markers = confidential_input
    result = classify(craft_runner, path, "--format", fmt)
    assert result.exit_code == 0, result.output
    for marker in _note_markers(markers):
        assert marker not in result.output
    # Site columns follow the audience policy (risk_catalog/data/audiences.yaml): the default
    # audience, programme, is allowed the assessor column; the table shows no site columns.
    shown = fmt != "table" and "programme" in load_audience_policy().site_fields["assessor"]
    for marker in _assessor_markers(markers):
        assert (marker in result.output) == shown


def test_the_audience_policy_keeps_the_assessor_and_notes_from_buyers():
    policy = load_audience_policy()
    assert "buyer" not in policy.site_fields["assessor"]
    assert "buyer" not in policy.notes
    assert "programme" not in policy.notes


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_buyer_plans_never_contain_notes_or_private_columns(craft_runner, confidential_input, tmp_path):
    path, markers = confidential_input
    out = tmp_path / "buyer_plans"
    result = craft_runner.invoke(cli, ["plan", str(path), "--out", str(out), "--format", "html,md",
                                       "--audience", "buyer"])
    assert result.exit_code == 0, result.output
    files = _files_under(out)
    assert {p.suffix for p in files} == {".html", ".md"}
    assert any(p.name == "index.html" for p in files)
    assert len(files) == 2 * 2 + 1
    for file in files:
        text = file.read_text(encoding="utf-8")
        for marker in markers.values():
            assert marker not in text, f"{marker} leaked into {file.name}"
    for marker in markers.values():
        assert marker not in result.output


def test_producer_plans_show_the_evidence_notes(craft_runner, confidential_input, tmp_path):
    path, markers = confidential_input
    out = tmp_path / "producer_plans"
    result = craft_runner.invoke(cli, ["plan", str(path), "--out", str(out), "--format", "html,md",
                                       "--audience", "producer"])
    assert result.exit_code == 0, result.output
    plans = {p.name: p.read_text(encoding="utf-8") for p in _files_under(out) if p.name != "index.html"}
    for fmt in ("html", "md"):
        a = next(text for name, text in plans.items() if name.startswith("A_") and name.endswith(fmt))
        b = next(text for name, text in plans.items() if name.startswith("B_") and name.endswith(fmt))
        assert markers["note_m"] in a
        assert markers["note_p"] in a
        assert markers["note_t1"] in b
        assert markers["note_t1"] not in a  # each site's notes stay in its own plan
        assert markers["assessor_a"] in a


def test_the_default_plan_audience_is_the_producer(craft_runner, confidential_input, tmp_path):
    path, markers = confidential_input
    out = tmp_path / "plans"
    result = craft_runner.invoke(cli, ["plan", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = "".join(p.read_text(encoding="utf-8") for p in _files_under(out))
    assert markers["note_m"] in text


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_a_problem_in_a_late_chunk_leaves_standard_output_empty(craft_runner, tmp_path, monkeypatch, fmt):
    import engine.reader

    monkeypatch.setattr(engine.reader, "CHUNK_ROWS", 2)
    ids = load_catalog().ids
    lines = ["site_id,assessment_date," + ",".join(ids)]
    for n in range(7):
        lines.append(f"S{n},2024-01-0{n + 1}," + ",".join(["absent"] * len(ids)))
    lines.append("S9,2024-01-09," + ",".join(["maybe"] + ["absent"] * (len(ids) - 1)))
    path = tmp_path / "late.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = craft_runner.invoke(cli, ["classify", str(path), "--format", fmt])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "row 9" in result.stderr and "maybe" in result.stderr


def test_programme_thresholds_from_a_bands_file_change_the_level(craft_runner, tmp_path):
    import yaml

    from classifications.bands import BUNDLED_BANDS

    ids = load_catalog().ids
    progression = [i.id for i in load_catalog().by_tier("progression")]
    statuses = {i: "absent" for i in ids}
    statuses[progression[0]] = "confirmed"  # share absent just under 100%
    path = tmp_path / "one.csv"
    path.write_text("site_id,assessment_date," + ",".join(ids) + "\nS1,2024-01-01,"
                    + ",".join(statuses[i] for i in ids) + "\n", encoding="utf-8")
    data = yaml.safe_load(BUNDLED_BANDS.read_text(encoding="utf-8"))
    data["levels"][-1]["min_share_absent"] = 1.0
    strict = tmp_path / "bands.yaml"
    strict.write_text(yaml.safe_dump(data), encoding="utf-8")

    default = json.loads(craft_runner.invoke(cli, ["classify", str(path), "--format", "json"]).stdout)[0]
    edited = json.loads(craft_runner.invoke(cli, ["classify", str(path), "--format", "json",
                                                  "--bands", str(strict)]).stdout)[0]
    assert default["level"] == 3 and edited["level"] == 2
    assert edited["bands_hash"] != default["bands_hash"]

    data["levels"][-1]["min_share_absent"] = 0.2  # below the level before it
    strict.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = craft_runner.invoke(cli, ["classify", str(path), "--bands", str(strict)])
    assert result.exit_code == 1 and "must rise" in result.stderr and "Traceback" not in result.output


def test_output_files_get_the_usual_permissions_not_owner_only(craft_runner, write_assessments, tmp_path):
    import os
    import stat

    source = write_assessments([{"site_id": "P1"}])
    old = os.umask(0o022)
    try:
        for fmt in ("csv", "parquet"):
            target = tmp_path / f"out.{fmt}"
            result = craft_runner.invoke(cli, ["classify", str(source), "--format", fmt, "--output", str(target)])
            assert result.exit_code == 0, result.output
            assert stat.S_IMODE(target.stat().st_mode) == 0o644
    finally:
        os.umask(old)

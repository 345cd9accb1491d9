"""An attacker's view: whatever the notes and private columns hold, a buyer never sees them."""
from __future__ import annotations

import csv
import random
import uuid
import zipfile
from pathlib import Path

import pandas as pd

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifications.views import load_audience_policy, redact_frame, visible_site
from engine.cli import cli
from risk_catalog import STATUSES, load_catalog

CATALOG = load_catalog()
POLICY = load_audience_policy()
PRIVATE_COLUMNS = [c for c, who in POLICY.site_fields.items() if "buyer" not in who]
assert {"assessor", "latitude", "longitude", "comments"} <= set(PRIVATE_COLUMNS)
# Columns whose values are checked: coordinates carry their marker as digits.
NUMERIC = {"latitude": 89, "longitude": 179}
MARKABLE = [c for c, who in POLICY.site_fields.items() if "programme" in who and c != "private_fields"]


def marker_value(column: str, draw) -> tuple[str, str]:
    """A unique marker and the cell holding it (valid for the column's check)."""
    if column in NUMERIC:
        digits = f"{random.SystemRandom().randrange(10**11, 10**12)}"
        return digits, f"{draw(st.integers(0, NUMERIC[column]))}.{digits}"
    marker = uuid.uuid4().hex
    return marker, draw(noise) + marker + draw(noise)

# Text around the marker that tries to break out of CSV, JSON, HTML and Markdown.
noise = st.sampled_from(["", "\"", "'", ",", "\n", "<b>", "</td>", "|", "\\", "]}", "ñ", "  "])


@st.composite
def assessments(draw):
    rows = []
    markers = []
    for n in range(draw(st.integers(1, 3))):
        row = {"site_id": f"S{n}", "assessment_date": f"2024-02-{n + 1:02d}", "site_name": f"Site {n}"}
        for iid in CATALOG.ids:
            row[iid] = draw(st.sampled_from(STATUSES))
        noted = draw(st.lists(st.sampled_from(CATALOG.ids), min_size=1, max_size=6, unique=True))
        for iid in noted:
            marker = uuid.uuid4().hex
            markers.append(marker)
            row[f"{iid}__note"] = draw(noise) + marker + draw(noise)
        for column in PRIVATE_COLUMNS:
            if column == "private_fields":
                continue  # holds field names, not content
            marker, row[column] = marker_value(column, draw)
            markers.append(marker)
        rows.append(row)
    return rows, markers


def write(rows, path: Path):
    columns = list(dict.fromkeys(k for r in rows for k in r))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(assessments())
def test_no_marker_reaches_any_buyer_output(tmp_path_factory, case):
    rows, markers = case
    folder = tmp_path_factory.mktemp("leak")
    source = folder / "in.csv"
    write(rows, source)
    runner = CliRunner()
    outputs = folder / "buyer"
    texts = []
    for fmt in ("csv", "json", "table"):
        result = runner.invoke(cli, ["classify", str(source), "--format", fmt, "--audience", "buyer",
                                     "--output", str(outputs / f"results.{fmt}")])
        assert result.exit_code == 0, result.output
        texts.append(result.output)
    result = runner.invoke(cli, ["plan", str(source), "--out", str(outputs / "plans"),
                                 "--format", "html,md", "--audience", "buyer"])
    assert result.exit_code == 0, result.output
    texts.append(result.output)
    result = runner.invoke(cli, ["screen", str(source), "--out", str(outputs / "screening"),
                                 "--format", "html,csv,xlsx"])
    assert result.exit_code == 0, result.output
    texts.append(result.output)
    texts.append(runner.invoke(cli, ["screen", str(source)]).output)
    # the producer's own report does carry them: the markers were really in the input
    producer = runner.invoke(cli, ["classify", str(source), "--format", "json", "--audience", "producer",
                                   "--output", str(folder / "producer.json")])
    assert producer.exit_code == 0
    producer_text = (folder / "producer.json").read_text(encoding="utf-8")
    assert all(m in producer_text for m in markers)
    # a buyer handed the producer's full JSON still gets only the buyer's screening
    result = runner.invoke(cli, ["screen", str(folder / "producer.json"), "--out",
                                 str(outputs / "screening-from-json"), "--format", "html,csv,xlsx"])
    assert result.exit_code == 0, result.output
    files = [p for p in outputs.rglob("*") if p.is_file()]
    assert len(files) == 3 + 2 * len(rows) + 1 + 2 * 9
    for path in files:
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                texts += [book.read(name).decode("utf-8") for name in book.namelist()]
        else:
            texts.append(path.read_text(encoding="utf-8"))
    everything = "\n".join(texts)
    for marker in markers:
        assert marker not in everything


@st.composite
def marked_assessments(draw):
    """Rows whose metadata hold markers, some fields marked private by the producer."""
    rows, hidden, shown = [], [], []
    for n in range(draw(st.integers(1, 3))):
        row = {"site_id": f"P{n}", "assessment_date": "2024-05-01"}
        row.update({iid: draw(st.sampled_from(STATUSES)) for iid in CATALOG.ids})
        private = draw(st.lists(st.sampled_from(MARKABLE), unique=True, max_size=4))
        for column in MARKABLE:
            if column == "upstream_mechanism":
                continue  # a fixed vocabulary
            if column == "country":
                continue
            marker, row[column] = marker_value(column, draw)
            (hidden if column in private else shown).append(marker)
        row["private_fields"] = draw(st.sampled_from([";", ",", " ; "])).join(private)
        rows.append(row)
    return rows, hidden, shown


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(marked_assessments())
def test_programme_never_sees_what_the_producer_marked_private(tmp_path_factory, case):
    rows, hidden, shown = case
    folder = tmp_path_factory.mktemp("private")
    source = folder / "in.csv"
    write(rows, source)
    runner = CliRunner()
    texts = []
    for fmt in ("csv", "json", "table"):
        result = runner.invoke(cli, ["classify", str(source), "--format", fmt, "--audience", "programme"])
        assert result.exit_code == 0, result.output
        texts.append(result.stdout)
    result = runner.invoke(cli, ["plan", str(source), "--out", str(folder / "plans"), "--format", "html,md",
                                 "--audience", "programme"])
    assert result.exit_code == 0, result.output
    texts += [p.read_text(encoding="utf-8") for p in (folder / "plans").rglob("*") if p.is_file()]
    everything = "\n".join(texts)
    assert not [m for m in hidden if m in everything]
    programme_json = texts[1]
    assert all(m in programme_json for m in shown), "unmarked fields are the programme's to see"
    producer = runner.invoke(cli, ["classify", str(source), "--format", "json", "--audience", "producer"])
    assert all(m in producer.stdout for m in hidden + shown)


site_values = st.text(alphabet="abc;, ", max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.fixed_dictionaries({}, optional={c: site_values for c in [*POLICY.site_fields, "unlisted"]}),
                min_size=1, max_size=5),
       st.sampled_from(sorted(POLICY.audiences)))
def test_table_redaction_agrees_with_record_redaction(sites, audience):
    """The vector path's table redaction and the record redaction apply one policy alike."""
    for site in sites:
        if "private_fields" in site:
            site["private_fields"] = ";".join(random.sample(MARKABLE, k=2))
    columns = [*POLICY.site_fields, "unlisted"]
    frame = pd.DataFrame([{c: site.get(c, "") for c in columns} for site in sites], columns=columns)
    redacted = redact_frame(frame, audience)
    for i, site in enumerate(sites):
        expected = visible_site({k: v for k, v in site.items() if v}, audience, POLICY)
        got = {c: redacted.at[i, c] for c in redacted.columns if redacted.at[i, c]}
        assert got == expected

"""An attacker's view: whatever the notes and private columns hold, a buyer never sees them."""
from __future__ import annotations

import csv
import uuid
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifications.views import load_audience_policy
from engine.cli import cli
from risk_catalog import STATUSES, load_catalog

CATALOG = load_catalog()
POLICY = load_audience_policy()
PRIVATE_COLUMNS = [c for c, who in POLICY.site_fields.items() if "buyer" not in who]
assert PRIVATE_COLUMNS, "the policy should keep at least the assessor from buyers"

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
            marker = uuid.uuid4().hex
            markers.append(marker)
            row[column] = draw(noise) + marker + draw(noise)
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
    files = [p for p in outputs.rglob("*") if p.is_file()]
    assert len(files) == 3 + 2 * len(rows) + 1
    texts += [p.read_text(encoding="utf-8") for p in files]
    everything = "\n".join(texts)
    for marker in markers:
        assert marker not in everything
    # the producer's own report does carry them: the markers were really in the input
    producer = runner.invoke(cli, ["classify", str(source), "--format", "json", "--audience", "producer"])
    assert all(m in producer.stdout for m in markers)

"""The history store: schema migrations, imports as received, duplicates, conflicts, replace.

Every test runs on SQLite and on PostgreSQL (skipped, with the reason, unless
CRAFT_TEST_POSTGRES names a server; .ci/run starts one)."""
from __future__ import annotations

import csv
import hashlib
import json

import pytest
import sqlalchemy as sa
from history_support import EXAMPLES, count, store_url, table_dump  # noqa: F401

from classifications import history
from engine.cli import cli
from risk_catalog import load_catalog

CATALOG = load_catalog()
PILOT = EXAMPLES / "pilot_sites.csv"


def _import(runner, url, path, *extra):
    return runner.invoke(cli, ["history", "import", str(path), "--db", url, *extra])


def _rows(url, query):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(query).mappings())
    finally:
        engine.dispose()


def test_first_use_creates_the_schema_and_records_its_version(store_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(history.MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert history.SCHEMA_HEAD == head

    with history.open_store(store_url) as store:
        assert store.schema_version == head
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == head
            # the migration builds exactly the tables the Core queries are written against
            diff = compare_metadata(MigrationContext.configure(conn), history.metadata)
            assert diff == []
    with history.open_store(store_url) as again:  # a second open migrates nothing
        assert again.schema_version == head


def _reference_statuses(row: dict) -> dict[str, str]:
    """The contract: case and spaces ignored, a blank means not_assessed, a missing column too."""
    return {iid: (row.get(iid) or "").strip().lower() or "not_assessed" for iid in CATALOG.ids}


def test_import_stores_each_assessment_as_received_with_its_classification(craft_runner, store_url):
    result = _import(craft_runner, store_url, PILOT)
    assert result.exit_code == 0, result.output
    assert "8 new, 0 already stored" in result.output

    source = list(csv.DictReader(PILOT.open(encoding="utf-8")))
    stored = {r["site_id"]: r for r in _rows(store_url, sa.select(history.assessments))}
    assert set(stored) == {r["site_id"] for r in source}
    for row in source:
        got = stored[row["site_id"]]
        assert got["assessment_date"].isoformat() == row["assessment_date"]
        assert got["statuses"] == _reference_statuses(row)
        notes = {k[:-6]: v.strip() for k, v in row.items() if k.endswith("__note") and v.strip()}
        assert got["notes"] == notes
        assert got["site"]["assessor"] == row["assessor"]  # the programme's database keeps it

    classified = json.loads(craft_runner.invoke(cli, ["classify", str(PILOT), "--format", "json"]).output)
    bands = {r["site_id"]: r for r in _rows(store_url, sa.select(
        history.assessments.c.site_id, history.classifications).join_from(
        history.assessments, history.classifications))}
    for c in classified:
        assert bands[c["site_id"]]["band"] == c["band"]
        assert bands[c["site_id"]]["level"] == c["level"]
        assert bands[c["site_id"]]["edd"] == c["edd"]
        assert bands[c["site_id"]]["catalog_hash"] == CATALOG.content_hash
        assert bands[c["site_id"]]["catalog_version"] == CATALOG.version
    assert count(store_url, "findings") == sum(len(c["findings"]) for c in classified)

    (imp,) = _rows(store_url, sa.select(history.imports))
    assert imp["source_name"] == "pilot_sites.csv"
    assert imp["source_hash"] == hashlib.sha256(PILOT.read_bytes()).hexdigest()
    assert (imp["added"], imp["replaced"]) == (8, 0)


def test_the_same_file_again_adds_nothing(craft_runner, store_url):
    assert _import(craft_runner, store_url, PILOT).exit_code == 0
    before = table_dump(store_url)
    again = _import(craft_runner, store_url, PILOT)
    assert again.exit_code == 0, again.output
    assert "0 new, 8 already stored" in again.output
    assert table_dump(store_url) == before  # not even an import record


def test_same_site_and_date_with_other_content_is_refused_naming_each(craft_runner, store_url,
                                                                       write_assessments):
    first = write_assessments([{"site_id": "A"}, {"site_id": "B"}, {"site_id": "C"}], name="r1.csv")
    assert _import(craft_runner, store_url, first).exit_code == 0
    before = table_dump(store_url)
    changed = write_assessments([
        {"site_id": "A"},
        {"site_id": "B", "m_bribery": "suspected"},
        {"site_id": "C", "p_no_ppe__note": "a new note is new content too"},
        {"site_id": "D"},
    ], name="r1_edited.csv")
    refused = _import(craft_runner, store_url, changed)
    assert refused.exit_code == 2
    assert "row 3, site B, 2024-03-15" in refused.output
    assert "row 4, site C, 2024-03-15" in refused.output
    assert "site A" not in refused.output
    assert "--replace" in refused.output
    assert table_dump(store_url) == before  # D was not stored either: all or nothing

    replaced = _import(craft_runner, store_url, changed, "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert "1 new, 1 already stored, 2 replaced" in replaced.output
    rows = {r["site_id"]: r for r in _rows(store_url, sa.select(
        history.assessments.c.site_id, history.assessments.c.statuses, history.assessments.c.notes,
        history.classifications.c.band).join_from(history.assessments, history.classifications))}
    assert set(rows) == {"A", "B", "C", "D"}
    assert rows["B"]["statuses"]["m_bribery"] == "suspected"
    assert rows["B"]["band"] == "entry_with_mitigation"
    assert rows["C"]["notes"] == {"p_no_ppe": "a new note is new content too"}
    # the replaced assessment's findings went with it
    findings = _rows(store_url, sa.select(history.findings.c.indicator).join_from(
        history.findings, history.assessments).where(history.assessments.c.site_id == "B"))
    assert [f["indicator"] for f in findings] == ["m_bribery"]


def test_bad_input_is_reported_like_classify_and_stores_nothing(craft_runner, store_url, write_assessments):
    bad = write_assessments([{"site_id": "A"}, {"site_id": "B", "t1_torture": "maybe"},
                             {"site_id": "C", "assessment_date": "2024-02-30"}])
    result = _import(craft_runner, store_url, bad)
    assert result.exit_code == 2
    classify = craft_runner.invoke(cli, ["classify", str(bad)])
    assert classify.exit_code == 2
    assert result.output.strip() == classify.output.strip()  # the same report, row by row
    assert count(store_url) == 0
    assert count(store_url, "imports") == 0


def test_a_missing_input_creates_no_database(craft_runner, tmp_path):
    db = tmp_path / "new.db"
    result = craft_runner.invoke(cli, ["history", "import", str(tmp_path / "nope.csv"), "--db", str(db)])
    assert result.exit_code == 2
    assert "no such file" in result.output
    assert not db.exists()


def test_stored_history_reads_back_in_date_order(craft_runner, store_url, write_assessments):
    later = write_assessments([{"site_id": "S", "assessment_date": "2024-09-01", "m_bribery": "absent"}],
                              name="later.csv")
    earlier = write_assessments([{"site_id": "S", "assessment_date": "2024-03-01", "m_bribery": "confirmed"}],
                                name="earlier.csv")
    assert _import(craft_runner, store_url, later).exit_code == 0
    assert _import(craft_runner, store_url, earlier).exit_code == 0
    with history.open_store(store_url) as store:
        rows = store.site_history("S")
    assert [r.assessment_date.isoformat() for r in rows] == ["2024-03-01", "2024-09-01"]
    assert [f.indicator for f in rows[0].findings] == ["m_bribery"]
    assert rows[0].findings[0].due_date is not None
    assert rows[1].findings == []
    assert [r.source_name for r in rows] == ["earlier.csv", "later.csv"]
    assert rows[0].notes == {}  # private fields load only on request


def test_database_urls(monkeypatch, tmp_path):
    monkeypatch.delenv("CRAFT_DB", raising=False)
    assert history.resolve_url(None) == "sqlite:///craft.db"
    assert history.resolve_url("out/x.db") == "sqlite:///out/x.db"
    assert history.resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert history.resolve_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("CRAFT_DB", "sqlite:///from_env.db")
    assert history.resolve_url(None) == "sqlite:///from_env.db"
    assert "secret" not in history.display_url("postgresql+psycopg://u:secret@h/db")
    with pytest.raises(history.StoreError, match="SQLite .* or PostgreSQL"):
        history.open_store("mysql://u@h/db")
    with pytest.raises(history.NotFoundError, match="no history database"):
        history.open_store(str(tmp_path / "absent.db"), create=False)
    assert not (tmp_path / "absent.db").exists()

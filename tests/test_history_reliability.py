"""Imports under stress, in real processes: two at once, a lock held too long, a crash, Ctrl-C.

An import is one transaction: it lands whole or not at all."""
from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from history_support import ROOT, count, craft, store_url, table_dump  # noqa: F401

from classifications.history import CRASH_AFTER_ENV, CRASH_SIGNAL_ENV


def _rows(prefix: str, n: int, date: str = "2024-03-15") -> list[dict]:
    return [{"site_id": f"{prefix}-{k:04d}", "assessment_date": date,
             "m_bribery": "confirmed" if k % 3 == 0 else "absent",
             "p_no_ppe": "suspected" if k % 2 else "absent"} for k in range(n)]


def test_two_imports_at_once_into_one_sqlite_file_both_land_whole(write_assessments, tmp_path):
    a = write_assessments(_rows("A", 400), name="a.csv")
    b = write_assessments(_rows("B", 300), name="b.csv")
    db = f"sqlite:///{tmp_path / 'shared.db'}"  # new: both processes also race to create the schema
    cmd = [sys.executable, "-c", "from engine.cli import cli; cli()", "history", "import"]
    procs = [subprocess.Popen([*cmd, str(path), "--db", db], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for path in (a, b)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    landed = 0
    for (code, err), n in zip(results, (400, 300)):
        assert "Traceback" not in err
        if code == 0:
            assert f"{n} new, 0 already stored" in err
            landed += n
        else:  # refused cleanly, never half-written
            assert code == 1 and "busy" in err, err
    assert landed > 0
    assert count(db) == landed
    assert count(db, "imports") == sum(1 for code, _ in results if code == 0)
    assert count(db, "classifications") == landed


def test_an_import_that_cannot_get_the_lock_is_refused_and_stores_nothing(write_assessments, tmp_path):
    db_file = tmp_path / "locked.db"
    db = f"sqlite:///{db_file}"
    first = write_assessments(_rows("F", 5), name="first.csv")
    assert craft("history", "import", str(first), "--db", db).returncode == 0
    before = table_dump(db)
    holder = sqlite3.connect(db_file, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
    try:
        second = write_assessments(_rows("G", 5), name="second.csv")
        result = craft("history", "import", str(second), "--db", db, env={"CRAFT_DB_TIMEOUT": "0.5"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 1
    assert "busy" in result.stderr and "Nothing was stored" in result.stderr
    assert "Traceback" not in result.stderr
    assert table_dump(db) == before
    assert craft("history", "import", str(second), "--db", db).returncode == 0  # and later it lands
    assert count(db) == 10


@pytest.mark.parametrize("signal_name, expected_code", [("KILL", -9), ("INT", 130)])
def test_a_crash_or_ctrl_c_mid_import_leaves_the_database_as_it_was(store_url, write_assessments,
                                                                     signal_name, expected_code):
    first = write_assessments(_rows("P", 20), name="first.csv")
    assert craft("history", "import", str(first), "--db", store_url).returncode == 0
    before = table_dump(store_url)
    second = write_assessments(_rows("Q", 40) + [{"site_id": "P-0001", "assessment_date": "2024-03-15",
                                                  "m_bribery": "suspected"}], name="second.csv")
    # the documented test hook: stop the process after 15 uncommitted assessments
    crashed = craft("history", "import", str(second), "--db", store_url, "--replace",
                    env={CRASH_AFTER_ENV: "15", CRASH_SIGNAL_ENV: signal_name})
    assert crashed.returncode == expected_code, crashed.stderr
    if signal_name == "INT":
        assert "interrupted" in crashed.stderr and "Traceback" not in crashed.stderr
    assert table_dump(store_url) == before
    rerun = craft("history", "import", str(second), "--db", store_url, "--replace")
    assert rerun.returncode == 0, rerun.stderr
    assert "40 new, 0 already stored, 1 replaced" in rerun.stderr
    assert count(store_url) == 60

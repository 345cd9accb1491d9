"""Shared by the history tests: the store URL fixture (SQLite always, PostgreSQL when a server
is named by CRAFT_TEST_POSTGRES; in CI it must be) and small helpers."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PG_ENV = "CRAFT_TEST_POSTGRES"


def postgres_base_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_ENV} is not set in CI: .ci/run must start PostgreSQL (.ci/postgres.sh)")
        pytest.skip(f"PostgreSQL tests skipped: set {PG_ENV}=postgresql+psycopg://USER:PW@HOST:PORT/DB "
                    "(.ci/run does this with .ci/postgres.sh)")
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    """A fresh, empty database URL: a new SQLite file, or a new PostgreSQL schema (dropped after)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'history.db'}"
        return
    import sqlalchemy as sa

    base = postgres_base_url()
    schema = f"craft_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.engine.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def craft(*args: str, env: dict | None = None, cwd: Path | None = None,
          timeout: float = 300) -> subprocess.CompletedProcess:
    """Run `craft` in a real process (for concurrency and crash tests)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-c", "from engine.cli import cli; cli()", *args],
                          capture_output=True, text=True, env=full_env, cwd=cwd or ROOT, timeout=timeout)


def table_dump(url: str) -> dict[str, list[tuple]]:
    """Every row of every history table, to compare a database before and after."""
    import sqlalchemy as sa

    from classifications import history

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {t.name: sorted(tuple(map(repr, row)) for row in conn.execute(sa.select(t)))
                    for t in (history.imports, history.assessments, history.classifications,
                              history.findings)}
    finally:
        engine.dispose()


def count(url: str, table: str = "assessments") -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
    finally:
        engine.dispose()


ROUND1 = EXAMPLES / "pilot_sites.csv"
ROUND2 = EXAMPLES / "pilot_sites_round2.csv"


def import_two_rounds(runner, folder: Path) -> str:
    """A SQLite history holding both example rounds; its URL."""
    from engine.cli import cli

    db = f"sqlite:///{folder / 'craft.db'}"
    for path in (ROUND1, ROUND2):
        result = runner.invoke(cli, ["history", "import", str(path), "--db", db])
        assert result.exit_code == 0, result.output
    return db

"""The assessment history store: every assessment as received, its classification, its import.

SQLAlchemy 2 Core over SQLite (the embedded default, a file) or PostgreSQL (psycopg 3). The
schema is created and upgraded by Alembic (`classifications/migrations/`) on first use.

Writes: one transaction per import, holding the database's write lock from the start
(SQLite `BEGIN IMMEDIATE`, PostgreSQL a table lock), so two imports never interleave: the
second waits up to the busy timeout, then is refused with nothing written. SQLite runs in WAL
mode, so readers (`history show`, `history due`, `progress`) never wait for an import.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import StaticPool

from risk_catalog.messages import N_, Message
from .results import Assessment, Classification




DRIVER_MISSING = N_("the PostgreSQL driver is not installed (%(module)s): pip install 'craft-mes[postgres]'")

DEFAULT_URL = "sqlite:///craft.db"
SCHEMA_HEAD = "0001"  # the newest Alembic revision; tests check it matches migrations/versions
MIGRATIONS = Path(__file__).parent / "migrations"
BATCH = 1000  # assessments per executemany round inside the one import transaction
DEFAULT_TIMEOUT = 60.0  # seconds to wait for another import's write lock

# Test hook, documented in README: after this many assessments are inserted (uncommitted),
# the import process kills itself (KILL) or is interrupted (INT), to prove nothing is kept.
CRASH_AFTER_ENV = "CRAFT_TEST_CRASH_AFTER"
CRASH_SIGNAL_ENV = "CRAFT_TEST_CRASH_SIGNAL"


class HistoryError(Exception):
    """A history operation that cannot be done; the message says why."""


class StoreError(HistoryError):
    """The database cannot be opened, reached or written (busy, bad URL, missing driver)."""


class NotFoundError(HistoryError):
    """Something asked for is not in the store (a site id, the database file)."""


@dataclass(frozen=True)
class Conflict:
    site_id: str
    assessment_date: date
    row: int | None

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        return f"{where}site {self.site_id}, {self.assessment_date.isoformat()}"


class ConflictError(HistoryError):
    """Assessments already stored under the same (site_id, assessment_date) with other content."""

    def __init__(self, source: str, conflicts: list[Conflict]):
        self.source = source
        self.conflicts = conflicts
        super().__init__(f"{source}: {len(conflicts)} assessment(s) already stored with different content")


# --- schema (Core); Alembic's 0001 migration creates exactly this ------------------------

metadata = sa.MetaData()
_JSON = sa.JSON().with_variant(JSONB(), "postgresql")

imports = sa.Table(
    "imports", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source_name", sa.String(500), nullable=False),
    sa.Column("source_hash", sa.String(64), nullable=False),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("added", sa.Integer, nullable=False),
    sa.Column("replaced", sa.Integer, nullable=False),
)

assessments = sa.Table(
    "assessments", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("site_id", sa.String(200), nullable=False),
    sa.Column("assessment_date", sa.Date, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id", name="fk_assessments_import"),
              nullable=False),
    sa.Column("source_row", sa.Integer, nullable=True),
    sa.Column("statuses", _JSON, nullable=False),  # every indicator's status, as received
    sa.Column("site", _JSON, nullable=False),  # metadata columns, assessor included
    sa.Column("notes", _JSON, nullable=False),  # evidence notes: confidential to the producer
    sa.UniqueConstraint("site_id", "assessment_date", name="uq_assessments_site_date"),
)

classifications = sa.Table(
    "classifications", metadata,
    sa.Column("assessment_id", sa.Integer,
              sa.ForeignKey("assessments.id", name="fk_classifications_assessment", ondelete="CASCADE"),
              primary_key=True, autoincrement=False),
    sa.Column("band", sa.String(64), nullable=False),
    sa.Column("level", sa.Integer, nullable=True),
    sa.Column("level_title", sa.String(200), nullable=True),
    sa.Column("share_absent", sa.Float, nullable=True),
    sa.Column("edd", _JSON, nullable=False),
    sa.Column("missing", _JSON, nullable=False),
    sa.Column("catalog_version", sa.String(64), nullable=False),
    sa.Column("catalog_hash", sa.String(64), nullable=False),
    sa.Column("bands_hash", sa.String(64), nullable=False),
)

findings = sa.Table(
    "findings", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("assessment_id", sa.Integer,
              sa.ForeignKey("assessments.id", name="fk_findings_assessment", ondelete="CASCADE"),
              nullable=False),
    sa.Column("indicator", sa.String(100), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("tier", sa.String(20), nullable=False),
    sa.Column("subject", sa.String(64), nullable=False),
    sa.Column("due_date", sa.Date, nullable=True),  # mitigation: the catalog's deadline
    sa.Column("progress_check_date", sa.Date, nullable=True),
    # `history show` and every timeline read findings by assessment
    sa.Index("ix_findings_assessment", "assessment_id"),
)


# --- stored rows, as the progression logic sees them ------------------------------------


@dataclass(frozen=True)
class StoredFinding:
    indicator: str
    status: str
    tier: str
    subject: str
    due_date: date | None = None


@dataclass
class StoredAssessment:
    """One stored assessment with its classification (the producer's full record)."""

    site_id: str
    assessment_date: date
    statuses: dict[str, str]
    band: str
    level: int | None
    level_title: str | None
    edd: list[str]
    findings: list[StoredFinding]
    catalog_version: str
    catalog_hash: str
    site: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    share_absent: float | None = None
    missing: list[str] = field(default_factory=list)
    bands_hash: str = ""
    source_name: str = ""
    id: int | None = None


def content_hash(site_id: str, assessment_date: date, statuses: dict, notes: dict, site: dict) -> str:
    """Fingerprint of an assessment as received: the same answers give the same hash."""
    canonical = json.dumps(
        {"site_id": site_id, "assessment_date": assessment_date.isoformat(),
         "statuses": statuses, "notes": notes, "site": site},
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def file_hash(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- engines and URLs -------------------------------------------------------------------


def resolve_url(url: str | None) -> str:
    """`--db`/CRAFT_DB value -> a SQLAlchemy URL. A plain path means a SQLite file there;
    `postgresql://` and `postgres://` mean psycopg 3."""
    url = (url or os.environ.get("CRAFT_DB") or DEFAULT_URL).strip()
    if "://" not in url:
        return "sqlite:///" + url
    scheme, rest = url.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        return "postgresql+psycopg://" + rest
    return url


def display_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url


def _timeout() -> float:
    try:
        return max(0.0, float(os.environ.get("CRAFT_DB_TIMEOUT", DEFAULT_TIMEOUT)))
    except ValueError:
        return DEFAULT_TIMEOUT


def make_engine(url: str) -> Engine:
    """An engine for a SQLite or PostgreSQL URL, configured for safe concurrent imports."""
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError:
        raise StoreError(Message(N_("%(url)s is not a database URL; use sqlite:///FILE or "
                            "postgresql+psycopg://USER@HOST/DB (or a file path for SQLite)"),
                         **{"url": repr(url)})) from None
    backend = parsed.get_backend_name()
    timeout = _timeout()
    if backend == "sqlite":
        memory = parsed.database in (None, "", ":memory:")
        engine = sa.create_engine(parsed, connect_args={"timeout": timeout}, json_serializer=_compact_json,
                                  **({"poolclass": StaticPool} if memory else {}))
        _configure_sqlite(engine, timeout)
        return engine
    if backend == "postgresql":
        try:
            engine = sa.create_engine(parsed, pool_pre_ping=True)
        except ModuleNotFoundError as exc:
            raise StoreError(Message(DRIVER_MISSING, **{"module": exc.name})) from None
        except sa.exc.NoSuchModuleError:
            raise StoreError(Message(N_("%(driver)s: unsupported driver; use postgresql+psycopg://"),
                             **{"driver": parsed.drivername})) from None
        engine._craft_lock_timeout = timeout  # read by _lock_for_import
        return engine
    raise StoreError(Message(N_("%(driver)s: craft stores history in SQLite (sqlite:///FILE) or "
                        "PostgreSQL (postgresql+psycopg://...)"), **{"driver": parsed.drivername}))


def _compact_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _configure_sqlite(engine: Engine, timeout: float) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite would defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")  # a committed import survives a power cut
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        # IMMEDIATE takes the write lock now: two writers queue instead of deadlocking later.
        mode = conn.get_execution_options().get("craft_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


@contextlib.contextmanager
def _db_errors(url: str) -> Iterator[None]:
    """SQLAlchemy's errors as messages a user can act on."""
    try:
        yield
    except sa.exc.OperationalError as exc:
        text = str(exc.orig or exc).strip().splitlines()[0]
        low = text.lower()
        if "locked" in low or "busy" in low or "lock timeout" in low:
            raise StoreError(Message(N_("%(db)s is busy: another import is writing to it. Nothing was stored; "
                                "try again when it has finished (CRAFT_DB_TIMEOUT sets how many "
                                "seconds to wait)."), **{"db": display_url(url)})) from None
        raise StoreError(f"{display_url(url)}: {text}") from None
    except sa.exc.IntegrityError as exc:
        text = str(exc.orig or exc).strip().splitlines()[0]
        raise StoreError(Message(N_("%(db)s: another import stored the same assessment at the same time "
                            "(%(error)s). Nothing was stored; run the import again."),
                         **{"db": display_url(url), "error": text})) from None
    except sa.exc.DatabaseError as exc:
        text = str(exc.orig or exc).strip().splitlines()[0]
        raise StoreError(f"{display_url(url)}: {text}") from None
    except ModuleNotFoundError as exc:
        if exc.name and "psycopg" in exc.name:
            raise StoreError(Message(DRIVER_MISSING, **{"module": exc.name})) from None
        raise


# --- migrations -------------------------------------------------------------------------


def schema_version(conn: Connection) -> str | None:
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _migrate(conn: Connection) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    command.upgrade(config, "head")


def _upgrade(engine: Engine) -> str:
    """Bring the schema to head, once, even when several processes open a new database."""
    with engine.connect() as conn:
        if schema_version(conn) == SCHEMA_HEAD:
            return SCHEMA_HEAD
    with engine.connect().execution_options(craft_begin="IMMEDIATE") as conn:
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(724514)"))  # 'craft' migrations
            if schema_version(conn) != SCHEMA_HEAD:
                _migrate(conn)  # inside our transaction: DDL is transactional on both databases
            return schema_version(conn)


# --- the store --------------------------------------------------------------------------


class Store:
    """An open history database (use `open_store`)."""

    def __init__(self, url: str, engine: Engine, version: str):
        self.url = url
        self.engine = engine
        self.schema_version = version

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def display_url(self) -> str:
        return display_url(self.url)

    # -- writing ------------------------------------------------------------------------

    @contextlib.contextmanager
    def importer(self, source_name: str, source_hash: str, replace: bool = False) -> Iterator["Importer"]:
        """One import, all or nothing: add classifications; leaving the block commits them.

        Raises ConflictError (nothing stored) when an assessment is already stored under the same
        (site_id, assessment_date) with different content and `replace` is false.
        """
        with _db_errors(self.url):
            with self.engine.connect().execution_options(craft_begin="IMMEDIATE") as conn:
                with conn.begin():
                    _lock_for_import(conn, self.engine)
                    imp = Importer(conn, source_name, source_hash, replace)
                    yield imp
                    imp.finish()

    # -- reading ------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        with _db_errors(self.url), self.engine.connect() as conn:
            return {
                "imports": conn.execute(sa.select(sa.func.count()).select_from(imports)).scalar_one(),
                "assessments": conn.execute(sa.select(sa.func.count()).select_from(assessments)).scalar_one(),
                "sites": conn.execute(sa.select(sa.func.count(sa.distinct(assessments.c.site_id)))).scalar_one(),
                "findings": conn.execute(sa.select(sa.func.count()).select_from(findings)).scalar_one(),
            }

    def last_import(self) -> dict | None:
        with _db_errors(self.url), self.engine.connect() as conn:
            row = conn.execute(sa.select(imports).order_by(imports.c.id.desc()).limit(1)).mappings().first()
            return dict(row) if row else None

    def site_ids(self) -> list[str]:
        with _db_errors(self.url), self.engine.connect() as conn:
            return list(conn.execute(sa.select(assessments.c.site_id).distinct()
                                     .order_by(assessments.c.site_id)).scalars())

    def site_history(self, site_id: str) -> list[StoredAssessment]:
        """Every stored assessment of a site, oldest first."""
        return list(self.iter_assessments(site_ids=[site_id]))

    def iter_assessments(self, site_ids: Iterable[str] | None = None, as_of: date | None = None,
                         with_private: bool = False, mitigation_only: bool = False
                         ) -> Iterator[StoredAssessment]:
        """Stored assessments ordered by site then date (each site's in one run).

        `with_private` also loads the evidence notes; nothing that renders output needs them.
        `mitigation_only` loads only what mitigation items need (findings with a due date,
        statuses, metadata): `history due` over a large database.
        """
        a, c = assessments, classifications
        cols = [a.c.id, a.c.site_id, a.c.assessment_date, a.c.statuses, a.c.site, c.c.band,
                c.c.level, c.c.catalog_version, c.c.catalog_hash]
        if not mitigation_only:
            cols += [c.c.level_title, c.c.share_absent, c.c.edd, c.c.missing, c.c.bands_hash,
                     imports.c.source_name]
        if with_private:
            cols.append(a.c.notes)
        joined = a.join(c, c.c.assessment_id == a.c.id)
        if not mitigation_only:
            joined = joined.join(imports, imports.c.id == a.c.import_id)
        query = sa.select(*cols).select_from(joined).order_by(a.c.site_id, a.c.assessment_date)
        fquery = (sa.select(findings.c.assessment_id, findings.c.indicator, findings.c.status,
                            findings.c.tier, findings.c.subject, findings.c.due_date)
                  .select_from(findings.join(a, a.c.id == findings.c.assessment_id))
                  .order_by(a.c.site_id, a.c.assessment_date, findings.c.id))
        if mitigation_only:
            fquery = fquery.where(findings.c.due_date.is_not(None))
        if site_ids is not None:
            site_ids = list(site_ids)
            query = query.where(a.c.site_id.in_(site_ids))
            fquery = fquery.where(a.c.site_id.in_(site_ids))
        if as_of is not None:
            query = query.where(a.c.assessment_date <= as_of)
            fquery = fquery.where(a.c.assessment_date <= as_of)
        with _db_errors(self.url), self.engine.connect() as conn:
            # one snapshot for both queries (SQLite WAL / PostgreSQL transaction)
            with conn.begin():
                frows = conn.execution_options(yield_per=5000).execute(fquery)
                pending = next(frows, None)
                for row in conn.execution_options(yield_per=5000).execute(query):
                    found = []
                    while pending is not None and pending.assessment_id == row.id:
                        found.append(StoredFinding(pending.indicator, pending.status, pending.tier,
                                                   pending.subject, pending.due_date))
                        pending = next(frows, None)
                    full = {} if mitigation_only else {
                        "level_title": row.level_title, "share_absent": row.share_absent,
                        "edd": row.edd, "missing": row.missing, "bands_hash": row.bands_hash,
                        "source_name": row.source_name}
                    yield StoredAssessment(
                        id=row.id, site_id=row.site_id, assessment_date=row.assessment_date,
                        statuses=row.statuses, site=row.site,
                        notes=row.notes if with_private else {},
                        band=row.band, level=row.level, level_title=full.get("level_title"),
                        edd=full.get("edd", []), findings=found,
                        catalog_version=row.catalog_version, catalog_hash=row.catalog_hash,
                        **{k: v for k, v in full.items() if k not in ("level_title", "edd")},
                    )


def _lock_for_import(conn: Connection, engine: Engine) -> None:
    if conn.dialect.name == "postgresql":
        timeout_ms = int(getattr(engine, "_craft_lock_timeout", DEFAULT_TIMEOUT) * 1000)
        conn.execute(sa.text(f"SET LOCAL lock_timeout = {timeout_ms}"))
        # conflicts with itself, not with readers: imports queue like SQLite's BEGIN IMMEDIATE
        conn.execute(sa.text("LOCK TABLE assessments IN SHARE ROW EXCLUSIVE MODE"))


@dataclass
class ImportResult:
    source_name: str
    source_hash: str
    added: int = 0
    unchanged: int = 0
    replaced: int = 0
    import_id: int | None = None

    @property
    def total(self) -> int:
        return self.added + self.unchanged + self.replaced


class Importer:
    """Adds assessments inside an open import transaction, in executemany batches.

    `select` sorts each chunk of read assessments into new, unchanged and conflicting before
    anything is classified, so a file imported again costs a read and a lookup, no rules.
    """

    def __init__(self, conn: Connection, source_name: str, source_hash: str, replace: bool):
        self.conn = conn
        self.replace = replace
        self.result = ImportResult(source_name, source_hash)
        self.conflicts: list[Conflict] = []
        self._batch: list[Classification] = []
        self._pending: dict[tuple[str, date], tuple[str, int | None]] = {}  # key -> (hash, id replaced)
        crash = os.environ.get(CRASH_AFTER_ENV)
        self._crash_after = int(crash) if crash else None
        self._batch_size = min(BATCH, self._crash_after) if self._crash_after else BATCH

    def select(self, chunk: list[Assessment]) -> list[Assessment]:
        """The assessments of `chunk` to classify and store: new ones, and changed ones when
        replacing. Identical ones are counted; changed ones, without replace, are conflicts."""
        stored = {}
        site_ids = sorted({a.site_id for a in chunk})
        for start in range(0, len(site_ids), 500):
            rows = self.conn.execute(
                sa.select(assessments.c.id, assessments.c.site_id, assessments.c.assessment_date,
                          assessments.c.content_hash)
                .where(assessments.c.site_id.in_(site_ids[start:start + 500])))
            for row in rows:
                stored[(row.site_id, row.assessment_date)] = (row.id, row.content_hash)
        chosen = []
        for a in chunk:
            digest = content_hash(a.site_id, a.assessment_date, a.statuses, a.notes, a.site)
            old = stored.get((a.site_id, a.assessment_date))
            if old is not None and old[1] == digest:
                self.result.unchanged += 1
            elif old is not None and not self.replace:
                self.conflicts.append(Conflict(a.site_id, a.assessment_date, a.row))
            elif not self.conflicts:  # after a conflict nothing will be stored: stop classifying
                self._pending[(a.site_id, a.assessment_date)] = (digest, old[0] if old else None)
                chosen.append(a)
        return [] if self.conflicts else chosen

    def add(self, classification: Classification) -> None:
        self._batch.append(classification)
        if len(self._batch) >= self._batch_size:
            self._flush()

    def add_all(self, items: Iterable[Classification]) -> None:
        for c in items:
            self.add(c)

    def finish(self) -> None:
        if self.conflicts:
            raise ConflictError(self.result.source_name, self.conflicts)  # rolls the transaction back
        self._flush()
        if self.result.import_id is not None:
            self.conn.execute(imports.update().where(imports.c.id == self.result.import_id)
                              .values(added=self.result.added, replaced=self.result.replaced))

    def _import_id(self) -> int:
        # created with the first new assessment: an import that adds nothing leaves no trace
        if self.result.import_id is None:
            self.result.import_id = self.conn.execute(
                imports.insert().values(source_name=self.result.source_name,
                                        source_hash=self.result.source_hash,
                                        imported_at=datetime.now(timezone.utc), added=0, replaced=0)
                .returning(imports.c.id)).scalar_one()
        return self.result.import_id

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        if not batch or self.conflicts:
            return
        new = [(c, *self._pending.pop((c.site_id, c.assessment_date))) for c in batch]
        replaced_ids = [old for _, _, old in new if old is not None]
        if replaced_ids:
            for table, column in ((findings, findings.c.assessment_id),
                                  (classifications, classifications.c.assessment_id),
                                  (assessments, assessments.c.id)):
                self.conn.execute(table.delete().where(column.in_(replaced_ids)))
            self.result.replaced += len(replaced_ids)
        self._insert([(c, digest) for c, digest, _ in new])
        self.result.added += len(new) - len(replaced_ids)
        self._maybe_crash()

    def _insert(self, new: list[tuple[Classification, str]]) -> None:
        import_id = self._import_id()
        rows = [{
            "site_id": c.site_id, "assessment_date": c.assessment_date, "content_hash": digest,
            "import_id": import_id, "source_row": c.assessment.row, "statuses": c.assessment.statuses,
            "site": c.assessment.site, "notes": c.assessment.notes,
        } for c, digest in new]
        ids = self.conn.execute(
            assessments.insert().returning(assessments.c.id, sort_by_parameter_order=True), rows
        ).scalars().all()
        self.conn.execute(classifications.insert(), [{
            "assessment_id": aid, "band": c.band, "level": c.level, "level_title": c.level_title,
            "share_absent": c.share_absent, "edd": list(c.edd), "missing": list(c.missing),
            "catalog_version": c.catalog_version, "catalog_hash": c.catalog_hash,
            "bands_hash": c.bands_hash,
        } for aid, (c, _) in zip(ids, new)])
        finding_rows = [{
            "assessment_id": aid, "indicator": f.indicator, "status": f.status, "tier": f.tier,
            "subject": f.subject, "due_date": f.due_date, "progress_check_date": f.progress_check_date,
        } for aid, (c, _) in zip(ids, new) for f in c.findings]
        if finding_rows:
            self.conn.execute(findings.insert(), finding_rows)

    def _maybe_crash(self) -> None:
        if self._crash_after is None or self.result.added + self.result.replaced < self._crash_after:
            return
        sig = os.environ.get(CRASH_SIGNAL_ENV, "KILL").upper()
        os.kill(os.getpid(), signal.SIGINT if sig == "INT" else signal.SIGKILL)


def open_store(url: str | None = None, create: bool = True) -> Store:
    """Open (and on first use create and migrate) the history database at `url`.

    `create=False` refuses a SQLite file that does not exist yet, for commands that only read.
    """
    url = resolve_url(url)
    engine = make_engine(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        if not path.exists():
            if not create:
                engine.dispose()
                raise NotFoundError(Message(N_("no history database at %(path)s: import assessments first with "
                                       "`craft history import INPUT` (or name another with --db or "
                                       "CRAFT_DB)"), **{"path": path}))
            path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with _db_errors(url):
            version = _upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return Store(url, engine, version)


def site_view(site: dict[str, str], audience: str = "programme") -> dict[str, str]:
    """Site metadata for history outputs: `audience`'s view (the one redaction step in
    classifications.views), narrowed to the fields the policy lets every audience see. Progress
    reports circulate beyond the programme, so personal fields (the assessor, GPS, comments)
    stay in the database."""
    from .views import load_audience_policy, redact_record

    policy = load_audience_policy()
    view = redact_record({"site": dict(site)}, audience, policy)["site"]
    return {k: v for k, v in view.items() if all(policy.may_see(a, k) for a in policy.audiences)}

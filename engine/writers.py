"""Write classification views as CSV, JSON or a table, atomically."""
from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import IO, Iterable, Iterator

from .reader import METADATA_COLUMNS

FORMATS = ("table", "csv", "json")
LIST_SEPARATOR = ";"

CSV_COLUMNS = [
    "site_id", "assessment_date", "band", "level", "level_title", "share_absent", "edd",
    "findings", "missing", *METADATA_COLUMNS, "catalog_version", "catalog_hash",
]


@contextlib.contextmanager
def atomic_output(path: str | Path | None, stdout: IO[str]) -> Iterator[IO[str]]:
    """A file that appears at `path` only if the block succeeds (stdout when path is None)."""
    if path is None or str(path) == "-":
        # spool, so a problem found late in the input leaves standard output empty too
        with tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+", encoding="utf-8", newline="") as spool:
            yield spool
            spool.seek(0)
            shutil.copyfileobj(spool, stdout)
        return
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            yield fh


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside `path`, renamed to it only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it owner-only; an output gets the usual mode
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_directory(path: str | Path) -> Iterator[Path]:
    """A staging folder whose files are moved into `path` only if the block succeeds."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=path))
    try:
        yield staging
        for item in sorted(staging.rglob("*")):
            target = path / item.relative_to(staging)
            if item.is_dir():
                target.mkdir(parents=True, exist_ok=True)
            else:
                os.replace(item, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def flat_record(view: dict) -> dict:
    row = {
        "site_id": view["site_id"],
        "assessment_date": view["assessment_date"],
        "band": view["band"],
        "level": "" if view["level"] is None else view["level"],
        "level_title": view["level_title"] or "",
        "share_absent": "" if view["share_absent"] is None else view["share_absent"],
        "edd": LIST_SEPARATOR.join(view["edd"]),
        "findings": LIST_SEPARATOR.join(f["indicator"] for f in view["findings"]),
        "missing": LIST_SEPARATOR.join(view["missing"]),
        "catalog_version": view["catalog_version"],
        "catalog_hash": view["catalog_hash"],
    }
    for col in METADATA_COLUMNS:
        row[col] = view["site"].get(col, "")
    return row


def write_csv(views: Iterable[dict], out: IO[str]) -> int:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    n = 0
    for view in views:
        writer.writerow(flat_record(view))
        n += 1
    return n


def write_json(views: Iterable[dict], out: IO[str]) -> int:
    """A JSON list, written one object at a time."""
    n = 0
    out.write("[")
    for view in views:
        out.write(",\n" if n else "\n")
        out.write(json.dumps(view, ensure_ascii=False))
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n


TABLE_COLUMNS = ("site_id", "assessment_date", "band", "level", "edd", "findings", "missing")


def write_table(views: Iterable[dict], out: IO[str]) -> int:
    rows = []
    for view in views:
        rows.append({
            "site_id": view["site_id"],
            "assessment_date": view["assessment_date"],
            "band": view["band"],
            "level": "" if view["level"] is None else str(view["level"]),
            "edd": ", ".join(view["edd"]),
            "findings": str(len(view["findings"])),
            "missing": str(len(view["missing"])),
        })
    out.write(format_table(rows, TABLE_COLUMNS))
    return len(rows)


def format_table(rows: list[dict], columns: Iterable[str]) -> str:
    columns = list(columns)
    widths = {c: max([len(c)] + [len(str(r.get(c, ""))) for r in rows]) for c in columns}
    buf = io.StringIO()
    buf.write("  ".join(c.ljust(widths[c]) for c in columns).rstrip() + "\n")
    buf.write("  ".join("-" * widths[c] for c in columns) + "\n")
    for r in rows:
        buf.write("  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns).rstrip() + "\n")
    return buf.getvalue()


WRITERS = {"csv": write_csv, "json": write_json, "table": write_table}

"""Run the vector engine over an input: read in chunks, classify, write as it goes.

Memory stays flat whatever the input size: a chunk is read, checked, classified and written
before the next is taken (with at most a few chunks in flight over worker processes). What
grows is the duplicate index, 24 bytes an assessment. As with the rules engine, a problem
anywhere in the input stops all output: every problem is collected and InputError raised.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa

import pyarrow.parquet as pq

from classifications.results import Classification
from classifications.views import audience_view, load_audience_policy, redact_frame

from .frame_writers import ParquetSink, csv_header, encode_csv_rows, write_text
from .pipeline import Rulebook, ordered_map
from .reader import (_DUPLICATE_ORDER, PARQUET_SUFFIXES, AssessmentReader, CheckedFrame, DuplicateIndex, InputError, Problem,
                     check_frame, duplicate_problem, ordered_problems)
from .vector import CompiledRulebook, compile_rulebook
from .writers import CSV_COLUMNS, WRITERS, atomic_output, atomic_path, flat_record

VECTOR_CHUNK_ROWS = 100_000


def result_table(compiled: CompiledRulebook, checked: CheckedFrame, audience: str,
                 typed: bool = False) -> pa.Table:
    """The chunk's results as CSV_COLUMNS (text, as the CSV writes them; with `typed`, level and
    share_absent as numbers), redacted for the audience by classifications.views.redact_frame."""
    result = compiled.evaluate(checked.codes)
    keep = ~checked.blank
    n = int(keep.sum())
    columns = compiled.text_columns(result, keep)
    site = checked.site_frame()[keep]
    catalog = compiled.rulebook.catalog
    frame = {}
    for name in CSV_COLUMNS:
        if name in ("site_id", "assessment_date"):
            frame[name] = checked.text[name][keep]
        elif name in columns:
            frame[name] = columns[name].to_pandas()
        elif name in site.columns:
            frame[name] = site[name]
        elif name == "catalog_version":
            frame[name] = _constant(catalog.version, n)
        elif name == "catalog_hash":
            frame[name] = _constant(catalog.content_hash, n)
        # a metadata column the input lacks is blank for everyone: added after redaction
    frame = pd.DataFrame({k: v.reset_index(drop=True) for k, v in frame.items()})
    redacted = redact_frame(frame, audience)
    table = pa.Table.from_pandas(redacted, preserve_index=False)
    blank = pa.array([""], pa.string()).take(pa.array(np.zeros(n, dtype=np.int64)))
    table = pa.table({c: table[c] if c in table.column_names else blank for c in CSV_COLUMNS})
    if typed:
        for name, array in compiled.typed_columns(result, keep).items():
            table = table.set_column(table.schema.get_field_index(name), name, array)
    return table


def _constant(text: str, n: int) -> pd.Series:
    return pd.Series(pd.array([text], dtype="str").take(np.zeros(n, dtype=np.int64)))


# --- chunks over worker processes ---------------------------------------------------------


@dataclass
class _Done:
    """What a worker returns for a chunk: its cell problems, its (site, date) pairs hashed for
    the duplicate index (kept in the main process), and its result table unless it had problems."""

    problems: list[tuple[int, int, Problem]]
    rows: np.ndarray
    at: np.ndarray
    h1: np.ndarray
    h2: np.ndarray
    table: pa.Table | None


_worker: tuple[CompiledRulebook, str, bool] | None = None


def _init_worker(compiled: CompiledRulebook, audience: str, typed: bool) -> None:
    global _worker
    _worker = (compiled, audience, typed)


def _process(frame: pd.DataFrame, first_row: int) -> _Done:
    compiled, audience, typed = _worker
    checked = check_frame(frame, first_row, compiled.rulebook.catalog)
    at, h1, h2 = DuplicateIndex.pairs(checked)
    table = None if checked.problems else result_table(compiled, checked, audience, typed)
    return _Done(checked.problems, checked.rows, at, h1, h2, table)


def iter_result_tables(reader: AssessmentReader, compiled: CompiledRulebook, audience: str,
                       jobs: int = 1, typed: bool = False) -> Iterator[pa.Table]:
    """Result tables chunk by chunk, in input order, over `jobs` processes; InputError (after
    reading the whole input) when any cell is bad. Nothing is yielded after a problem."""
    duplicates = reader.duplicates

    def settle(frame: pd.DataFrame, done: _Done) -> pa.Table | None:
        found = duplicates.repeats(done.at, done.h1, done.h2, done.rows)
        dups = []
        if len(found[0]):
            site_ids = frame["site_id"].iloc[found[0]].astype("str").str.strip().tolist()
            dates = frame["assessment_date"].iloc[found[0]].astype("str").str.strip().tolist()
            dups = [(int(i), _DUPLICATE_ORDER, duplicate_problem(int(done.rows[i]), s, d, int(first)))
                    for i, s, d, first in zip(found[0], site_ids, dates, found[1])]
        reader.problems += ordered_problems(done.problems + dups)
        return None if reader.problems else done.table

    for (frame, _first_row), done in ordered_map(_process, reader.frames(), jobs, _init_worker,
                                                 (compiled, audience, typed), ahead=jobs):
        table = settle(frame, done)
        if table is not None:
            yield table
    if reader.problems:
        raise InputError(str(reader.path), reader.problems)


def iter_vector_classifications(reader: AssessmentReader, rulebook: Rulebook) -> Iterator[Classification]:
    """Classification objects from the vector engine (for JSON, tables and plans); InputError
    after reading the whole input when any cell is bad."""
    compiled = compile_rulebook(rulebook)
    for checked in reader.checked_frames():
        if not reader.problems:
            yield from compiled.classifications(checked, compiled.evaluate(checked.codes))
    if reader.problems:
        raise InputError(str(reader.path), reader.problems)


# --- writing ------------------------------------------------------------------------------


def write_csv_tables(tables: Iterable[pa.Table], out: IO[str]) -> int:
    out.write(csv_header())
    n = 0
    for table in tables:
        write_text(out, encode_csv_rows(table))
        n += table.num_rows
    return n


def write_parquet_tables(tables: Iterable[pa.Table], path: str | Path) -> int:
    """One Parquet file, written atomically (a temporary file renamed when complete)."""
    n = 0
    with atomic_path(path) as tmp:
        sink = ParquetSink(tmp)
        try:
            for table in tables:
                sink.write(table)
                n += table.num_rows
        finally:
            sink.close()
    return n


def views_as_tables(views: Iterable[dict], batch: int = 10_000) -> Iterator[pa.Table]:
    """The rules engine's views as result tables (its Parquet output), level and share typed."""
    rows = []
    for view in views:
        row = flat_record(view)
        row["level"] = view["level"]
        row["share_absent"] = view["share_absent"]
        rows.append(row)
        if len(rows) >= batch:
            yield _rows_table(rows)
            rows = []
    if rows:
        yield _rows_table(rows)


def _rows_table(rows: list[dict]) -> pa.Table:
    from .frame_writers import parquet_schema

    schema = parquet_schema()
    return pa.Table.from_pylist([{c: r[c] for c in schema.names} for r in rows], schema=schema)


# --- the classify command's two engines -------------------------------------------------------

ENGINES = ("auto", "rules", "vector")
CLASSIFY_FORMATS = ("table", "csv", "json", "parquet")


def estimated_rows(path: Path) -> int:
    """Rows in an input, roughly (CSV: about 150 bytes a row), without reading it."""
    try:
        suffix = path.suffix.lower()
        if suffix in PARQUET_SUFFIXES:
            return pq.ParquetFile(path).metadata.num_rows
        if suffix == ".csv":
            return path.stat().st_size // 150
    except (OSError, pa.ArrowException):
        pass
    return 0


def choose_engine(engine: str, path: Path, large_rows: int) -> str:
    """`auto`: the vector engine for large inputs and Parquet, the rules engine (of record) otherwise."""
    if engine != "auto":
        return engine
    if path.suffix.lower() in PARQUET_SUFFIXES or estimated_rows(path) > large_rows:
        return "vector"
    return "rules"


def classify_vector(input_path: Path, rulebook: Rulebook, fmt: str, output: Path | None, audience: str,
                    jobs: int, sheet: str | None, stdout: IO[str]) -> int:
    """`craft classify --engine vector`: CSV and Parquet from result tables; JSON and tables
    through the same views (classifications.views.audience_view) the rules engine writes."""
    reader = AssessmentReader(input_path, rulebook.catalog, sheet, chunk_rows=VECTOR_CHUNK_ROWS)
    compiled = compile_rulebook(rulebook)
    if fmt == "parquet":
        return write_parquet_tables(iter_result_tables(reader, compiled, audience, jobs, typed=True), output)
    with atomic_output(output, stdout) as out:
        if fmt == "csv":
            return write_csv_tables(iter_result_tables(reader, compiled, audience, jobs), out)
        policy = load_audience_policy()
        views = (audience_view(c, audience, rulebook.bands, policy)
                 for c in iter_vector_classifications(reader, rulebook))
        return WRITERS[fmt](views, out)


def write_rules_parquet(views: Iterable[dict], output: Path) -> int:
    """The rules engine's views as Parquet: the same table the vector engine writes."""
    return write_parquet_tables(views_as_tables(views), output)

"""Read field assessment tables (CSV, XLSX, JSON) and validate every cell.

Checks are declared as data (COLUMN_CHECKS) and every failure is collected, so a field team
sees all problems of a file at once: row, site, column, value and what is allowed.
"""
from __future__ import annotations

import csv
import difflib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from classifications.results import Assessment
from classifications.views import split_field_list
from risk_catalog import NOTE_SUFFIX, STATUSES, Catalog
from risk_catalog.mechanisms import find_mechanism, known_mechanism_names
from risk_catalog.messages import N_, Message

from .field_exports import FieldExportAdapter, csv_separator

REQUIRED_COLUMNS = ("site_id", "assessment_date")
METADATA_COLUMNS = (
    "site_name", "producer", "country", "region", "mineral",
    "organisation_type", "assessor", "upstream_mechanism",
    "latitude", "longitude", "comments", "private_fields",
)
# Fields a producer may mark private (in `private_fields`), hiding them from the programme too.
PRIVATE_MARKABLE = tuple(c for c in METADATA_COLUMNS if c != "private_fields")
STATUS_ALLOWED = Message(N_("%(statuses)s (any case), or blank for not_assessed"), **{"statuses": ", ".join(STATUSES)})
CHUNK_ROWS = 5000


@dataclass(frozen=True)
class Problem:
    row: int | None  # data rows count from 2 in CSV/XLSX (the header is row 1), from 1 in JSON
    site_id: str | None
    column: str | None
    value: str | None
    allowed: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.site_id:
            where.append(f"site {self.site_id}")
        if self.column:
            where.append(f"column {self.column}")
        head = ", ".join(where) or "input"
        value = "" if self.value is None else f": value {self.value!r}"
        return f"{head}{value}: {self.allowed}"

    def to_dict(self) -> dict:
        return {"row": self.row, "site_id": self.site_id, "column": self.column,
                "value": self.value, "allowed": self.allowed}


class InputError(Exception):
    """The input cannot be classified; `problems` lists every bad cell."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} problem(s) in the input")

    def report(self, limit: int | None = None) -> str:
        shown = self.problems if limit is None else self.problems[:limit]
        lines = [f"{self.source}: {len(self.problems)} problem(s); nothing was written."]
        lines += [f"  {p}" for p in shown]
        if len(shown) < len(self.problems):
            lines.append(f"  ... and {len(self.problems) - len(shown)} more (use --all-errors to see them)")
        return "\n".join(lines)


# --- cell checks, declared as data ------------------------------------------------------

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ALPHA2 = re.compile(r"^[A-Za-z]{2}$")


def parse_date(text: str) -> date | None:
    if not _DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _in_range(text: str, low: float, high: float) -> bool:
    try:
        number = float(text)
    except ValueError:
        return False
    return low <= number <= high


@dataclass(frozen=True)
class ColumnCheck:
    column: str
    is_valid: Callable[[str], bool]
    allowed: str
    required: bool = False  # blank is a problem


COLUMN_CHECKS = (
    ColumnCheck("site_id", lambda v: bool(v), N_("a site identifier is required"), required=True),
    ColumnCheck("assessment_date", lambda v: parse_date(v) is not None,
                N_("a real date written YYYY-MM-DD, e.g. 2024-03-15"), required=True),
    ColumnCheck("country", lambda v: not v or bool(_ALPHA2.match(v)),
                N_("a two-letter ISO 3166 alpha-2 country code, e.g. CO, or blank")),
    ColumnCheck("upstream_mechanism", lambda v: not v or find_mechanism(v) is not None,
                Message(N_("a known upstream mechanism (%(names)s) or blank"),
                **{"names": "; ".join(known_mechanism_names())})),
    ColumnCheck("latitude", lambda v: not v or _in_range(v, -90, 90),
                N_("decimal degrees between -90 and 90 (WGS84), e.g. 2.4448, or blank")),
    ColumnCheck("longitude", lambda v: not v or _in_range(v, -180, 180),
                N_("decimal degrees between -180 and 180 (WGS84), e.g. -76.6147, or blank")),
    ColumnCheck("private_fields", lambda v: all(f in PRIVATE_MARKABLE for f in split_field_list(v)),
                Message(N_("field names the producer keeps private, separated by ';', from: %(fields)s; or blank"),
                **{"fields": ", ".join(PRIVATE_MARKABLE)})),
)


# How a valid, non-blank metadata cell is written to every output (both engines use these).
SITE_NORMALISERS: dict[str, Callable[[str], str]] = {
    "country": str.upper,
    "private_fields": lambda v: ";".join(dict.fromkeys(split_field_list(v))),
    "upstream_mechanism": lambda v: find_mechanism(v).name,
}


def _arrow(values: pd.Series) -> pa.Array:
    """A text column as an Arrow array (no copy when it is Arrow-backed already)."""
    return pa.array(values.array, type=pa.large_string()) if len(values) else pa.array([], pa.large_string())


def _positions_in(values: pd.Series, choices: pa.Array) -> np.ndarray:
    """The position of each cell's value in `choices`, -1 where it is none of them."""
    return pc.index_in(_arrow(values), value_set=choices.cast(pa.large_string())).fill_null(-1).to_numpy()


def _per_distinct(values: pd.Series, func: Callable[[str], object]) -> np.ndarray:
    """func of every cell, computed once per distinct value (field data repeats a lot)."""
    distinct = pc.unique(_arrow(values))
    results = np.empty(len(distinct), dtype=object)
    results[:] = [func(v) for v in distinct.to_pylist()]
    return results[_positions_in(values, distinct)]


def known_columns(catalog: Catalog) -> list[str]:
    return [*REQUIRED_COLUMNS, *METADATA_COLUMNS, *catalog.ids, *(i + NOTE_SUFFIX for i in catalog.ids)]


def check_header(columns: list[str], catalog: Catalog) -> list[Problem]:
    problems = []
    known = known_columns(catalog)
    known_set = set(known)
    seen = set()
    for col in columns:
        if col in seen:
            problems.append(Problem(1, None, col, None, N_("this column appears twice in the header")))
        seen.add(col)
        if col in known_set:
            continue
        hint = difflib.get_close_matches(col, known, n=1, cutoff=0.6)
        allowed = (Message(N_("A column must be site_id, assessment_date, a metadata column (%(columns)s), an "
                      "indicator id from the catalog (see `craft catalog`) or <indicator id>%(suffix)s"),
                   **{"columns": ", ".join(METADATA_COLUMNS), "suffix": NOTE_SUFFIX}))
        problems.append(Problem(
            1, None, col, None,
            (Message(N_("unknown column: did you mean '%(hint)s'? %(allowed)s"), **{"hint": hint[0], "allowed": allowed})
             if hint else Message(N_("unknown column: %(allowed)s"), **{"allowed": allowed})),
        ))
    for col in REQUIRED_COLUMNS:
        if col not in seen:
            problems.append(Problem(None, None, col, None,
                                    Message(N_("the required column '%(column)s' is missing"), **{"column": col})))
    return problems


# --- reading ----------------------------------------------------------------------------


def _cell_text(value) -> str:
    """Cells as text; blanks, NaN and None become ''; Excel dates become YYYY-MM-DD."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, datetime) or isinstance(value, pd.Timestamp):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _frames(path: Path, sheet: str | None, chunk_rows: int) -> Iterator[tuple[pd.DataFrame, int]]:
    """Chunks of the input as all-text frames, with the row number of each chunk's first row."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from _csv_frames(path, chunk_rows)
    elif suffix in PARQUET_SUFFIXES:
        yield from _parquet_frames(path, chunk_rows)
    elif suffix in (".xlsx", ".xlsm"):
        frame = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, dtype=object,
                              engine="openpyxl")
        frame.columns = [_cell_text(c) for c in frame.columns]
        frame = frame.map(_cell_text) if hasattr(frame, "map") else frame.applymap(_cell_text)
        # a header-only sheet still yields one (empty) frame, so its header is checked
        for start in range(0, max(len(frame), 1), chunk_rows):
            yield frame.iloc[start:start + chunk_rows], start + 2
    elif suffix == ".json":
        with open(path, encoding="utf-8-sig") as fh:
            records = json.load(fh)
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise InputError(str(path), [Problem(None, None, None, None,
                                                 N_("a JSON input must be a list of objects, one per assessment"))])
        columns = list(dict.fromkeys(k for r in records for k in r))
        frame = pd.DataFrame([{k: _cell_text(r.get(k)) for k in columns} for r in records], columns=columns)
        for start in range(0, len(frame), chunk_rows):
            yield frame.iloc[start:start + chunk_rows], start + 1
    else:
        raise InputError(str(path), [Problem(None, None, None, path.suffix,
                                             N_("the input must be a .csv, .xlsx or .json file "
                                                "(or .parquet, for large data)"))])


PARQUET_SUFFIXES = (".parquet", ".pq")


def _csv_frames(path: Path, chunk_rows: int) -> Iterator[tuple[pd.DataFrame, int]]:
    """A CSV read by pyarrow in blocks (parsed on every core), every cell as text."""
    sep = csv_separator(path)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        names = next(csv.reader(fh, delimiter=sep), [])
    reader = pa_csv.open_csv(
        path,
        # about 300 bytes a row in a wide table; blocks of at least 1 MiB parse efficiently
        read_options=pa_csv.ReadOptions(block_size=int(min(max(chunk_rows * 300, 1 << 20), 1 << 26))),
        parse_options=pa_csv.ParseOptions(delimiter=sep, newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(column_types={n: pa.string() for n in names},
                                              strings_can_be_null=False, quoted_strings_can_be_null=False),
    )
    first, seen = 2, False
    for batch in reader:
        frame = _text_frame(batch)
        for start in range(0, len(frame), chunk_rows):
            yield frame.iloc[start:start + chunk_rows], first + start
        first += len(frame)
        seen = True
    if not seen:  # a header-only file: its header is still checked
        yield pd.DataFrame({n: pd.Series([], dtype="str") for n in reader.schema.names}), first


def _parquet_frames(path: Path, chunk_rows: int) -> Iterator[tuple[pd.DataFrame, int]]:
    """A Parquet file, row group by row group; rows count from 1 (there is no header row)."""
    parquet = pq.ParquetFile(path)
    first, seen = 1, False
    for batch in parquet.iter_batches(batch_size=chunk_rows):
        yield _text_frame(batch), first
        first += batch.num_rows
        seen = True
    if not seen:
        yield pd.DataFrame({n: pd.Series([], dtype="str") for n in parquet.schema_arrow.names}), first


def _text_frame(batch: pa.RecordBatch) -> pd.DataFrame:
    """A record batch as a frame of text columns ('' for null), as the other formats give."""
    frame = pd.DataFrame({k: _arrow_text(column).to_pandas() for k, column in enumerate(batch.columns)})
    frame.columns = batch.schema.names  # may repeat a name: check_header reports it
    return frame


def _arrow_text(column: pa.Array) -> pa.Array:
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        text = column
    elif pa.types.is_integer(kind) or pa.types.is_date32(kind) or pa.types.is_null(kind):
        text = column.cast(pa.string())  # a date casts as YYYY-MM-DD
    else:  # timestamps, floats, booleans: as the spreadsheet reader writes them
        text = pa.array([_cell_text(v) for v in column.to_pylist()], type=pa.string())
    return text.fill_null("")


class AssessmentReader:
    """Reads an input in chunks, validating as it goes; `problems` collects every failure."""

    def __init__(self, path: str | Path, catalog: Catalog, sheet: str | None = None,
                 chunk_rows: int | None = None):
        self.path = Path(path)
        self.catalog = catalog
        self.sheet = sheet
        self.chunk_rows = chunk_rows or CHUNK_ROWS
        self.problems: list[Problem] = []
        self.rows_read = 0
        self.duplicates = DuplicateIndex()
        self.field_export = FieldExportAdapter(catalog, known_columns(catalog),
                                               [*REQUIRED_COLUMNS, *METADATA_COLUMNS], list(PRIVATE_MARKABLE))

    def frames(self) -> Iterator[tuple[pd.DataFrame, int]]:
        """The input's chunks as text frames with the reader's column names, and the row number
        of each chunk's first row. This is where every engine first sees the header: header
        problems go to `problems`; rows are checked by check_frame."""
        if not self.path.exists():
            raise InputError(str(self.path), [Problem(None, None, None, None, N_("no such file"))])
        header_checked = False
        try:
            for frame, first_row in _frames(self.path, self.sheet, self.chunk_rows):
                frame.columns = [str(c).strip() for c in frame.columns]
                frame = self.field_export(frame)  # KoboToolbox / ODK headers -> the reader's columns
                if not header_checked:
                    self.problems += check_header(list(frame.columns), self.catalog)
                    header_checked = True
                    if any(p.row is None and p.column in REQUIRED_COLUMNS for p in self.problems):
                        return  # without site_id or date no row can be checked
                    if not frame.columns.is_unique:
                        return  # which of two same-named columns holds the answer is unknowable
                self.rows_read += len(frame)
                yield frame, first_row
        except UnicodeDecodeError:
            raise InputError(str(self.path), [_NOT_UTF8]) from None
        except (pd.errors.ParserError, json.JSONDecodeError, ValueError) as exc:
            if isinstance(exc, pa.ArrowInvalid) and "UTF8" in str(exc):
                raise InputError(str(self.path), [_NOT_UTF8]) from None
            raise InputError(str(self.path), [Problem(
                None, None, None, None,
                Message(N_("the file cannot be read as a table: %(error)s"), **{"error": exc}))]) from None
        if not header_checked:
            self.problems.append(Problem(None, None, None, None, N_("the file has no header row")))

    def checked_frames(self) -> Iterator["CheckedFrame"]:
        """Every chunk with every cell checked (duplicates across chunks too); problems, in row
        order, go to `problems`. Both engines read through here."""
        for frame, first_row in self.frames():
            checked = check_frame(frame, first_row, self.catalog)
            self.problems += ordered_problems(checked.problems + self.duplicates.check(checked))
            yield checked

    def chunks(self) -> Iterator[list[Assessment]]:
        """Validated assessments, chunk by chunk; nothing is yielded once a problem is found."""
        for checked in self.checked_frames():
            if not self.problems:
                yield checked.assessments(self.catalog)


# --- checking a chunk: one set of vectorised checks for both engines --------------------

_NOT_UTF8 = Problem(None, None, None, None, N_("the file is not UTF-8 text: save it as 'CSV UTF-8'"))
NOT_ASSESSED_CODE = STATUSES.index("not_assessed")
_STATUS_CHOICES = pa.array([*STATUSES, ""])  # a blank cell (the last entry) means not_assessed
_DUPLICATE_ORDER = 1 << 30  # in a row, the duplicate problem comes after every cell problem


@dataclass
class CheckedFrame:
    """One chunk after its checks: what both engines classify from."""

    raw: pd.DataFrame  # the cells as read (problems quote these)
    text: pd.DataFrame  # the cells with surrounding spaces removed
    rows: np.ndarray  # the input row number of each
    blank: np.ndarray  # rows with every cell blank: skipped, never classified
    codes: np.ndarray  # (rows, catalog indicators) index into STATUSES; -1 for a bad cell
    problems: list[tuple[int, int, Problem]]  # (position, check order, problem)

    def __len__(self) -> int:
        return len(self.text)

    def site_frame(self) -> pd.DataFrame:
        """The metadata columns present, as written to outputs ('' where blank)."""
        out = {}
        for column in METADATA_COLUMNS:
            if column not in self.text.columns:
                continue
            values = self.text[column]
            fix = SITE_NORMALISERS.get(column)
            if fix is not None:
                values = pd.Series(_per_distinct(values, lambda v: fix(v) if v else v),
                                   index=values.index, dtype="str")
            out[column] = values
        return pd.DataFrame(out, index=self.text.index)

    def statuses(self) -> np.ndarray:
        """The normalised status of every cell, as text."""
        return np.array(STATUSES, dtype=object)[self.codes]

    def assessments(self, catalog: Catalog) -> list[Assessment]:
        """The chunk's assessments as objects (the rules engine takes these)."""
        meta = {c: v.tolist() for c, v in self.site_frame().items()}
        notes = {c[: -len(NOTE_SUFFIX)]: self.text[c].tolist()
                 for c in self.text.columns if c.endswith(NOTE_SUFFIX)}
        statuses = self.statuses()
        site_ids = self.text["site_id"].tolist()
        dates = self.text["assessment_date"].tolist()
        ids = catalog.ids
        out = []
        for i in np.flatnonzero(~self.blank):
            out.append(Assessment(
                site_id=site_ids[i],
                assessment_date=date.fromisoformat(dates[i]),
                statuses=dict(zip(ids, statuses[i].tolist())),
                site={c: v[i] for c, v in meta.items() if v[i]},
                notes={iid: n[i] for iid, n in notes.items() if n[i]},
                row=int(self.rows[i]),
            ))
        return out


def check_frame(frame: pd.DataFrame, first_row: int, catalog: Catalog) -> CheckedFrame:
    """Every cell check of a chunk (COLUMN_CHECKS, then statuses), vectorised; duplicates of
    (site_id, assessment_date) are DuplicateIndex's job, as they span chunks."""
    raw = frame.reset_index(drop=True)
    text = raw.apply(lambda col: col.astype("str").str.strip()) if len(raw.columns) else raw
    blank = (text == "").all(axis=1).to_numpy()
    rows = np.arange(first_row, first_row + len(raw), dtype=np.int64)
    site_ids = text["site_id"]
    problems: list[tuple[int, int, Problem]] = []

    def bad(mask: np.ndarray, column: str, allowed: str, order: int) -> None:
        for i in np.flatnonzero(mask & ~blank):
            problems.append((int(i), order, Problem(int(rows[i]), site_ids.iat[i] or None, column,
                                                    str(raw[column].iat[i]), allowed)))

    order = 0
    for check in COLUMN_CHECKS:
        order += 1
        if check.column in text.columns:
            ok = _per_distinct(text[check.column], check.is_valid).astype(bool)
            bad(~ok, check.column, check.allowed, order)

    codes = np.full((len(raw), len(catalog.ids)), NOT_ASSESSED_CODE, dtype=np.int8)
    for k, iid in enumerate(catalog.ids):
        order += 1
        if iid not in text.columns:
            continue  # a missing column means not_assessed
        found = _positions_in(text[iid].str.lower(), _STATUS_CHOICES)
        bad(found < 0, iid, Message(N_("one of %(allowed)s"), **{"allowed": STATUS_ALLOWED}), order)
        codes[:, k] = np.where(found == len(STATUSES), NOT_ASSESSED_CODE, found)
    return CheckedFrame(raw, text, rows, blank, codes, problems)


def ordered_problems(problems: list[tuple[int, int, Problem]]) -> list[Problem]:
    """Row by row; in a row, in the order the checks are declared."""
    return [p for _, _, p in sorted(problems, key=lambda p: (p[0], p[1]))]


class DuplicateIndex:
    """The (site_id, assessment_date) pairs seen so far, to report a second assessment of a
    site on one date with the row of the first. Pairs are kept as 128-bit hashes (two 64-bit
    hashes, sorted), 24 bytes a pair with the row, so the index stays small at millions of rows."""

    _KEYS = ("craft-mes-dup-k1", "craft-mes-dup-k2")  # two independent 16-byte hash keys

    def __init__(self):
        self.h1 = np.empty(0, np.uint64)
        self.h2 = np.empty(0, np.uint64)
        self.first = np.empty(0, np.int64)

    @classmethod
    def hashes(cls, site_ids: pd.Series, dates: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        keys = pd.DataFrame({"s": site_ids.to_numpy(dtype=object), "d": dates.to_numpy(dtype=object)})
        return tuple(pd.util.hash_pandas_object(keys, index=False, hash_key=k).to_numpy()
                     for k in cls._KEYS)

    def lookup(self, h1: np.ndarray, h2: np.ndarray) -> np.ndarray:
        """The first row of each pair, or -1 for a pair not seen."""
        found = np.full(len(h1), -1, np.int64)
        if not len(self.h1) or not len(h1):
            return found
        at = np.searchsorted(self.h1, h1)
        inside = at < len(self.h1)
        at_c = np.minimum(at, len(self.h1) - 1)
        same1 = inside & (self.h1[at_c] == h1)
        hit = same1 & (self.h2[at_c] == h2)
        found[hit] = self.first[at_c[hit]]
        for i in np.flatnonzero(same1 & ~hit):  # equal first hashes, other pair: vanishingly rare
            j = at[i]
            while j < len(self.h1) and self.h1[j] == h1[i]:
                if self.h2[j] == h2[i]:
                    found[i] = self.first[j]
                    break
                j += 1
        return found

    def add(self, h1: np.ndarray, h2: np.ndarray, rows: np.ndarray) -> None:
        order = np.argsort(h1, kind="stable")
        h1, h2, rows = h1[order], h2[order], rows[order]
        at = np.searchsorted(self.h1, h1)
        self.h1 = np.insert(self.h1, at, h1)
        self.h2 = np.insert(self.h2, at, h2)
        self.first = np.insert(self.first, at, rows)

    @classmethod
    def pairs(cls, checked: CheckedFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions in the chunk that carry a pair (not blank, with a site id), and their hashes."""
        at = np.flatnonzero(~checked.blank & (checked.text["site_id"] != "").to_numpy())
        h1, h2 = cls.hashes(checked.text["site_id"].iloc[at], checked.text["assessment_date"].iloc[at])
        return at, h1, h2

    def repeats(self, at: np.ndarray, h1: np.ndarray, h2: np.ndarray,
                rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Adds a chunk's pairs (at: their positions, rows: the chunk's row numbers); gives the
        positions of pairs seen before, in this chunk or an earlier one, and each one's first row."""
        if not len(at):
            return at, at
        again = pd.DataFrame({"a": h1, "b": h2}).duplicated(keep="first").to_numpy()
        # the first position of each pair inside the chunk
        first_here = pd.Series(np.arange(len(at))).groupby([h1, h2], sort=False).transform("first").to_numpy()
        earlier = self.lookup(h1, h2)
        first_row = np.where(earlier >= 0, earlier, rows[at[first_here]])
        seen = (earlier >= 0) | again
        new = ~again & (earlier < 0)
        self.add(h1[new], h2[new], rows[at[new]])
        return at[seen], first_row[seen]

    def check(self, checked: CheckedFrame) -> list[tuple[int, int, Problem]]:
        positions, first_rows = self.repeats(*self.pairs(checked), checked.rows)
        dates = checked.text["assessment_date"]
        site_ids = checked.text["site_id"]
        return [(int(i), _DUPLICATE_ORDER, duplicate_problem(
                    int(checked.rows[i]), site_ids.iat[i], dates.iat[i], int(first)))
                for i, first in zip(positions, first_rows)]


def duplicate_problem(row: int, site_id: str, assessment_date: str, first_row: int | str) -> Problem:
    return Problem(row, site_id, "assessment_date", assessment_date,
                   Message(N_("a second assessment of this site on this date (first at row %(row)s); "
                      "each (site_id, assessment_date) must appear once"), **{"row": first_row}))


def read_assessments(path: str | Path, catalog: Catalog, sheet: str | None = None) -> list[Assessment]:
    """Every assessment of a file, or InputError listing every problem."""
    reader = AssessmentReader(path, catalog, sheet)
    out = [a for chunk in reader.chunks() for a in chunk]
    if reader.problems:
        raise InputError(str(path), reader.problems)
    return out

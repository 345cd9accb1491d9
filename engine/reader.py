"""Read field assessment tables (CSV, XLSX, JSON) and validate every cell.

Checks are declared as data (COLUMN_CHECKS) and every failure is collected, so a field team
sees all problems of a file at once: row, site, column, value and what is allowed.
"""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd

from classifications.results import Assessment
from risk_catalog import STATUSES, Catalog
from risk_catalog.mechanisms import find_mechanism, known_mechanism_names

REQUIRED_COLUMNS = ("site_id", "assessment_date")
METADATA_COLUMNS = (
    "site_name", "producer", "country", "region", "mineral",
    "organisation_type", "assessor", "upstream_mechanism",
)
NOTE_SUFFIX = "__note"
STATUS_ALLOWED = ", ".join(STATUSES) + " (any case), or blank for not_assessed"
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


def _parse_date(text: str) -> date | None:
    if not _DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class ColumnCheck:
    column: str
    is_valid: Callable[[str], bool]
    allowed: str
    required: bool = False  # blank is a problem


COLUMN_CHECKS = (
    ColumnCheck("site_id", lambda v: bool(v), "a site identifier is required", required=True),
    ColumnCheck("assessment_date", lambda v: _parse_date(v) is not None,
                "a real date written YYYY-MM-DD, e.g. 2024-03-15", required=True),
    ColumnCheck("country", lambda v: not v or bool(_ALPHA2.match(v)),
                "a two-letter ISO 3166 alpha-2 country code, e.g. CO, or blank"),
    ColumnCheck("upstream_mechanism", lambda v: not v or find_mechanism(v) is not None,
                "a known upstream mechanism (" + "; ".join(known_mechanism_names()) + ") or blank"),
)


def known_columns(catalog: Catalog) -> list[str]:
    return [*REQUIRED_COLUMNS, *METADATA_COLUMNS, *catalog.ids, *(i + NOTE_SUFFIX for i in catalog.ids)]


def check_header(columns: list[str], catalog: Catalog) -> list[Problem]:
    problems = []
    known = known_columns(catalog)
    known_set = set(known)
    seen = set()
    for col in columns:
        if col in seen:
            problems.append(Problem(1, None, col, None, "this column appears twice in the header"))
        seen.add(col)
        if col in known_set:
            continue
        hint = difflib.get_close_matches(col, known, n=1, cutoff=0.6)
        suggestion = f"did you mean '{hint[0]}'? " if hint else ""
        problems.append(Problem(
            1, None, col, None,
            f"unknown column: {suggestion}A column must be site_id, assessment_date, a metadata "
            f"column ({', '.join(METADATA_COLUMNS)}), an indicator id from the catalog "
            f"(see `craft catalog`) or <indicator id>{NOTE_SUFFIX}",
        ))
    for col in REQUIRED_COLUMNS:
        if col not in seen:
            problems.append(Problem(None, None, col, None, f"the required column '{col}' is missing"))
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
        reader = pd.read_csv(
            path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig",
            chunksize=chunk_rows, skip_blank_lines=True,
        )
        first = 2
        for chunk in reader:
            yield chunk, first
            first += len(chunk)
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
                                                 "a JSON input must be a list of objects, one per assessment")])
        columns = list(dict.fromkeys(k for r in records for k in r))
        frame = pd.DataFrame([{k: _cell_text(r.get(k)) for k in columns} for r in records], columns=columns)
        for start in range(0, len(frame), chunk_rows):
            yield frame.iloc[start:start + chunk_rows], start + 1
    else:
        raise InputError(str(path), [Problem(None, None, None, path.suffix,
                                             "the input must be a .csv, .xlsx or .json file")])


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
        self._keys: dict[tuple[str, str], int] = {}

    def chunks(self) -> Iterator[list[Assessment]]:
        """Validated assessments, chunk by chunk; nothing is yielded once a problem is found."""
        if not self.path.exists():
            raise InputError(str(self.path), [Problem(None, None, None, None, "no such file")])
        header_checked = False
        try:
            for frame, first_row in _frames(self.path, self.sheet, self.chunk_rows):
                if not header_checked:
                    frame.columns = [str(c).strip() for c in frame.columns]
                    self.problems += check_header(list(frame.columns), self.catalog)
                    header_checked = True
                    if any(p.column in REQUIRED_COLUMNS and p.row is None for p in self.problems):
                        return  # without site_id or date no row can be checked
                else:
                    frame.columns = [str(c).strip() for c in frame.columns]
                chunk = self._validate(frame, first_row)
                self.rows_read += len(frame)
                if not self.problems:
                    yield chunk
        except UnicodeDecodeError:
            raise InputError(str(self.path), [Problem(None, None, None, None,
                                                      "the file is not UTF-8 text: save it as 'CSV UTF-8'")]) from None
        except (pd.errors.ParserError, json.JSONDecodeError, ValueError) as exc:
            raise InputError(str(self.path), [Problem(None, None, None, None,
                                                      f"the file cannot be read as a table: {exc}")]) from None
        if not header_checked:
            self.problems.append(Problem(None, None, None, None, "the file has no header row"))

    def _validate(self, frame: pd.DataFrame, first_row: int) -> list[Assessment]:
        frame = frame.reset_index(drop=True)
        blank = (frame.apply(lambda col: col.str.strip()) == "").all(axis=1)
        site_ids = frame["site_id"].str.strip()
        rows = pd.RangeIndex(first_row, first_row + len(frame))
        problems: list[tuple[int, Problem]] = []

        def bad(mask, column, allowed):
            for i in mask[mask & ~blank].index:
                problems.append((i, Problem(int(rows[i]), site_ids[i] or None, column,
                                            str(frame.at[i, column]), allowed)))

        for check in COLUMN_CHECKS:
            if check.column not in frame.columns:
                continue
            values = frame[check.column].str.strip()
            ok = values.map(check.is_valid)
            bad(~ok, check.column, check.allowed)

        statuses = {}
        for iid in self.catalog.ids:
            if iid not in frame.columns:
                statuses[iid] = None  # a missing column means not_assessed
                continue
            norm = frame[iid].str.strip().str.lower().replace("", "not_assessed")
            bad(~norm.isin(STATUSES), iid, f"one of {STATUS_ALLOWED}")
            statuses[iid] = norm.tolist()

        dates = frame["assessment_date"].str.strip()
        for i in range(len(frame)):
            if blank[i] or not site_ids[i]:
                continue
            key = (site_ids[i], dates[i])
            if key in self._keys:
                problems.append((i, Problem(int(rows[i]), site_ids[i], "assessment_date", dates[i],
                                            f"a second assessment of this site on this date "
                                            f"(first at row {self._keys[key]}); each (site_id, "
                                            f"assessment_date) must appear once")))
            else:
                self._keys[key] = int(rows[i])

        problems.sort(key=lambda p: p[0])
        self.problems += [p for _, p in problems]
        if self.problems:
            return []

        meta_cols = [c for c in METADATA_COLUMNS if c in frame.columns]
        note_cols = [c for c in frame.columns if c.endswith(NOTE_SUFFIX)]
        meta = {c: frame[c].str.strip().tolist() for c in meta_cols}
        notes = {c[: -len(NOTE_SUFFIX)]: frame[c].tolist() for c in note_cols}
        ids = self.catalog.ids
        out = []
        for i in range(len(frame)):
            if blank[i]:
                continue
            site = {c: meta[c][i] for c in meta_cols if meta[c][i]}
            if "country" in site:
                site["country"] = site["country"].upper()
            if "upstream_mechanism" in site:
                site["upstream_mechanism"] = find_mechanism(site["upstream_mechanism"]).name
            out.append(Assessment(
                site_id=site_ids[i],
                assessment_date=date.fromisoformat(dates[i]),
                statuses={iid: ("not_assessed" if statuses[iid] is None else statuses[iid][i]) for iid in ids},
                site=site,
                notes={iid: n[i].strip() for iid, n in notes.items() if n[i].strip()},
                row=int(rows[i]),
            ))
        return out


def read_assessments(path: str | Path, catalog: Catalog, sheet: str | None = None) -> list[Assessment]:
    """Every assessment of a file, or InputError listing every problem."""
    reader = AssessmentReader(path, catalog, sheet)
    out = [a for chunk in reader.chunks() for a in chunk]
    if reader.problems:
        raise InputError(str(path), reader.problems)
    return out

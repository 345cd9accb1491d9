"""Write a buyer's screening as HTML, CSV (one file per group) and XLSX (one sheet per group).

Takes the screening's plain tables only; they were built from buyer views, already redacted.
"""
from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path
from typing import Iterable

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from .plans import make_environment

SCREEN_FORMATS = ("html", "csv", "xlsx")
# Spreadsheet formulas in supplier data must stay text (CSV/formula injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Excel refuses these in sheet names, and names over 31 characters
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def spreadsheet_text(value):
    """A cell value that a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def write_screening_csv(tables: dict, sheets: Iterable[tuple], folder: Path) -> list[Path]:
    written = []
    for key, _title, columns in sheets:
        target = folder / f"screening_{key}.csv"
        with open(target, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
            writer.writeheader()
            for row in tables[key]:
                writer.writerow({c: spreadsheet_text(row.get(c, "")) for c in columns})
        written.append(target)
    return written


def sheet_title(title: str, taken: Iterable[str] = ()) -> str:
    """A title Excel accepts (any language): no []:*?/\\, at most 31 characters, not blank
    or quoted at either end, distinct from `taken` (case ignored)."""
    name = " ".join(_SHEET_FORBIDDEN.sub("-", title).split()).strip("'")[:31].strip() or "Sheet"
    taken = {t.casefold() for t in taken}
    base, n = name, 2
    while name.casefold() in taken:
        suffix = f" ({n})"
        name, n = base[:31 - len(suffix)].rstrip() + suffix, n + 1
    return name


def write_screening_xlsx(tables: dict, sheets: Iterable[tuple], target: Path) -> Path:
    """One sheet per group, headers frozen and filterable."""
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="F3F3F3")
    for key, title, columns in sheets:
        sheet = book.create_sheet(sheet_title(title, book.sheetnames))
        sheet.append(list(columns))
        for cell in sheet[1]:
            cell.font, cell.fill = bold, fill
        for row in tables[key]:
            sheet.append([spreadsheet_text(row.get(c, "")) for c in columns])
        sheet.freeze_panes = "A2"
        last = get_column_letter(len(columns))
        sheet.auto_filter.ref = f"A1:{last}{max(sheet.max_row, 1)}"
        for i, column in enumerate(columns, start=1):
            longest = max([len(column)] + [len(str(r.get(column, ""))) for r in tables[key][:200]])
            sheet.column_dimensions[get_column_letter(i)].width = min(max(10, longest + 2), 60)
    book.save(target)
    return target


def render_screening_html(screening, catalog: dict, env=None, lang: str | None = None) -> str:
    env = env or make_environment(lang)
    return env.get_template("screening.html").render(
        screening=screening, tables=screening.tables, catalog=catalog, generated=date.today())


def write_screening(screening, sheets, catalog: dict, folder: Path, formats: Iterable[str],
                    lang: str | None = None) -> list[Path]:
    """Every chosen format into `folder` (a staging folder the caller commits). `sheets` carry
    their titles in `lang` (classifications.screening.localized_sheets)."""
    written = []
    formats = list(formats)
    if "html" in formats:
        target = folder / "screening.html"
        target.write_text(render_screening_html(screening, catalog, lang=lang), encoding="utf-8")
        written.append(target)
    if "csv" in formats:
        written += write_screening_csv(screening.tables, sheets, folder)
    if "xlsx" in formats:
        written.append(write_screening_xlsx(screening.tables, sheets, folder / "screening.xlsx"))
    return written

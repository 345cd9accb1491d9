"""Shared fixtures: the bundled catalog, a CLI runner, and input files built in tmp_path."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from risk_catalog import load_catalog


def _full_rows(catalog, rows: list[dict], default: str) -> list[dict]:
    full = []
    for overrides in rows:
        row = {"site_id": "S1", "assessment_date": "2024-03-15"}
        row.update({iid: default for iid in catalog.ids})
        row.update(overrides)
        full.append(row)
    return full


@pytest.fixture
def craft_catalog():
    """The bundled risk catalog."""
    return load_catalog()


@pytest.fixture
def craft_runner():
    return CliRunner()


@pytest.fixture
def write_assessments(tmp_path, craft_catalog):
    """Write assessments to tmp_path/<name>: .csv, .json (a list of objects) or .xlsx.

    Every catalog indicator is set to `default` ("absent") unless a row overrides it; site_id
    defaults to S1 and assessment_date to 2024-03-15. `drop` removes columns from the header;
    `columns` fixes the column order (extra columns of the rows are appended).
    """

    def write(rows: list[dict], name: str = "input.csv", *, default: str = "absent",
              drop: tuple[str, ...] = (), encoding: str = "utf-8", columns: list[str] | None = None,
              sheet_title: str | None = None) -> Path:
        path = tmp_path / name
        full = _full_rows(craft_catalog, rows, default)
        header = list(columns or ["site_id", "assessment_date", *craft_catalog.ids])
        header += [k for r in full for k in r if k not in header]
        header = [c for c in dict.fromkeys(header) if c not in drop]
        full = [{c: r.get(c, "") for c in header} for r in full]
        suffix = path.suffix.lower()
        if suffix == ".csv":
            with open(path, "w", newline="", encoding=encoding) as fh:
                writer = csv.DictWriter(fh, fieldnames=header)
                writer.writeheader()
                writer.writerows(full)
        elif suffix == ".json":
            path.write_text(json.dumps(full, default=str), encoding=encoding)
        elif suffix == ".xlsx":
            import openpyxl

            wb = openpyxl.Workbook()
            ws = wb.active
            if sheet_title:
                ws.title = sheet_title
            ws.append(header)
            for r in full:
                ws.append([r[c] for c in header])
            wb.save(path)
        else:
            raise ValueError(f"unsupported test input {name}")
        return path

    return write


@pytest.fixture
def catalog_copy(tmp_path):
    """Copy the bundled catalog folder into tmp_path, optionally editing its indicator files.

    `edit` receives {file name: list of indicator mappings} and changes it in place.
    """
    import shutil

    import yaml

    from risk_catalog import BUNDLED_CATALOG

    def make(edit=None, name: str = "catalog") -> Path:
        dest = tmp_path / name
        shutil.copytree(BUNDLED_CATALOG, dest)
        if edit is not None:
            folder = dest / "indicators"
            files = {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.yaml"))}
            edit(files)
            for fname, items in files.items():
                (folder / fname).write_text(yaml.safe_dump(items, sort_keys=False, allow_unicode=True),
                                            encoding="utf-8")
        return dest

    return make

"""Read classification results written by `craft classify --format json`, so a buyer can screen
what suppliers sent without ever holding their raw assessments. Whatever audience the file was
written for, the records are redacted for the buyer on the way in."""
from __future__ import annotations

import json
from pathlib import Path

from classifications.bands import BandDefinitions
from classifications.views import redact_record
from risk_catalog.mechanisms import find_mechanism, known_mechanism_names
from risk_catalog.messages import N_, Message

from .reader import InputError, Problem, parse_date


def is_results_file(path: str | Path) -> bool:
    """True for a JSON list of classification results (objects with a `band`)."""
    path = Path(path)
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    try:
        with open(path, encoding="utf-8-sig") as fh:
            data = json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(data, list) and bool(data) and isinstance(data[0], dict) and "band" in data[0]


def _is_date(value) -> bool:
    return isinstance(value, str) and parse_date(value) is not None


def _list_of_str(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _findings_ok(value) -> bool:
    return isinstance(value, list) and all(
        isinstance(f, dict) and isinstance(f.get("indicator"), str) and isinstance(f.get("title"), str)
        and isinstance(f.get("tier"), str) and (f.get("due_date") is None or _is_date(f["due_date"]))
        for f in value)


def read_result_views(path: str | Path, bands: BandDefinitions, audience: str = "buyer") -> list[dict]:
    """Every record of a results file as `audience` may see it, or InputError listing every problem."""
    path = Path(path)
    with open(path, encoding="utf-8-sig") as fh:
        records = json.load(fh)
    band_ids = list(bands.bands)
    checks = (  # field, is it valid, what is allowed
        ("site_id", lambda v: isinstance(v, str) and bool(v.strip()), N_("a site identifier")),
        ("assessment_date", _is_date, N_("a date written YYYY-MM-DD")),
        ("band", lambda v: v in band_ids, Message(N_("one of %(allowed)s"), **{"allowed": ", ".join(band_ids)})),
        ("level", lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool)), N_("a whole number or null")),
        ("findings", _findings_ok, N_("a list of findings, each with indicator, title and tier")),
        ("edd", _list_of_str, N_("a list of indicator ids")),
        ("missing", _list_of_str, N_("a list of indicator ids")),
        ("site", lambda v: isinstance(v, dict), N_("an object of site fields")),
    )
    problems: list[Problem] = []
    seen: dict[tuple, int] = {}
    for n, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            problems.append(Problem(n, None, None, str(record)[:40], N_("each result must be a JSON object")))
            continue
        site_id = record.get("site_id") if isinstance(record.get("site_id"), str) else None
        for name, ok, allowed in checks:
            value = record.get(name)
            if not ok(value):
                shown = None if value is None and name not in record else json.dumps(value, ensure_ascii=False)[:60]
                problems.append(Problem(n, site_id, name, shown,
                                        Message(N_("%(allowed)s (as `craft classify --format json` writes it)"),
                                        **{"allowed": allowed})))
        site = record.get("site") if isinstance(record.get("site"), dict) else {}
        mechanism = site.get("upstream_mechanism")
        if mechanism and find_mechanism(str(mechanism)) is None:
            problems.append(Problem(n, site_id, "site.upstream_mechanism", str(mechanism),
                                    Message(N_("a known upstream mechanism (%(names)s) or blank"),
                                    **{"names": "; ".join(known_mechanism_names())})))
        key = (site_id, record.get("assessment_date"))
        if site_id and key in seen:
            problems.append(Problem(n, site_id, "assessment_date", str(key[1]),
                                    Message(N_("a second result for this site on this date (first at record %(record)s)"),
                                    **{"record": seen[key]})))
        seen.setdefault(key, n)
    if problems:
        raise InputError(str(path), problems)
    views = []
    for record in records:
        band = bands.bands[record["band"]]
        record.setdefault("band_title", band.title)
        record.setdefault("band_summary", band.summary)
        record.setdefault("not_assessed", list(record["missing"]))
        views.append(redact_record(record, audience))
    return views

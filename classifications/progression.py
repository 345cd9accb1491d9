"""Progression over repeated assessments: timelines, mitigation items and portfolio series.

Pure functions over stored rows (classifications.history.StoredAssessment); no database here.

A mitigation item opens when a finding that carries a due date (a mitigation indicator: the
catalog's deadline_days) first appears at a site, and is due on the date stored with that
finding. It closes when a later assessment finds the indicator `absent`; `not_assessed` keeps
it open. Still not closed after its due date, it is overdue, and OECD Annex II applies: the site
is recommended for suspension. A risk found again after closing opens a new item.
"""
from __future__ import annotations

import calendar
import itertools
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

import yaml

from .history import StoredAssessment

ABSENT = "absent"
ITEM_STATUSES = ("overdue", "open", "closed")  # the order reports list them in
PROGRESSION_DATA = Path(__file__).parent / "data" / "progression.yaml"


SOURCE_LANGUAGE = "en"


@lru_cache(maxsize=1)
def _progression_data() -> dict:
    return yaml.safe_load(PROGRESSION_DATA.read_text(encoding="utf-8"))


def policy_languages() -> list[str]:
    """English and every language data/progression.yaml translates the overdue policy into."""
    return [SOURCE_LANGUAGE, *sorted((_progression_data().get("translations") or {}))]


@lru_cache(maxsize=8)
def overdue_policy(lang: str = SOURCE_LANGUAGE) -> dict[str, str]:
    """The recommendation and its reason for overdue mitigation (data/progression.yaml), in
    `lang` for what people read; a text the translation lacks stays English. Machine outputs
    (JSON, CSV) use the English text."""
    data = _progression_data()
    english = data["overdue"]
    translated = ((data.get("translations") or {}).get(lang) or {}).get("overdue") or {}
    return {key: " ".join(str(translated.get(key) or english[key]).split())
            for key in ("recommendation", "reason")}


@dataclass(frozen=True)
class MitigationItem:
    site_id: str
    indicator: str
    subject: str
    opened: date
    due: date
    closed: date | None
    last_assessed: date
    last_status: str
    status: str  # open, overdue or closed, as of `as_of`
    as_of: date

    @property
    def days_overdue(self) -> int | None:
        return (self.as_of - self.due).days if self.status == "overdue" else None

    @property
    def closed_late(self) -> bool:
        return self.closed is not None and self.closed > self.due

    def to_dict(self) -> dict:
        out = {
            "site_id": self.site_id, "indicator": self.indicator, "subject": self.subject,
            "status": self.status, "opened": self.opened.isoformat(), "due": self.due.isoformat(),
            "closed": self.closed.isoformat() if self.closed else None,
            "closed_late": self.closed_late,
            "last_assessed": self.last_assessed.isoformat(), "last_status": self.last_status,
            "days_overdue": self.days_overdue, "recommendation": None,
        }
        if self.status == "overdue":
            out["recommendation"] = overdue_policy()["recommendation"]
        return out


def _sorted(history: Iterable[StoredAssessment], as_of: date | None) -> list[StoredAssessment]:
    rows = sorted(history, key=lambda a: a.assessment_date)
    return [a for a in rows if as_of is None or a.assessment_date <= as_of]


def site_items(history: Iterable[StoredAssessment], as_of: date) -> list[MitigationItem]:
    """The mitigation items of one site's assessments, as of `as_of` (later ones are ignored)."""
    rows = _sorted(history, as_of)
    items: list[MitigationItem] = []
    open_items: dict[str, dict] = {}
    for a in rows:
        # close or carry what is open
        for indicator, item in list(open_items.items()):
            status = a.statuses.get(indicator, "not_assessed")
            item["last_assessed"], item["last_status"] = a.assessment_date, status
            if status == ABSENT:
                item["closed"] = a.assessment_date
                items.append(_item(item, as_of))
                del open_items[indicator]
        for f in a.findings:
            if f.due_date is None or f.indicator in open_items:
                continue
            open_items[f.indicator] = {
                "site_id": a.site_id, "indicator": f.indicator, "subject": f.subject,
                "opened": a.assessment_date, "due": f.due_date, "closed": None,
                "last_assessed": a.assessment_date, "last_status": f.status,
            }
    items.extend(_item(item, as_of) for item in open_items.values())
    items.sort(key=lambda i: (i.opened, i.indicator))
    return items


def _item(fields: dict, as_of: date) -> MitigationItem:
    if fields["closed"] is not None:
        status = "closed"
    elif as_of > fields["due"]:
        status = "overdue"
    else:
        status = "open"
    return MitigationItem(status=status, as_of=as_of, **fields)


def by_site(assessments: Iterable[StoredAssessment]) -> Iterator[tuple[str, list[StoredAssessment]]]:
    """Group a stream ordered by site (as Store.iter_assessments gives it) into histories."""
    for site_id, group in itertools.groupby(assessments, key=lambda a: a.site_id):
        yield site_id, list(group)


def due_items(assessments: Iterable[StoredAssessment], as_of: date) -> list[MitigationItem]:
    """Every site's mitigation items, overdue first, then open, then closed."""
    items = [i for _, history in by_site(assessments) for i in site_items(history, as_of)]
    rank = {s: n for n, s in enumerate(ITEM_STATUSES)}
    items.sort(key=lambda i: (rank[i.status], i.due, i.site_id, i.indicator))
    return items


def timeline(history: Iterable[StoredAssessment]) -> list[dict]:
    """One entry per assessment: band, level, EDD, findings per ISO 26000 core subject, and the
    findings opened and closed since the assessment before (all opened at the first)."""
    entries = []
    previous: StoredAssessment | None = None
    for a in _sorted(history, None):
        present = {f.indicator for f in a.findings}
        before = {f.indicator for f in previous.findings} if previous else set()
        by_subject: dict[str, int] = {}
        for f in a.findings:
            by_subject[f.subject] = by_subject.get(f.subject, 0) + 1
        entries.append({
            "assessment_date": a.assessment_date.isoformat(),
            "band": a.band,
            "level": a.level,
            "level_title": a.level_title,
            "edd": list(a.edd),
            "findings": len(a.findings),
            "findings_by_subject": dict(sorted(by_subject.items())),
            "opened": sorted(present - before),
            "closed": sorted(i for i in before if a.statuses.get(i) == ABSENT),
            "not_reassessed": sorted(i for i in before - present if a.statuses.get(i) != ABSENT),
            "catalog_version": a.catalog_version,
            "catalog_hash": a.catalog_hash,
            "source": a.source_name,
        })
        previous = a
    return entries


# --- portfolio series -------------------------------------------------------------------


def period_ends(first: date, last: date, max_periods: int = 36) -> list[date]:
    """Month ends from `first` to `last` (quarter or year ends when that is too many)."""
    for months in (1, 3, 12):
        ends = []
        year, month = first.year, first.month
        month = ((month - 1) // months + 1) * months  # the end of first's period
        while True:
            end = date(year, month, calendar.monthrange(year, month)[1])
            ends.append(end)
            if end >= last:
                break
            month += months
            if month > 12:
                year, month = year + 1, month - 12
        if len(ends) <= max_periods:
            return ends
    return ends


def bands_over_time(histories: Iterable[list[StoredAssessment]], ends: list[date]) -> dict[str, list[int]]:
    """For each period end, how many sites had each band at their latest assessment by then."""
    counts: dict[str, list[int]] = {}
    for history in histories:
        rows = _sorted(history, None)
        k = 0
        for n, end in enumerate(ends):
            while k < len(rows) and rows[k].assessment_date <= end:
                k += 1
            if k:
                band = rows[k - 1].band
                counts.setdefault(band, [0] * len(ends))[n] += 1
    return counts


def level_distribution(histories: Iterable[list[StoredAssessment]]) -> dict[str, dict]:
    """Levels of the sites whose first / latest assessment carries one."""
    first: dict[int, int] = {}
    latest: dict[int, int] = {}
    for history in histories:
        rows = _sorted(history, None)
        if rows and rows[0].level is not None:
            first[rows[0].level] = first.get(rows[0].level, 0) + 1
        if rows and rows[-1].level is not None:
            latest[rows[-1].level] = latest.get(rows[-1].level, 0) + 1
    return {"first": dict(sorted(first.items())), "latest": dict(sorted(latest.items()))}


def items_by_indicator(items: Iterable[MitigationItem]) -> dict[str, dict[str, int]]:
    """Mitigation items per indicator and status."""
    out: dict[str, dict[str, int]] = {}
    for i in items:
        row = out.setdefault(i.indicator, {s: 0 for s in ITEM_STATUSES})
        row[i.status] += 1
    return dict(sorted(out.items()))


def sites_to_suspend(items: Iterable[MitigationItem]) -> list[str]:
    return sorted({i.site_id for i in items if i.status == "overdue"})

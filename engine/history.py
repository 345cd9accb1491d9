"""`craft history import` as a library call: read, validate, classify and store one file."""
from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path
from typing import Iterator

from classifications import progression
from classifications.history import (ImportResult, NotFoundError, Store, StoredAssessment, file_hash,
                                     site_view)
from risk_catalog.messages import N_, Message

from .pipeline import Rulebook, iter_classifications
from .reader import AssessmentReader, InputError, Problem


def check_input(path: str | Path) -> Path:
    """Fail before any database is created or locked when the input does not exist."""
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), [Problem(None, None, None, None, N_("no such file"))])
    return path


class _Selected:
    """A reader whose chunks keep only what the importer needs classified (same interface)."""

    def __init__(self, reader: AssessmentReader, importer):
        self.reader, self.importer = reader, importer
        self.path = reader.path

    @property
    def problems(self):
        return self.reader.problems

    def chunks(self):
        for chunk in self.reader.chunks():
            chosen = self.importer.select(chunk)
            if chosen:
                yield chosen


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def import_file(store: Store, path: str | Path, rulebook: Rulebook, *, sheet: str | None = None,
                replace: bool = False, jobs: int = 1) -> ImportResult:
    """Store every assessment of `path` with its classification, in one transaction.

    Raises InputError (the same problems `craft classify` reports) or ConflictError, and then
    nothing is stored. Assessments already stored with identical content are skipped.
    """
    path = check_input(path)
    reader = AssessmentReader(path, rulebook.catalog, sheet)
    digest = file_hash(path)
    with store.importer(path.name, digest, replace=replace) as importer:
        # only new (or, with replace, changed) assessments are classified; the reader raises
        # InputError at the end if any cell was bad, and the transaction rolls back
        importer.add_all(iter_classifications(_Selected(reader, importer), rulebook, jobs))
    return importer.result


def import_summary(result: ImportResult, _=str) -> str:
    """'8 new, 0 already stored[, 1 replaced]' in the language of `_` (a gettext)."""
    text = _("%(added)s new, %(unchanged)s already stored") % {"added": result.added,
                                                               "unchanged": result.unchanged}
    if result.replaced:
        text += ", " + _("%(n)s replaced") % {"n": result.replaced}
    return text


def conflict_report(error, _=str) -> str:
    """The refusal of an import whose assessments conflict with stored ones, in the language of `_`."""
    lines = [_("%(source)s: %(n)s assessment(s) are already stored with different content; "
               "nothing was stored.") % {"source": error.source, "n": len(error.conflicts)}]
    for c in error.conflicts:
        where = [_("row %(row)s") % {"row": c.row}] if c.row is not None else []
        where.append(_("site %(site)s") % {"site": c.site_id})
        lines.append("  " + ", ".join([*where, c.assessment_date.isoformat()]))
    lines.append(_("Re-run with --replace to replace the stored assessments with these."))
    return "\n".join(lines)


# --- what `history show`, `history due` and `progress` present ---------------------------
# Site metadata goes through the programme audience's view: never the assessor or notes.

AUDIENCE = "programme"


def site_metadata(history: list[StoredAssessment]) -> dict[str, str]:
    """The site's metadata as the programme may see it: the latest value of each field, so a
    later round that leaves a column out does not blank it."""
    merged: dict[str, str] = {}
    for a in history:
        merged.update(a.site)
    return site_view(merged, AUDIENCE)


def _indicator_title(catalog, indicator: str) -> str:
    return catalog.indicator(indicator).title if indicator in catalog else indicator


def _subject_title(catalog, subject: str) -> str:
    try:
        return catalog.subject(subject).title
    except KeyError:
        return subject


def site_report(history: list[StoredAssessment], rulebook: Rulebook, as_of: date) -> dict:
    """One site's timeline and mitigation items, plain data (what `history show` prints)."""
    catalog = rulebook.catalog
    latest = history[-1]
    items = progression.site_items(history, as_of)
    entries = progression.timeline(history)
    level_titles = {lv.level: lv.title for lv in rulebook.bands.levels}
    for entry in entries:
        band = rulebook.bands.bands.get(entry["band"])
        entry["band_title"] = band.title if band else entry["band"]
        entry["level_title"] = level_titles.get(entry["level"], entry["level_title"])
    return {
        "site_id": latest.site_id,
        "site": site_metadata(history),
        "as_of": as_of.isoformat(),
        "assessments": entries,
        "mitigation_items": [_item_dict(i, catalog) for i in items],
        "suspension_recommended": any(i.status == "overdue" for i in items),
    }


def _item_dict(item: progression.MitigationItem, catalog) -> dict:
    out = item.to_dict()
    out["title"] = _indicator_title(catalog, item.indicator)
    return out


def due_report(store: Store, rulebook: Rulebook, as_of: date, statuses: tuple[str, ...] = ()) -> dict:
    """Every site's mitigation items by status, with the Annex II recommendation for overdue
    (in English: the JSON and CSV are the same in every language)."""
    items, names = [], {}
    for site_id, history in progression.by_site(store.iter_assessments(as_of=as_of, mitigation_only=True)):
        site_items = progression.site_items(history, as_of)
        if site_items:
            items.extend(site_items)
            names[site_id] = site_metadata(history).get("site_name", "")
    rank = {s: n for n, s in enumerate(progression.ITEM_STATUSES)}
    items.sort(key=lambda i: (rank[i.status], i.due, i.site_id, i.indicator))
    counts = {s: sum(1 for i in items if i.status == s) for s in progression.ITEM_STATUSES}
    suspend = progression.sites_to_suspend(items)
    shown = [i for i in items if not statuses or i.status in statuses]
    rows = []
    for item in shown:
        row = _item_dict(item, rulebook.catalog)
        row["site_name"] = names.get(item.site_id, "")
        rows.append(row)
    return {
        "as_of": as_of.isoformat(),
        "counts": counts,
        "sites_to_suspend": suspend,
        "overdue_policy": progression.overdue_policy(),
        "items": rows,
    }


def progress_data(store: Store, rulebook: Rulebook, as_of: date, only_sites: tuple[str, ...] = (),
                  lang: str = "en") -> tuple[dict, Iterator[dict]]:
    """The portfolio page's data, and one dict per site page (a generator); the overdue
    recommendation in `lang` (the report's language)."""
    catalog, bands = rulebook.catalog, rulebook.bands
    histories = [h for _, h in progression.by_site(store.iter_assessments(as_of=as_of))]
    if not histories:
        raise NotFoundError(Message(N_("%(db)s holds no assessments dated on or before %(day)s"),
                            **{"db": store.display_url, "day": as_of}))
    known = {h[0].site_id for h in histories}
    missing = [s for s in only_sites if s not in known]
    if missing:
        raise NotFoundError(Message(N_("no assessments stored for site(s) %(sites)s"), **{"sites": ", ".join(missing)}))
    first = min(h[0].assessment_date for h in histories)
    last = max(h[-1].assessment_date for h in histories)
    ends = progression.period_ends(first, last)
    all_items = {h[0].site_id: progression.site_items(h, as_of) for h in histories}
    flat = [i for items in all_items.values() for i in items]
    band_order = list(bands.bands)
    pages = {h[0].site_id: progression_page_name(h[0].site_id) for h in histories
             if not only_sites or h[0].site_id in only_sites}
    sites = []
    for h in histories:
        latest, items = h[-1], all_items[h[0].site_id]
        band = bands.bands.get(latest.band)
        sites.append({
            "site_id": latest.site_id,
            "site_name": site_metadata(h).get("site_name", ""),
            "page": pages.get(latest.site_id),
            "assessments": len(h),
            "first_band": h[0].band,
            "first_band_title": bands.bands[h[0].band].title if h[0].band in bands.bands else h[0].band,
            "latest_date": latest.assessment_date.isoformat(),
            "band": latest.band, "band_title": band.title if band else latest.band,
            "level": latest.level,
            "items": {s: sum(1 for i in items if i.status == s) for s in progression.ITEM_STATUSES},
        })
    overdue = []
    for item in flat:
        if item.status == "overdue":
            row = _item_dict(item, catalog)
            row["page"] = pages.get(item.site_id)
            overdue.append(row)
    overdue.sort(key=lambda r: (r["due"], r["site_id"], r["indicator"]))
    portfolio = {
        "as_of": as_of,
        "db": store.display_url,
        "schema_version": store.schema_version,
        "catalog": {"name": catalog.name, "version": catalog.version, "hash": catalog.content_hash},
        "bands": [{"id": b, "title": bands.bands[b].title} for b in band_order],
        # worst to best, as the band rule tests them; the levelled band splits into its levels
        "ladder": list(dict.fromkeys(rule.band for rule in bands.rules)),
        "levelled_band": bands.levelled_band,
        "levels": [{"level": lv.level, "title": lv.title} for lv in bands.levels],
        "subjects": [{"id": s.id, "title": s.title} for s in catalog.subjects],
        "assessment_count": sum(len(h) for h in histories),
        "sites": sites,
        "period_ends": [e.isoformat() for e in ends],
        "bands_over_time": progression.bands_over_time(histories, ends),
        "levels_first_latest": progression.level_distribution(histories),
        "items_by_indicator": {
            k: {"title": _indicator_title(catalog, k), **v}
            for k, v in progression.items_by_indicator(flat).items()
        },
        "item_counts": {s: sum(1 for i in flat if i.status == s) for s in progression.ITEM_STATUSES},
        "overdue": overdue,
        "sites_to_suspend": progression.sites_to_suspend(flat),
        "overdue_policy": progression.overdue_policy(lang),
    }

    def site_pages() -> Iterator[dict]:
        for h in histories:
            if h[0].site_id not in pages:
                continue
            report = site_report(h, rulebook, as_of)
            for entry in report["assessments"]:
                entry["opened_titles"] = [_indicator_title(catalog, i) for i in entry["opened"]]
                entry["closed_titles"] = [_indicator_title(catalog, i) for i in entry["closed"]]
                entry["subject_rows"] = [
                    {"id": s, "title": _subject_title(catalog, s), "count": n}
                    for s, n in entry["findings_by_subject"].items()
                ]
            report["page"] = pages[h[0].site_id]
            yield report

    return portfolio, site_pages()


def progression_page_name(site_id: str) -> str:
    """A safe, unique file name for a site's page."""
    stem = _UNSAFE.sub("_", site_id).strip("._") or "site"
    if stem != site_id:
        stem += "-" + hashlib.sha1(site_id.encode("utf-8")).hexdigest()[:6]
    return f"site_{stem}.html"

"""A buyer's screening of many supplier sites, built from buyer views only.

The input is views already redacted for the buyer (classifications.views), so nothing here can
see what belongs to the miners' organisation. Groups follow the band rule's data: a band given
because a tier's risk is present lists those findings; a band given because a tier was not
assessed lists the indicators to request.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Iterable

from risk_catalog.messages import N_
from risk_catalog import Catalog
from risk_catalog.mechanisms import UpstreamMechanism, find_mechanism, load_mechanisms

from .bands import BandDefinitions
from .translations import localize_view




def _identity(text: str) -> str:
    return text

# Site metadata a screening shows (all of it visible to buyers under the bundled policy; the
# views have been redacted before they get here, so a stricter policy simply leaves blanks).
SITE_COLUMNS = ("site_name", "producer", "country", "region", "mineral", "organisation_type")

# Each sheet (XLSX), CSV file and HTML section of a screening: key, title, columns. Keys and
# columns are ids and stay English; titles and cell text are translated (localized_sheets, screen).
SHEETS = (
    ("summary", N_("Summary"), ("group", "sites", "meaning")),
    ("sites", N_("All sites"), (
        "site_id", "assessment_date", "band", "band_title", "level", "level_title", *SITE_COLUMNS,
        "upstream_mechanism", "rmi_level", "mechanism_recognition", "edd", "findings",
        "indicators_to_request", "earliest_due_date", "catalog_version", "catalog_hash")),
    ("tier1", N_("Tier 1 disengage"), (
        "site_id", "assessment_date", *SITE_COLUMNS, "indicator", "risk", "annex_ii_reference",
        "recommendation")),
    ("mitigation", N_("Mitigation due"), (
        "site_id", "assessment_date", *SITE_COLUMNS, "indicator", "risk", "progress_check_date",
        "due_date", "due_status", "annex_ii_reference")),
    ("edd", N_("Enhanced due diligence"), (
        "site_id", "assessment_date", "band", *SITE_COLUMNS, "indicator", "reason", "why")),
    ("incomplete", N_("Incomplete - request"), (
        "site_id", "assessment_date", *SITE_COLUMNS, "indicator", "title", "tier", "request")),
    ("mechanisms", N_("Upstream mechanisms"), (
        "upstream_mechanism", "sites", "rmi_level", "recognition", "since", "what_it_means",
        "status_notes", "maintainer")),
)
SHEET_TITLES = {key: title for key, title, _ in SHEETS}
SHEET_COLUMNS = {key: columns for key, _, columns in SHEETS}

RECOMMEND_DISENGAGE = N_("Suspend or disengage immediately (OECD Annex II): do not source from this "
                          "site while the risk is present.")
RECOMMEND_REQUEST = N_("Ask the supplier to assess this indicator; the site cannot be banded without it.")
NO_MECHANISM = N_("not covered by an RMI-recognised upstream mechanism: screen the site itself")


def localized_sheets(gettext=_identity) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """SHEETS with their titles in the language of `gettext` (keys and columns unchanged)."""
    return tuple((key, gettext(title), columns) for key, title, columns in SHEETS)


@dataclass
class Screening:
    as_of: date
    sites: int
    older_assessments: int  # earlier assessments of the same sites, not screened
    counts: list[dict]  # one per band, in band order, then EDD
    tables: dict[str, list[dict]] = field(default_factory=dict)
    catalogs: list[dict] = field(default_factory=list)  # catalog versions the views used

    def rows(self, key: str) -> list[dict]:
        return self.tables[key]


def latest_per_site(views: Iterable[dict]) -> tuple[list[dict], int]:
    """Each site's most recent assessment, in order of first appearance; and how many were older."""
    latest: dict[str, dict] = {}
    total = 0
    for view in views:
        total += 1
        current = latest.get(view["site_id"])
        if current is None or view["assessment_date"] > current["assessment_date"]:
            latest[view["site_id"]] = view
    return list(latest.values()), total - len(latest)


def _site_cells(view: dict) -> dict:
    return {c: view["site"].get(c, "") for c in SITE_COLUMNS}


def _sources(finding: dict) -> str:
    return "; ".join(finding.get("sources") or [])


def _title(catalog: Catalog, iid: str, fallback: str | None = None) -> tuple[str, str]:
    """An indicator's title (in the catalog's language) and tier."""
    try:
        ind = catalog.indicator(iid)
    except KeyError:  # classified with another catalog version
        return fallback or iid, ""
    return ind.title, ind.tier


def _band_reasons(bands: BandDefinitions) -> dict[str, list[tuple[str, str]]]:
    """For each band, the (tier, outcome) pairs of the band rule that give it."""
    reasons: dict[str, list[tuple[str, str]]] = {b: [] for b in bands.bands}
    for rule in bands.rules:
        if rule.tier is not None:
            reasons[rule.band].append((rule.tier, rule.outcome))
    return reasons


def _due_status(due: str, as_of: date, _=_identity) -> str:
    days = (date.fromisoformat(due) - as_of).days
    if days < 0:
        return _("past due by %(days)s day(s): ask for the re-assessment; without measurable "
                 "improvement, Annex II says suspend") % {"days": -days}
    return _("due in %(days)s day(s)") % {"days": days}


def screen(buyer_views: Iterable[dict], catalog: Catalog, bands: BandDefinitions,
           as_of: date | None = None, gettext=None,
           mechanisms: tuple[UpstreamMechanism, ...] | None = None) -> Screening:
    """Group buyer views for screening. `buyer_views` must already be redacted for the buyer.

    For another language than English, give the localized catalog and bands
    (risk_catalog.translations.localize_catalog, classifications.translations.localize_bands),
    the language's `gettext` and the localized `mechanisms` (localize_mechanisms): cell text is
    then in that language, ids and column keys stay as they are."""
    _ = gettext or _identity
    as_of = as_of or date.today()
    mechanisms = mechanisms or load_mechanisms()
    by_mechanism_id = {m.id: m for m in mechanisms}
    views, older = latest_per_site(buyer_views)
    for view in views:
        if view.get("audience") != "buyer":
            raise ValueError("screening takes buyer views only (classifications.views.redact_record)")
    views = [localize_view(view, bands) for view in views]
    reasons = _band_reasons(bands)
    tables: dict[str, list[dict]] = {key: [] for key, _, _ in SHEETS}
    mechanism_sites: dict[str, int] = {}
    catalogs: dict[tuple, int] = {}
    for view in views:
        site = _site_cells(view)
        head = {"site_id": view["site_id"], "assessment_date": view["assessment_date"]}
        findings = view["findings"]
        catalogs[(view.get("catalog_version"), view.get("catalog_hash"))] = \
            catalogs.get((view.get("catalog_version"), view.get("catalog_hash")), 0) + 1
        # the band's own reasons: present risks of a tier, or unassessed indicators of a tier
        requested: set[str] = set()  # an id the current catalog lacks is requested once
        for tier, outcome in reasons.get(view["band"], []):
            if outcome == "present":
                for f in (f for f in findings if f["tier"] == tier):
                    row = {**head, **site, "indicator": f["indicator"],
                           "risk": _title(catalog, f["indicator"], f["title"])[0],
                           "annex_ii_reference": _sources(f)}
                    if f.get("due_date"):
                        tables["mitigation"].append({
                            **row, "progress_check_date": f.get("progress_check_date", ""),
                            "due_date": f["due_date"], "due_status": _due_status(f["due_date"], as_of, _)})
                    else:
                        tables["tier1"].append({**row, "recommendation": _(RECOMMEND_DISENGAGE)})
            else:
                for iid in view["missing"]:
                    title, ind_tier = _title(catalog, iid)
                    if ind_tier == tier or (not ind_tier and iid not in requested):
                        requested.add(iid)
                        tables["incomplete"].append({**head, **site, "indicator": iid, "title": title,
                                                     "tier": ind_tier or tier, "request": _(RECOMMEND_REQUEST)})
        by_id = {f["indicator"]: f for f in findings}
        for iid in view["edd"]:
            f = by_id.get(iid, {})
            description = ""
            try:
                description = catalog.indicator(iid).description
            except KeyError:
                pass
            tables["edd"].append({**head, "band": view["band"], "band_title": view.get("band_title", view["band"]),
                                  **site, "indicator": iid,
                                  "reason": _title(catalog, iid, f.get("title", iid))[0], "why": description})
        mechanism = find_mechanism(view["site"].get("upstream_mechanism", "") or "")
        mechanism = by_mechanism_id.get(mechanism.id, mechanism) if mechanism else None
        name = mechanism.name if mechanism else ""
        mechanism_sites[name] = mechanism_sites.get(name, 0) + 1
        dues = sorted(f["due_date"] for f in findings if f.get("due_date"))
        tables["sites"].append({
            **head, "band": view["band"], "band_title": view.get("band_title", view["band"]),
            "level": "" if view.get("level") is None else view["level"],
            "level_title": view.get("level_title") or "", **site,
            "upstream_mechanism": name, "rmi_level": mechanism.rmi_level if mechanism else "",
            "mechanism_recognition": mechanism.meaning if mechanism else _(NO_MECHANISM),
            "edd": "; ".join(view["edd"]), "findings": len(findings),
            "indicators_to_request": "; ".join(view["missing"]),
            "earliest_due_date": dues[0] if dues else "",
            "catalog_version": view.get("catalog_version", ""), "catalog_hash": view.get("catalog_hash", ""),
        })
    for mechanism in mechanisms:
        tables["mechanisms"].append({
            "upstream_mechanism": mechanism.name, "sites": mechanism_sites.get(mechanism.name, 0),
            "rmi_level": mechanism.rmi_level, "recognition": mechanism.recognition,
            "since": mechanism.since, "what_it_means": mechanism.meaning,
            "status_notes": mechanism.status_notes, "maintainer": mechanism.maintainer,
        })
    if mechanism_sites.get(""):
        tables["mechanisms"].append({
            "upstream_mechanism": _("(none named)"), "sites": mechanism_sites[""], "rmi_level": "",
            "recognition": "", "since": "", "what_it_means": _(NO_MECHANISM), "status_notes": "",
            "maintainer": ""})
    tables["mitigation"].sort(key=lambda r: (r["due_date"], r["site_id"]))
    counts = []
    for band_id, band in bands.bands.items():
        n = sum(1 for v in views if v["band"] == band_id)
        counts.append({"group": band_id, "title": band.title, "sites": n, "meaning": band.summary})
    counts.append({"group": "edd", "title": _("Enhanced due diligence"),
                   "sites": sum(1 for v in views if v["edd"]),
                   "meaning": _("Sites with a red flag that calls for enhanced due diligence (OECD "
                                "Annex II), whatever their band.")})
    tables["summary"] = [{"group": c["title"], "sites": c["sites"], "meaning": c["meaning"]} for c in counts]
    return Screening(
        as_of=as_of, sites=len(views), older_assessments=older, counts=counts, tables=tables,
        catalogs=[{"version": v, "hash": h, "sites": n} for (v, h), n in catalogs.items()],
    )

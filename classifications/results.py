"""Assessments in, classifications out: findings, band, level, EDD flags, provenance."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable

from risk_catalog import Catalog

from .bands import BandDefinitions

PRESENT = "present"
NOT_ASSESSED = "not_assessed"


@dataclass
class Assessment:
    """One row of field data: a site's answers on one date."""

    site_id: str
    assessment_date: date
    statuses: dict[str, str]  # indicator id -> normalised status, every catalog indicator
    site: dict[str, str] = field(default_factory=dict)  # optional metadata columns
    notes: dict[str, str] = field(default_factory=dict)  # indicator id -> evidence note
    row: int | None = None  # where it came from in the input


@dataclass(frozen=True)
class Finding:
    """A risk the rules found present at a site."""

    indicator: str
    title: str
    status: str
    tier: str
    subject: str
    subject_title: str
    sources: tuple[str, ...]
    craft_module: int | None
    due_date: date | None = None  # mitigation: when mitigation must show results
    progress_check_date: date | None = None  # mitigation: the six-monthly progress check

    def to_dict(self) -> dict:
        out = {
            "indicator": self.indicator, "title": self.title, "status": self.status,
            "tier": self.tier, "subject": self.subject, "subject_title": self.subject_title,
            "sources": list(self.sources), "craft_module": self.craft_module,
        }
        if self.due_date is not None:
            out["due_date"] = self.due_date.isoformat()
            out["progress_check_date"] = self.progress_check_date.isoformat()
        return out


@dataclass
class Classification:
    assessment: Assessment
    band: str
    level: int | None
    level_title: str | None
    share_absent: float | None
    edd: list[str]
    findings: list[Finding]
    missing: list[str]  # indicators that decide the band, not assessed
    not_assessed: list[str]  # every indicator not assessed
    catalog_version: str
    catalog_hash: str
    bands_hash: str

    @property
    def site_id(self) -> str:
        return self.assessment.site_id

    @property
    def assessment_date(self) -> date:
        return self.assessment.assessment_date

    def to_dict(self) -> dict:
        """Everything, notes included: the producer's full record. Redact before sharing."""
        return {
            "site_id": self.site_id,
            "assessment_date": self.assessment_date.isoformat(),
            "band": self.band,
            "level": self.level,
            "level_title": self.level_title,
            "share_absent": None if self.share_absent is None else round(self.share_absent, 4),
            "edd": list(self.edd),
            "findings": [f.to_dict() for f in self.findings],
            "missing": list(self.missing),
            "not_assessed": list(self.not_assessed),
            "site": dict(self.assessment.site),
            "notes": dict(self.assessment.notes),
            "catalog_version": self.catalog_version,
            "catalog_hash": self.catalog_hash,
            "bands_hash": self.bands_hash,
        }


def finding_for(ind, assessment: Assessment, catalog: Catalog) -> Finding:
    """The finding for a present indicator; mitigation carries its progress check and due date."""
    due = check = None
    if ind.deadline_days is not None:
        due = assessment.assessment_date + timedelta(days=ind.deadline_days)
        check = assessment.assessment_date + timedelta(days=ind.progress_check_days)
    return Finding(
        indicator=ind.id, title=ind.title, status=assessment.statuses[ind.id], tier=ind.tier,
        subject=ind.subject, subject_title=catalog.subject(ind.subject).title,
        sources=ind.sources, craft_module=ind.craft_module, due_date=due, progress_check_date=check,
    )


def classify_outcomes(
    assessment: Assessment,
    fired: Iterable[tuple[str, str]],
    catalog: Catalog,
    bands: BandDefinitions,
) -> Classification:
    """Turn the rules that fired for an assessment into its classification.

    `fired` holds (indicator id, outcome) pairs, outcome being "present" or "not_assessed".
    """
    fired = set(fired)
    present = [i for i in catalog.indicators if (i.id, PRESENT) in fired]
    unassessed = [i for i in catalog.indicators if (i.id, NOT_ASSESSED) in fired]
    outcomes = {(i.tier, PRESENT) for i in present} | {(i.tier, NOT_ASSESSED) for i in unassessed}
    band = bands.place(outcomes)

    level = level_title = share = None
    if band == bands.levelled_band:
        basis = catalog.by_tier(bands.level_tier)
        gaps = sum(1 for i in present if i.tier == bands.level_tier)
        assessed = len(basis) - sum(1 for i in unassessed if i.tier == bands.level_tier)
        share = (assessed - gaps) / assessed if assessed else None
        chosen = bands.level_for(share)
        level, level_title = chosen.level, chosen.title

    findings = [finding_for(ind, assessment, catalog) for ind in present]
    required = set(bands.required_tiers)
    return Classification(
        assessment=assessment,
        band=band,
        level=level,
        level_title=level_title,
        share_absent=share,
        edd=sorted(i.id for i in present if i.raises_edd),
        findings=findings,
        missing=[i.id for i in unassessed if i.tier in required],
        not_assessed=[i.id for i in unassessed],
        catalog_version=catalog.version,
        catalog_hash=catalog.content_hash,
        bands_hash=bands.content_hash,
    )

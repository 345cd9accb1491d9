"""The one redaction step: a classification becomes the view an audience may see.

Every writer and template takes these views; none reads a raw assessment.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from risk_catalog import BUNDLED_CATALOG, NOTE_SUFFIX

from .bands import BandDefinitions
from .results import Classification

BUNDLED_AUDIENCES = BUNDLED_CATALOG / "audiences.yaml"


PRIVATE_FIELDS = "private_fields"

# What a view may carry. Anything else (say, a key hand-added to a JSON file) is dropped.
RECORD_KEYS = (
    "site_id", "assessment_date", "band", "band_title", "band_summary", "level", "level_title",
    "share_absent", "edd", "findings", "missing", "not_assessed", "site", "notes",
    "catalog_version", "catalog_hash", "bands_hash", "audience",
)
FINDING_KEYS = (
    "indicator", "title", "status", "tier", "subject", "subject_title", "sources", "craft_module",
    "due_date", "progress_check_date", "note",
)


@dataclass(frozen=True)
class AudiencePolicy:
    audiences: dict[str, str]
    site_fields: dict[str, frozenset[str]]
    notes: frozenset[str]
    private_hidden_from: frozenset[str]

    def check(self, audience: str) -> None:
        if audience not in self.audiences:
            raise ValueError(f"unknown audience {audience!r}; allowed: {', '.join(self.audiences)}")

    def may_see(self, audience: str, site_field: str) -> bool:
        # unlisted fields are the producer's alone, so a new column never leaks by default
        return audience in self.site_fields.get(site_field, frozenset({"producer"}))


@lru_cache(maxsize=4)
def load_audience_policy(path: Path = BUNDLED_AUDIENCES) -> AudiencePolicy:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    audiences = dict(data["audiences"])
    return AudiencePolicy(
        audiences=audiences,
        site_fields={k: frozenset(v) for k, v in data["site_fields"].items()},
        notes=frozenset(data["notes"]),
        private_hidden_from=frozenset(data.get("private_hidden_from", ())),
    )


def split_field_list(value: str) -> list[str]:
    """The field names of a `private_fields` cell: separated by ';' (or ','), spaces ignored."""
    return [f.strip() for f in re.split(r"[;,]", value or "") if f.strip()]


def visible_site(site: dict, audience: str, policy: AudiencePolicy) -> dict:
    """The site metadata an audience may see, the producer's private marks applied."""
    hidden = set(split_field_list(site.get(PRIVATE_FIELDS, ""))) if audience in policy.private_hidden_from else set()
    return {k: v for k, v in site.items() if policy.may_see(audience, k) and k not in hidden}


def redact_record(record: dict, audience: str, policy: AudiencePolicy | None = None) -> dict:
    """A classification record (Classification.to_dict(), or a view read back from JSON) as
    `audience` may see it. Only known keys survive, so nothing unexpected passes through."""
    policy = policy or load_audience_policy()
    policy.check(audience)
    out = {k: record[k] for k in RECORD_KEYS if k in record}
    out["site"] = visible_site(dict(record.get("site") or {}), audience, policy)
    notes = dict(record.get("notes") or {}) if audience in policy.notes else {}
    findings = []
    for finding in record.get("findings") or []:
        kept = {k: finding[k] for k in FINDING_KEYS if k in finding and k != "note"}
        note = notes.get(kept.get("indicator")) or (finding.get("note") if audience in policy.notes else None)
        if note:
            kept["note"] = note
        findings.append(kept)
    out["findings"] = findings
    if audience in policy.notes:
        out["notes"] = notes
    else:
        out.pop("notes", None)
    out["audience"] = audience
    return out


def audience_view(classification: Classification, audience: str, bands: BandDefinitions,
                  policy: AudiencePolicy | None = None) -> dict:
    """The classification as `audience` may see it: plain data, ready for any writer."""
    record = classification.to_dict()
    band = bands.bands[classification.band]
    record["band_title"] = band.title
    record["band_summary"] = band.summary
    return redact_record(record, audience, policy)


def redact_frame(frame, audience: str, policy: AudiencePolicy | None = None):
    """The same policy for a table of results (the vector path): site metadata cells an
    audience may not see are blanked, note columns dropped. Every column that is not a result
    field (RECORD_KEYS) counts as site metadata, so an unlisted column is the producer's alone.
    `frame` is a pandas DataFrame of text."""
    policy = policy or load_audience_policy()
    policy.check(audience)
    out = frame.copy()
    marks = None
    if PRIVATE_FIELDS in out.columns and audience in policy.private_hidden_from:
        marks = out[PRIVATE_FIELDS].fillna("").astype(str)
        if (marks.str.strip() == "").all():
            marks = None
        else:  # split_field_list as ";a;b;", so a literal search (vectorised) finds whole names
            marks = ";" + marks.str.replace(r"\s*[;,]\s*", ";", regex=True).str.strip() + ";"
    for column in list(out.columns):
        if column.endswith(NOTE_SUFFIX):
            if audience not in policy.notes:
                out = out.drop(columns=column)
            continue
        if column not in RECORD_KEYS:  # site metadata, listed or not
            if not policy.may_see(audience, column):
                out[column] = ""
            elif marks is not None and column != PRIVATE_FIELDS:
                hidden = marks.str.contains(f";{column};", regex=False)
                out.loc[hidden, column] = ""
    return out

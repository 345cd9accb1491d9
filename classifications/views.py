"""The one redaction step: a classification becomes the view an audience may see.

Every writer and template takes these views; none reads a raw assessment.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from risk_catalog import BUNDLED_CATALOG

from .bands import BandDefinitions
from .results import Classification

BUNDLED_AUDIENCES = BUNDLED_CATALOG / "audiences.yaml"


@dataclass(frozen=True)
class AudiencePolicy:
    audiences: dict[str, str]
    site_fields: dict[str, frozenset[str]]
    notes: frozenset[str]

    def check(self, audience: str) -> None:
        if audience not in self.audiences:
            raise ValueError(f"unknown audience {audience!r}; allowed: {', '.join(self.audiences)}")


@lru_cache(maxsize=4)
def load_audience_policy(path: Path = BUNDLED_AUDIENCES) -> AudiencePolicy:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    audiences = dict(data["audiences"])
    return AudiencePolicy(
        audiences=audiences,
        site_fields={k: frozenset(v) for k, v in data["site_fields"].items()},
        notes=frozenset(data["notes"]),
    )


def audience_view(classification: Classification, audience: str, bands: BandDefinitions,
                  policy: AudiencePolicy | None = None) -> dict:
    """The classification as `audience` may see it: plain data, ready for any writer."""
    policy = policy or load_audience_policy()
    policy.check(audience)
    record = classification.to_dict()
    record["site"] = {k: v for k, v in record["site"].items()
                      if audience in policy.site_fields.get(k, frozenset({"producer"}))}
    if audience in policy.notes:
        for finding in record["findings"]:
            note = record["notes"].get(finding["indicator"])
            if note:
                finding["note"] = note
    else:
        record.pop("notes")
    band = bands.bands[classification.band]
    record["band_title"] = band.title
    record["band_summary"] = band.summary
    record["audience"] = audience
    return record


def redact_frame(frame, audience: str, policy: AudiencePolicy | None = None):
    """The same policy for a table of site metadata (the vector path): cells an audience may
    not see are blanked, note columns dropped. `frame` is a pandas DataFrame of text."""
    policy = policy or load_audience_policy()
    policy.check(audience)
    out = frame.copy()
    for column in out.columns:
        if column.endswith("__note"):
            if audience not in policy.notes:
                out = out.drop(columns=column)
            continue
        if column in policy.site_fields and audience not in policy.site_fields[column]:
            out[column] = ""
    return out

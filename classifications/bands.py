"""Band and level definitions (data in `data/bands.yaml`) and the rule that applies them."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from risk_catalog import TIERS

BUNDLED_BANDS = Path(__file__).parent / "data" / "bands.yaml"

# What a band-rule condition may test: the outcome of an indicator of a tier.
OUTCOMES = ("present", "not_assessed")


class BandDefinitionError(Exception):
    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid band definitions {source}:\n{lines}")


@dataclass(frozen=True)
class Band:
    id: str
    title: str
    summary: str


@dataclass(frozen=True)
class BandRule:
    band: str
    tier: str | None = None  # None: always holds
    outcome: str | None = None


@dataclass(frozen=True)
class Level:
    level: int
    title: str
    min_share_absent: float


@dataclass(frozen=True)
class BandDefinitions:
    bands: dict[str, Band]
    rules: tuple[BandRule, ...]
    levels: tuple[Level, ...]  # ascending by min_share_absent
    levelled_band: str
    level_tier: str
    content_hash: str

    @property
    def required_tiers(self) -> tuple[str, ...]:
        """Tiers whose unassessed indicators keep a band from being given."""
        return tuple(dict.fromkeys(r.tier for r in self.rules if r.outcome == "not_assessed"))

    def place(self, outcomes: set[tuple[str, str]]) -> str:
        """The band for a site, given the (tier, outcome) pairs its findings show."""
        for rule in self.rules:
            if rule.tier is None or (rule.tier, rule.outcome) in outcomes:
                return rule.band
        raise AssertionError("band rule has no final rule")  # validated at load

    def level_for(self, share_absent: float | None) -> Level:
        if share_absent is None:
            return self.levels[0]
        reached = [lv for lv in self.levels if share_absent >= lv.min_share_absent]
        return reached[-1] if reached else self.levels[0]


def _validate(data) -> list[str]:
    problems: list[str] = []
    if not isinstance(data, dict):
        return ["expected a mapping with 'bands', 'band_rule' and 'levels'"]
    bands = data.get("bands") or {}
    if not isinstance(bands, dict) or not bands:
        problems.append("'bands' must map band ids to a title and summary")
        bands = {}
    for band_id, band in bands.items():
        if not isinstance(band, dict) or not band.get("title") or not band.get("summary"):
            problems.append(f"band '{band_id}': needs a title and a summary")
    rules = data.get("band_rule") or []
    if not isinstance(rules, list) or not rules:
        problems.append("'band_rule' must be a non-empty list")
        rules = []
    for n, rule in enumerate(rules, start=1):
        if not isinstance(rule, dict) or rule.get("band") not in bands:
            problems.append(f"band_rule #{n}: 'band' must be one of {', '.join(bands)}")
            continue
        when = rule.get("when")
        if when is None:
            if n != len(rules):
                problems.append(f"band_rule #{n}: only the last rule may have no 'when'")
            continue
        if not isinstance(when, dict) or when.get("tier") not in TIERS or when.get("status") not in OUTCOMES:
            problems.append(
                f"band_rule #{n}: 'when' needs tier (one of {', '.join(TIERS)}) "
                f"and status (one of {', '.join(OUTCOMES)})"
            )
    if rules and isinstance(rules[-1], dict) and rules[-1].get("when") is not None:
        problems.append("band_rule: the last rule must have no 'when', so every site gets a band")
    basis = data.get("level_basis")
    if not isinstance(basis, dict) or basis.get("band") not in bands or basis.get("tier") not in TIERS:
        problems.append("'level_basis' needs band (a band id) and tier (one of " + ", ".join(TIERS) + ")")
    levels = data.get("levels") or []
    if not isinstance(levels, list) or not levels:
        problems.append("'levels' must be a non-empty list")
        levels = []
    shares = []
    for n, lv in enumerate(levels, start=1):
        ok = isinstance(lv, dict) and isinstance(lv.get("level"), int) and lv.get("title")
        share = lv.get("min_share_absent") if isinstance(lv, dict) else None
        if not ok or not isinstance(share, (int, float)) or isinstance(share, bool) or not 0 <= share <= 1:
            problems.append(f"level #{n}: needs level (integer), title and min_share_absent (0 to 1)")
        else:
            shares.append(share)
    if shares and shares != sorted(shares):
        problems.append("levels: min_share_absent must rise from one level to the next")
    if shares and shares[0] != 0:
        problems.append("levels: the first level must start at min_share_absent 0")
    return problems


def load_band_definitions(path: str | Path | None = None) -> BandDefinitions:
    path = Path(path or BUNDLED_BANDS).resolve()
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = None
    return _load_cached(path, stamp)


@lru_cache(maxsize=8)
def _load_cached(path: Path, _stamp: int | None) -> BandDefinitions:  # an edited file reloads
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise BandDefinitionError(str(path), [str(exc)]) from None
    problems = _validate(data)
    if problems:
        raise BandDefinitionError(str(path), problems)
    bands = {k: Band(k, v["title"], v["summary"]) for k, v in data["bands"].items()}
    rules = tuple(
        BandRule(r["band"], (r.get("when") or {}).get("tier"), (r.get("when") or {}).get("status"))
        for r in data["band_rule"]
    )
    levels = tuple(
        Level(lv["level"], lv["title"], float(lv["min_share_absent"])) for lv in data["levels"]
    )
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    basis = data["level_basis"]
    return BandDefinitions(bands, rules, levels, basis["band"], basis["tier"], digest)

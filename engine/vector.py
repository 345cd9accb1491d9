"""The vector engine: the catalog and band definitions compiled into NumPy operations that
classify a whole chunk of assessments at once.

The durable-rules engine (rules_adapter.py) is the engine of record: it explains each band one
fact at a time. This one is for volume. Both are generated from the same Rulebook: every
indicator's tier and EDD flag comes from the catalog, the ordered band rule and the level
thresholds from BandDefinitions; nothing here names an indicator, tier or band. The
differential tests (tests/test_vector_engine.py) hold the two to the same results.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from classifications.results import Classification, finding_for
from risk_catalog import PRESENT, STATUSES

from .pipeline import Rulebook
from .reader import NOT_ASSESSED_CODE, CheckedFrame

LIST_SEPARATOR = ";"


@dataclass
class VectorResult:
    """The classification of every row of a chunk, as arrays (blank rows included)."""

    band: np.ndarray  # index into CompiledRulebook.band_ids
    level: np.ndarray  # index into the levels; -1 where the band carries no level
    share: np.ndarray  # index into CompiledRulebook.share_text; 0 ("") where none
    present: np.ndarray  # (rows, indicators) bool
    unassessed: np.ndarray  # (rows, indicators) bool


class CompiledRulebook:
    """A Rulebook as column operations: masks of catalog columns per tier, the band rule as an
    ordered list of (tier columns, outcome, band), level thresholds as a sorted array."""

    def __init__(self, rulebook: Rulebook):
        catalog, bands = rulebook.catalog, rulebook.bands
        self.rulebook = rulebook
        self.indicators = catalog.indicators
        self.ids = catalog.ids
        tiers = np.array([i.tier for i in catalog.indicators], dtype=object)
        self.is_present_code = np.array([s in PRESENT for s in STATUSES])
        self.band_ids = list(bands.bands)
        self.steps = []  # (indicator columns, outcome, band index), first match wins
        self.default_band = None
        for rule in bands.rules:
            band = self.band_ids.index(rule.band)
            if rule.tier is None:
                self.default_band = band
                break
            self.steps.append((np.flatnonzero(tiers == rule.tier), rule.outcome, band))
        self.levelled_band = self.band_ids.index(bands.levelled_band)
        self.level_columns = np.flatnonzero(tiers == bands.level_tier)
        self.levels = bands.levels
        self.thresholds = np.array([lv.min_share_absent for lv in bands.levels], dtype=np.float64)
        self.required = np.isin(tiers, list(bands.required_tiers))
        # EDD flags are listed sorted by id, findings and missing in catalog order
        self.edd_columns = sorted((k for k, i in enumerate(catalog.indicators) if i.raises_edd),
                                  key=lambda k: self.ids[k])
        # share_absent takes few values (absent / assessed of a few indicators): its text is
        # computed once per pair, with Python's own rounding and float repr, as the rules path does
        n = len(self.level_columns)
        self.share_width = n + 1
        self.share_text = [""] + [repr(round(absent / assessed, 4)) if assessed else ""
                                  for assessed in range(n + 1) for absent in range(n + 1)]
        self.share_value = [None] + [absent / assessed if assessed else None
                                     for assessed in range(n + 1) for absent in range(n + 1)]

    # --- evaluation -----------------------------------------------------------------------

    def evaluate(self, codes: np.ndarray) -> VectorResult:
        """Classify every row of a status-code matrix (rows x catalog indicators)."""
        codes = np.where(codes < 0, NOT_ASSESSED_CODE, codes)  # bad cells are reported, not classified
        present = self.is_present_code[codes]
        unassessed = codes == NOT_ASSESSED_CODE
        outcome = {"present": present, "not_assessed": unassessed}
        conditions = [outcome[kind][:, columns].any(axis=1) for columns, kind, _ in self.steps]
        band = np.select(conditions, [b for _, _, b in self.steps], self.default_band).astype(np.int16)

        gaps = present[:, self.level_columns].sum(axis=1)
        assessed = len(self.level_columns) - unassessed[:, self.level_columns].sum(axis=1)
        absent = assessed - gaps
        levelled = band == self.levelled_band
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(assessed > 0, absent / np.maximum(assessed, 1), np.nan)
        # the highest level whose threshold the share reaches; the first when the share is unknown
        level = np.searchsorted(self.thresholds, np.where(np.isnan(share), -np.inf, share), side="right") - 1
        level = np.where(levelled, np.maximum(level, 0), -1).astype(np.int16)
        share_key = np.where(levelled & (assessed > 0), 1 + assessed * self.share_width + absent, 0)
        return VectorResult(band, level, share_key, present, unassessed)

    # --- results as text columns (pyarrow), for CSV and Parquet -----------------------------

    def text_columns(self, result: VectorResult, keep: np.ndarray) -> dict[str, pa.Array]:
        """band, level, level_title, share_absent, edd, findings and missing of the kept rows,
        as the rules path's flat records write them."""
        band = _lookup([*self.band_ids], result.band[keep])
        level = _lookup([str(lv.level) for lv in self.levels] + [""], result.level[keep])
        title = _lookup([lv.title for lv in self.levels] + [""], result.level[keep])
        share = _lookup(self.share_text, result.share[keep])
        present = result.present[keep]
        missing = result.unassessed[keep] & self.required
        return {
            "band": band, "level": level, "level_title": title, "share_absent": share,
            "edd": self._joined(present, self.edd_columns),
            "findings": self._joined(present, range(len(self.ids))),
            "missing": self._joined(missing, range(len(self.ids))),
        }

    def typed_columns(self, result: VectorResult, keep: np.ndarray) -> dict[str, pa.Array]:
        """level as an integer and share_absent as a number (Parquet); null where none."""
        level_k = result.level[keep]
        levels = np.array([lv.level for lv in self.levels] + [0], dtype=np.int64)[level_k]
        share_values = np.array([np.nan if v is None else round(v, 4) for v in self.share_value])
        share = share_values[result.share[keep]]
        return {"level": pa.array(levels, mask=level_k < 0, type=pa.int64()),
                "share_absent": pa.array(share, mask=np.isnan(share), type=pa.float64())}

    def _joined(self, mask: np.ndarray, columns) -> pa.Array:
        """The ids of the chosen columns that are set in each row, joined with ';'."""
        # "id;" or "" per column, concatenated, the last ';' trimmed (ids never hold ';'). Nulls
        # with null_handling="skip" would be neater, but pyarrow 26 drops all-null rows there.
        parts = [pc.if_else(pa.array(mask[:, k]), self.ids[k] + LIST_SEPARATOR, "") for k in columns]
        if not parts:
            return _lookup([""], np.zeros(len(mask), dtype=np.int8))
        return pc.utf8_rtrim(pc.binary_join_element_wise(*parts, ""), characters=LIST_SEPARATOR)

    # --- results as objects, for JSON and tables (the rules path's own dicts) ----------------

    def classifications(self, checked: CheckedFrame, result: VectorResult) -> list[Classification]:
        catalog, bands = self.rulebook.catalog, self.rulebook.bands
        keep = np.flatnonzero(~checked.blank)
        out = []
        for assessment, i in zip(checked.assessments(catalog), keep):
            findings = [finding_for(self.indicators[k], assessment, catalog)
                        for k in np.flatnonzero(result.present[i])]
            level = int(result.level[i])
            unassessed = np.flatnonzero(result.unassessed[i])
            out.append(Classification(
                assessment=assessment,
                band=self.band_ids[result.band[i]],
                level=None if level < 0 else self.levels[level].level,
                level_title=None if level < 0 else self.levels[level].title,
                share_absent=self.share_value[result.share[i]],
                edd=[self.ids[k] for k in self.edd_columns if result.present[i, k]],
                findings=findings,
                missing=[self.ids[k] for k in unassessed if self.required[k]],
                not_assessed=[self.ids[k] for k in unassessed],
                catalog_version=catalog.version,
                catalog_hash=catalog.content_hash,
                bands_hash=bands.content_hash,
            ))
        return out


def _lookup(texts: list[str], index: np.ndarray) -> pa.Array:
    """texts[index] as a string array (a negative index counts from the end, as in Python)."""
    index = np.asarray(index, dtype=np.int64)
    return pa.array(texts, type=pa.string()).take(pa.array(np.where(index < 0, index + len(texts), index)))


_compiled: dict[tuple, CompiledRulebook] = {}


def compile_rulebook(rulebook: Rulebook) -> CompiledRulebook:
    """The compiled form of a rulebook, once per catalog and band definitions."""
    # the hashes leave out translations, and compiled results carry titles: key on those too
    key = (rulebook.catalog.content_hash, rulebook.bands.content_hash,
           tuple(i.title for i in rulebook.catalog.indicators), tuple(lv.title for lv in rulebook.bands.levels))
    if key not in _compiled:
        _compiled[key] = CompiledRulebook(rulebook)
    return _compiled[key]

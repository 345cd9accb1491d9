"""Band and level text in other languages, as data: `data/translations/<lang>.yaml`.

English is the language of bands.yaml. A translation changes only what people read (band
titles and summaries, level titles), never ids, the band rule or the bands' content hash, and it
is applied where people-facing outputs are rendered (plans, screening), never to the
machine-readable results of `craft classify`.
"""
from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path

import yaml

from .bands import BUNDLED_BANDS, BandDefinitions

SOURCE_LANGUAGE = "en"
BUNDLED_TRANSLATIONS = BUNDLED_BANDS.parent / "translations"


class BandTranslationError(ValueError):
    pass


def translations_folder(bands_path: str | Path | None = None) -> Path:
    """`translations/` next to an edited bands file if it has one, else the bundled folder."""
    if bands_path is not None:
        folder = Path(bands_path).parent / "translations"
        if folder.is_dir():
            return folder
    return BUNDLED_TRANSLATIONS


def available_languages(bands_path: str | Path | None = None) -> list[str]:
    found = sorted(p.stem for p in translations_folder(bands_path).glob("*.yaml"))
    return [SOURCE_LANGUAGE, *(lang for lang in found if lang != SOURCE_LANGUAGE)]


@lru_cache(maxsize=8)
def _read(path: Path, _stamp: int) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise BandTranslationError(f"{path}: cannot be read: {exc}") from None
    if not isinstance(data, dict):
        raise BandTranslationError(f"{path}: expected a mapping at the top level")
    return data


def load_band_translation(lang: str, bands_path: str | Path | None = None) -> dict:
    """The raw mapping for `lang` ({} for English)."""
    if lang == SOURCE_LANGUAGE:
        return {}
    path = translations_folder(bands_path) / f"{lang}.yaml"
    if not path.exists():
        raise BandTranslationError(f"no band translation for language '{lang}'; available: "
                                   f"{', '.join(available_languages(bands_path))}")
    return _read(path, path.stat().st_mtime_ns)


def validate_band_translation(data: dict, bands: BandDefinitions, name: str = "translation") -> list[str]:
    problems = [f"{name}: unknown top-level key '{k}'" for k in data if k not in ("language", "bands", "levels")]
    for band_id, entry in (data.get("bands") or {}).items():
        if band_id not in bands.bands:
            problems.append(f"{name}: band '{band_id}' is not in the band definitions")
        elif not isinstance(entry, dict) or set(entry) - {"title", "summary"}:
            problems.append(f"{name}: band '{band_id}': allowed fields are title, summary")
    known_levels = {lv.level for lv in bands.levels}
    for level, entry in (data.get("levels") or {}).items():
        if level not in known_levels:
            problems.append(f"{name}: level {level!r} is not a level of the band definitions")
        elif not isinstance(entry, dict) or set(entry) - {"title"}:
            problems.append(f"{name}: level {level}: the allowed field is title")
    return problems


def missing_band_translations(data: dict, bands: BandDefinitions) -> list[str]:
    """Every band or level text the translation does not give (these stay in English)."""
    missing = []
    for band_id in bands.bands:
        entry = (data.get("bands") or {}).get(band_id) or {}
        missing += [f"bands.{band_id}.{f}" for f in ("title", "summary") if not entry.get(f)]
    for lv in bands.levels:
        if not ((data.get("levels") or {}).get(lv.level) or {}).get("title"):
            missing.append(f"levels.{lv.level}.title")
    return missing


def _text(entry, key: str, fallback: str) -> str:
    value = entry.get(key) if isinstance(entry, dict) else None
    return value if isinstance(value, str) and value.strip() else fallback


def localize_bands(bands: BandDefinitions, lang: str, bands_path: str | Path | None = None) -> BandDefinitions:
    """The definitions with their text in `lang`; the rule, ids and content hash unchanged.
    A band or level the translation lacks keeps its English text."""
    if lang == SOURCE_LANGUAGE:
        return bands
    data = load_band_translation(lang, bands_path)
    bands_tr, levels_tr = data.get("bands") or {}, data.get("levels") or {}
    localized = {
        band_id: dataclasses.replace(band, title=_text(bands_tr.get(band_id), "title", band.title),
                                     summary=_text(bands_tr.get(band_id), "summary", band.summary))
        for band_id, band in bands.bands.items()
    }
    levels = tuple(dataclasses.replace(lv, title=_text(levels_tr.get(lv.level), "title", lv.title))
                   for lv in bands.levels)
    return dataclasses.replace(bands, bands=localized, levels=levels)


def localize_view(view: dict, bands: BandDefinitions) -> dict:
    """A copy of an audience view with band and level text from (localized) `bands`.
    Ids, findings and everything else are left as they are."""
    out = dict(view)
    band = bands.bands.get(view.get("band"))
    if band is not None:
        out["band_title"], out["band_summary"] = band.title, band.summary
    if view.get("level") is not None and view.get("band") == bands.levelled_band:
        level = next((lv for lv in bands.levels if lv.level == view["level"]), None)
        if level is not None:
            out["level_title"] = level.title
    return out

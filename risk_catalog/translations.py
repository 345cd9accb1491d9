"""Translations of the catalog's text (titles, descriptions, actions, core subjects, status
labels): an optional layer of YAML files in `<catalog>/translations/<lang>.yaml`.

English is the catalog's own language. A translation never changes the catalog's content hash:
the hash fingerprints what decides a classification (ids, tiers, subjects, sources, actions as
written in the catalog), and fixing a Spanish typo must not make past classifications look as if
they used another catalog. Each translation has its own hash, for reports that want to cite it.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from functools import lru_cache
from pathlib import Path

import yaml

from .loader import BUNDLED_CATALOG, Action, Catalog, CatalogError
from .mechanisms import LEVEL_MEANING, UpstreamMechanism, load_mechanisms
from .statuses import STATUSES

SOURCE_LANGUAGE = "en"
TRANSLATIONS_FOLDER = "translations"


def translations_folder(catalog_path: str | Path | None = None) -> Path:
    """Where a catalog's translations live; a single-file catalog uses the bundled ones."""
    path = Path(catalog_path) if catalog_path is not None else BUNDLED_CATALOG
    if path.is_dir() and (path / TRANSLATIONS_FOLDER).is_dir():
        return path / TRANSLATIONS_FOLDER
    return BUNDLED_CATALOG / TRANSLATIONS_FOLDER


def available_languages(catalog_path: str | Path | None = None) -> list[str]:
    """English first, then every language with a translation file."""
    found = sorted(p.stem for p in translations_folder(catalog_path).glob("*.yaml"))
    return [SOURCE_LANGUAGE, *(lang for lang in found if lang != SOURCE_LANGUAGE)]


def read_translation(path: Path) -> tuple[dict, list[str]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return {}, [f"{path.name}: cannot be read: {exc}"]
    if not isinstance(data, dict):
        return {}, [f"{path.name}: expected a mapping at the top level"]
    return data, []


def validate_translation(data: dict, catalog: Catalog, name: str = "translation") -> list[str]:
    """Problems that make a translation unusable: unknown ids, wrong shapes, action counts."""
    problems = []
    for key in data:
        if key not in ("language", "statuses", "core_subjects", "indicators", "upstream_mechanisms"):
            problems.append(f"{name}: unknown top-level key '{key}'")
    mechanisms = data.get("upstream_mechanisms") or {}
    for key in mechanisms:
        if key not in ("level_meaning", "mechanisms"):
            problems.append(f"{name}: upstream_mechanisms: unknown key '{key}' (level_meaning, mechanisms)")
    for level in mechanisms.get("level_meaning") or {}:
        if level not in LEVEL_MEANING:
            problems.append(f"{name}: upstream_mechanisms: level {level!r} is not an RMI level "
                            f"({', '.join(map(str, LEVEL_MEANING))})")
    known = {m.id for m in load_mechanisms()}
    for mid, entry in (mechanisms.get("mechanisms") or {}).items():
        if mid not in known:
            problems.append(f"{name}: upstream mechanism '{mid}' is not in upstream_mechanisms.yaml")
        elif not isinstance(entry, dict) or set(entry) - {"recognition", "status_notes"}:
            problems.append(f"{name}: upstream mechanism '{mid}': allowed fields are recognition, status_notes")
    statuses = data.get("statuses") or {}
    for status in statuses:
        if status not in STATUSES:
            problems.append(f"{name}: statuses: '{status}' is not a status ({', '.join(STATUSES)})")
    subject_ids = {s.id for s in catalog.subjects}
    for sid, entry in (data.get("core_subjects") or {}).items():
        if sid not in subject_ids:
            problems.append(f"{name}: core subject '{sid}' is not in the catalog")
        elif not isinstance(entry, dict) or set(entry) - {"title", "description", "empty_note"}:
            problems.append(f"{name}: core subject '{sid}': allowed fields are title, description, empty_note")
    for iid, entry in (data.get("indicators") or {}).items():
        if iid not in catalog:
            problems.append(f"{name}: indicator '{iid}' is not in the catalog")
            continue
        if not isinstance(entry, dict) or set(entry) - {"title", "description", "actions"}:
            problems.append(f"{name}: indicator '{iid}': allowed fields are title, description, actions")
            continue
        actions = entry.get("actions")
        if actions is not None:
            want = len(catalog.indicator(iid).actions)
            if not isinstance(actions, list) or len(actions) != want or not all(isinstance(a, str) and a for a in actions):
                problems.append(f"{name}: indicator '{iid}': 'actions' must list {want} texts, "
                                "in the catalog's order")
    return problems


def missing_translations(data: dict, catalog: Catalog) -> list[str]:
    """Every catalog text the translation does not give (these fall back to English)."""
    missing = [f"statuses.{s}" for s in STATUSES if not (data.get("statuses") or {}).get(s)]
    subjects = data.get("core_subjects") or {}
    for s in catalog.subjects:
        fields = ["title", "description"] + (["empty_note"] if s.empty_note else [])
        missing += [f"core_subjects.{s.id}.{f}" for f in fields if not (subjects.get(s.id) or {}).get(f)]
    indicators = data.get("indicators") or {}
    for i in catalog.indicators:
        entry = indicators.get(i.id) or {}
        missing += [f"indicators.{i.id}.{f}" for f in ("title", "description", "actions") if not entry.get(f)]
    return missing


def missing_mechanism_translations(data: dict) -> list[str]:
    """Upstream mechanism texts (bundled) the translation does not give."""
    section = data.get("upstream_mechanisms") or {}
    missing = [f"upstream_mechanisms.level_meaning.{lv}" for lv in LEVEL_MEANING
               if not (section.get("level_meaning") or {}).get(lv)]
    for m in load_mechanisms():
        entry = (section.get("mechanisms") or {}).get(m.id) or {}
        missing += [f"upstream_mechanisms.mechanisms.{m.id}.{f}" for f in ("recognition", "status_notes")
                    if not entry.get(f)]
    return missing


@lru_cache(maxsize=16)
def _load(folder: Path, lang: str, _stamp: int) -> dict:
    path = folder / f"{lang}.yaml"
    data, problems = read_translation(path)
    if problems:
        raise CatalogError(str(path), problems)
    return data


def load_translation(lang: str, catalog_path: str | Path | None = None) -> dict:
    """The raw translation mapping for `lang` ({} for English or a language with no file)."""
    path = translations_folder(catalog_path) / f"{lang}.yaml"
    if not path.exists():
        if lang == SOURCE_LANGUAGE:
            return {}
        raise CatalogError(str(path), [f"no translation for language '{lang}'; available: "
                                       f"{', '.join(available_languages(catalog_path))}"])
    return _load(path.parent, lang, path.stat().st_mtime_ns)


def translation_hash(data: dict) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def localize_catalog(catalog: Catalog, lang: str, catalog_path: str | Path | None = None) -> Catalog:
    """The catalog with its text in `lang`; ids, tiers, sources and the content hash unchanged.

    An entry the translation lacks stays in English, and so do the actions of an indicator whose
    number of actions differs from the translation's (an edited catalog using the bundled
    translations): a stale translation must not put an action under the wrong indicator.
    `craft catalog`'s tests check the bundled translations strictly (validate_translation).
    """
    if lang == SOURCE_LANGUAGE:
        return catalog
    if catalog_path is None and catalog.source and Path(catalog.source).exists():
        catalog_path = catalog.source
    data = load_translation(lang, catalog_path)
    subjects_tr = data.get("core_subjects") or {}
    indicators_tr = data.get("indicators") or {}
    subjects = tuple(
        dataclasses.replace(s, **{k: v for k, v in (subjects_tr.get(s.id) or {}).items()
                                  if k in ("title", "description", "empty_note") and isinstance(v, str) and v})
        for s in catalog.subjects
    )
    indicators = []
    for ind in catalog.indicators:
        entry = indicators_tr.get(ind.id) or {}
        changes = {k: entry[k] for k in ("title", "description") if isinstance(entry.get(k), str) and entry[k]}
        actions = entry.get("actions")
        if isinstance(actions, list) and len(actions) == len(ind.actions) and all(isinstance(a, str) for a in actions):
            changes["actions"] = tuple(Action(text, a.quick_win) for text, a in zip(actions, ind.actions))
        indicators.append(dataclasses.replace(ind, **changes))
    # _by_id must be a new dict: replace() would otherwise hand over (and refill) the original's
    return dataclasses.replace(catalog, subjects=subjects, indicators=tuple(indicators), _by_id={})


def status_labels(lang: str, catalog_path: str | Path | None = None) -> dict[str, str]:
    """What each status is called in `lang` (English labels from en.yaml)."""
    data = load_translation(lang, catalog_path) if lang != SOURCE_LANGUAGE else _english(catalog_path)
    labels = dict(_english(catalog_path).get("statuses") or {})
    labels.update({k: v for k, v in (data.get("statuses") or {}).items() if v})
    return {s: labels.get(s, s) for s in STATUSES}


def _english(catalog_path) -> dict:
    path = translations_folder(catalog_path) / f"{SOURCE_LANGUAGE}.yaml"
    return _load(path.parent, SOURCE_LANGUAGE, path.stat().st_mtime_ns) if path.exists() else {}


def localize_mechanisms(lang: str) -> tuple[UpstreamMechanism, ...]:
    """The bundled upstream mechanisms with recognition, status notes and what their RMI level
    means in `lang` (the bundled translations; names and ids stay as they are)."""
    mechanisms = load_mechanisms()
    if lang == SOURCE_LANGUAGE:
        return mechanisms
    section = load_translation(lang).get("upstream_mechanisms") or {}
    meanings = section.get("level_meaning") or {}
    entries = section.get("mechanisms") or {}

    def text(value, fallback: str) -> str:
        return " ".join(value.split()) if isinstance(value, str) and value.strip() else fallback

    return tuple(
        dataclasses.replace(
            m, recognition=text((entries.get(m.id) or {}).get("recognition"), m.recognition),
            status_notes=text((entries.get(m.id) or {}).get("status_notes"), m.status_notes),
            level_meaning=text(meanings.get(m.rmi_level), ""))
        for m in mechanisms
    )

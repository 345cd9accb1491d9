"""Load and validate the risk catalog (YAML), and fingerprint it.

The catalog is data: indicators, their tier and ISO 26000 core subject, sources and actions.
Every problem in a catalog is collected and reported at once.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .messages import N_, Message

from .statuses import TIERS, TIER_PREFIXES

BUNDLED_CATALOG = Path(__file__).parent / "data"

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class CatalogError(Exception):
    """A catalog that cannot be used; `problems` lists every reason."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid catalog {source}: {len(problems)} problem(s)\n{lines}")


@dataclass(frozen=True)
class Action:
    text: str
    quick_win: bool = False


@dataclass(frozen=True)
class Indicator:
    id: str
    title: str
    description: str
    tier: str
    subject: str
    sources: tuple[str, ...]
    actions: tuple[Action, ...]
    craft_module: int | None = None
    raises_edd: bool = False
    progress_check_days: int | None = None
    deadline_days: int | None = None


@dataclass(frozen=True)
class CoreSubject:
    id: str
    title: str
    iso_clause: str
    description: str
    empty_note: str | None = None


@dataclass(frozen=True)
class Catalog:
    version: str
    name: str
    content_hash: str
    source: str
    subjects: tuple[CoreSubject, ...]
    indicators: tuple[Indicator, ...]
    _by_id: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        self._by_id.update({i.id: i for i in self.indicators})
        self._by_id.update({("subject", s.id): s for s in self.subjects})

    def indicator(self, indicator_id: str) -> Indicator:
        return self._by_id[indicator_id]

    def __contains__(self, indicator_id: str) -> bool:
        return indicator_id in self._by_id

    @property
    def ids(self) -> list[str]:
        return [i.id for i in self.indicators]

    def by_tier(self, tier: str) -> list[Indicator]:
        return [i for i in self.indicators if i.tier == tier]

    def by_subject(self, subject_id: str) -> list[Indicator]:
        return [i for i in self.indicators if i.subject == subject_id]

    def subject(self, subject_id: str) -> CoreSubject:
        return self._by_id[("subject", subject_id)]


# Field checks declared as data: name -> (python type(s), required?, allowed tiers or None).
_INDICATOR_FIELDS: dict[str, tuple[tuple[type, ...], bool, tuple[str, ...] | None]] = {
    "id": ((str,), True, None),
    "title": ((str,), True, None),
    "description": ((str,), True, None),
    "tier": ((str,), True, None),
    "subject": ((str,), True, None),
    "sources": ((list,), True, None),
    "actions": ((list,), True, None),
    "craft_module": ((int,), False, None),
    "raises_edd": ((bool,), False, None),
    "progress_check_days": ((int,), False, ("mitigation",)),
    "deadline_days": ((int,), False, ("mitigation",)),
}
_REQUIRED_FOR_TIER = {"mitigation": ("progress_check_days", "deadline_days")}
_SUBJECT_FIELDS = {"id": True, "title": True, "iso_clause": True, "description": True, "empty_note": False}


def _read_yaml(path: Path, problems: list[str]) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        problems.append(Message(N_("%(file)s: not valid YAML: %(error)s"), file=path.name, error=exc))
    except OSError as exc:
        problems.append(Message(N_("%(path)s: cannot be read: %(error)s"), path=path, error=exc.strerror))
    return None


def read_catalog_data(path: Path) -> tuple[dict, list[str]]:
    """Read a catalog folder or single file into one mapping, with read problems."""
    problems: list[str] = []
    if path.is_dir():
        data = _read_yaml(path / "catalog.yaml", problems) or {}
        if not isinstance(data, dict):
            return {}, [Message(N_("%(path)s: expected a mapping at the top level"), path=path / "catalog.yaml")]
        indicators: list = list(data.get("indicators") or [])
        for part in sorted((path / "indicators").glob("*.yaml")):
            items = _read_yaml(part, problems)
            if items is None:
                continue
            if not isinstance(items, list):
                problems.append(Message(N_("%(file)s: expected a list of indicators"), file=part.name))
                continue
            indicators.extend(items)
        data["indicators"] = indicators
        return data, problems
    if not path.exists():
        return {}, [Message(N_("%(path)s: no such file or folder"), path=path)]
    data = _read_yaml(path, problems)
    if data is None and not problems:
        problems.append(Message(N_("%(file)s: the file is empty"), file=path.name))
    if data is not None and not isinstance(data, dict):
        problems.append(Message(N_("%(path)s: expected a mapping at the top level"), path=path.name))
        data = None
    return data or {}, problems


def _check_fields(where: str, item: dict, spec: dict, problems: list[str]) -> None:
    for name, (types, required, _tiers) in spec.items():
        if name not in item or item[name] is None:
            if required:
                problems.append(Message(N_("%(where)s: missing field '%(field)s'"), where=where, field=name))
            continue
        value = item[name]
        # bool is an int in Python; do not accept true as a number of days
        if not isinstance(value, types) or (bool not in types and isinstance(value, bool)):
            want = " or ".join(t.__name__ for t in types)
            problems.append(Message(N_("%(where)s: field '%(field)s' must be a %(type)s, got %(value)s"),
                                    where=where, field=name, type=want, value=repr(value)))
    for name in item:
        if name not in spec:
            problems.append(Message(N_("%(where)s: unknown field '%(field)s'"), where=where, field=name))


def validate_catalog_data(data: dict) -> list[str]:
    """Every problem in the catalog mapping, as readable sentences (Message: English text that
    the CLI can show translated)."""
    problems: list[str] = []
    for key in ("catalog_version", "name", "core_subjects", "indicators"):
        if key not in data or data[key] in (None, "", []):
            problems.append(Message(N_("missing top-level '%(key)s'"), key=key))
    if "catalog_version" in data and not isinstance(data["catalog_version"], str):
        problems.append(Message(N_("'catalog_version' must be a string (quote it), got %(value)s"),
                                value=repr(data["catalog_version"])))

    subject_ids: list[str] = []
    for n, subject in enumerate(data.get("core_subjects") or [], start=1):
        if not isinstance(subject, dict):
            problems.append(Message(N_("core subject #%(n)s: expected a mapping"), n=n))
            continue
        where = Message(N_("core subject '%(id)s'"), id=subject.get("id", f"#{n}"))
        for name, required in _SUBJECT_FIELDS.items():
            if required and not subject.get(name):
                problems.append(Message(N_("%(where)s: missing field '%(field)s'"), where=where, field=name))
        for name in subject:
            if name not in _SUBJECT_FIELDS:
                problems.append(Message(N_("%(where)s: unknown field '%(field)s'"), where=where, field=name))
        if "id" in subject:
            if subject["id"] in subject_ids:
                problems.append(Message(N_("duplicate core subject id '%(id)s'"), id=subject["id"]))
            subject_ids.append(subject["id"])

    seen: set[str] = set()
    for n, ind in enumerate(data.get("indicators") or [], start=1):
        if not isinstance(ind, dict):
            problems.append(Message(N_("indicator #%(n)s: expected a mapping"), n=n))
            continue
        iid = ind.get("id")
        where = (Message(N_("indicator '%(id)s'"), id=iid) if iid
                 else Message(N_("indicator #%(n)s"), n=n))
        _check_fields(where, ind, _INDICATOR_FIELDS, problems)
        if isinstance(iid, str):
            if iid in seen:
                problems.append(Message(N_("duplicate indicator id '%(id)s'"), id=iid))
            seen.add(iid)
            if not _ID.match(iid):
                problems.append(Message(N_("%(where)s: id must be lower-case letters, digits and underscores"),
                                        where=where))
            if "__" in iid:
                problems.append(Message(N_("%(where)s: id must not contain '__' (reserved for evidence columns)"),
                                        where=where))
        tier = ind.get("tier")
        if tier is not None and tier not in TIERS:
            problems.append(Message(N_("%(where)s: unknown tier %(tier)s; allowed: %(tiers)s"),
                                    where=where, tier=repr(tier), tiers=", ".join(TIERS)))
        elif tier in TIERS and isinstance(iid, str) and not iid.startswith(TIER_PREFIXES[tier]):
            problems.append(Message(N_("%(where)s: ids of tier '%(tier)s' start with '%(prefix)s'"),
                                    where=where, tier=tier, prefix=TIER_PREFIXES[tier]))
        subject = ind.get("subject")
        if subject is not None and subject not in subject_ids:
            problems.append(Message(N_("%(where)s: unknown subject %(subject)s; allowed: %(subjects)s"),
                                    where=where, subject=repr(subject), subjects=", ".join(map(str, subject_ids))))
        for name, (_types, _req, tiers) in _INDICATOR_FIELDS.items():
            if tiers and name in ind and tier not in tiers:
                problems.append(Message(N_("%(where)s: field '%(field)s' is only for tier %(tiers)s"),
                                        where=where, field=name, tiers="/".join(tiers)))
        for name in _REQUIRED_FOR_TIER.get(tier, ()):
            if ind.get(name) is None:
                problems.append(Message(N_("%(where)s: missing field '%(field)s' (required for tier '%(tier)s')"),
                                        where=where, field=name, tier=tier))
            elif isinstance(ind[name], int) and ind[name] <= 0:
                problems.append(Message(N_("%(where)s: '%(field)s' must be a positive number of days"),
                                        where=where, field=name))
        if isinstance(ind.get("sources"), list):
            if not ind["sources"] or not all(isinstance(s, str) and s for s in ind["sources"]):
                problems.append(Message(N_("%(where)s: 'sources' must be a non-empty list of strings"), where=where))
        if isinstance(ind.get("actions"), list):
            if not ind["actions"]:
                problems.append(Message(N_("%(where)s: 'actions' must not be empty"), where=where))
            for k, action in enumerate(ind["actions"], start=1):
                if not isinstance(action, dict) or not isinstance(action.get("text"), str):
                    problems.append(Message(N_("%(where)s: action #%(k)s needs a 'text'"), where=where, k=k))
                elif not isinstance(action.get("quick_win", False), bool):
                    problems.append(Message(N_("%(where)s: action #%(k)s: 'quick_win' must be true or false"),
                                            where=where, k=k))
                elif set(action) - {"text", "quick_win"}:
                    problems.append(Message(N_("%(where)s: action #%(k)s: unknown field(s) %(fields)s"), where=where,
                                            k=k, fields=sorted(set(action) - {"text", "quick_win"})))
        module = ind.get("craft_module")
        if isinstance(module, int) and not isinstance(module, bool) and not 1 <= module <= 5:
            problems.append(Message(N_("%(where)s: 'craft_module' must be 1 to 5"), where=where))
    return problems


def content_hash(data: dict) -> str:
    """sha256 of the catalog's canonical JSON: formatting and file split do not change it."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def build_catalog(data: dict, source: str) -> Catalog:
    subjects = tuple(
        CoreSubject(
            id=s["id"], title=s["title"], iso_clause=str(s["iso_clause"]),
            description=s["description"], empty_note=s.get("empty_note"),
        )
        for s in data["core_subjects"]
    )
    indicators = tuple(
        Indicator(
            id=i["id"], title=i["title"], description=i["description"], tier=i["tier"],
            subject=i["subject"], sources=tuple(i["sources"]),
            actions=tuple(Action(a["text"], bool(a.get("quick_win", False))) for a in i["actions"]),
            craft_module=i.get("craft_module"), raises_edd=bool(i.get("raises_edd", False)),
            progress_check_days=i.get("progress_check_days"), deadline_days=i.get("deadline_days"),
        )
        for i in data["indicators"]
    )
    return Catalog(
        version=data["catalog_version"], name=data["name"], content_hash=content_hash(data),
        source=source, subjects=subjects, indicators=indicators,
    )


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Load and validate a catalog folder or file; the bundled one by default."""
    path = (Path(path) if path is not None else BUNDLED_CATALOG).resolve()
    return _load_catalog_cached(path, _modified(path))


def _modified(path: Path) -> tuple[int, ...]:
    """When the catalog's files last changed, so an edited catalog is loaded again."""
    files = [path, *sorted(path.rglob("*.yaml"))] if path.is_dir() else [path]
    stamps = []
    for f in files:
        try:
            stamps.append(f.stat().st_mtime_ns)
        except OSError:
            stamps.append(0)
    return tuple(stamps)


@lru_cache(maxsize=8)
def _load_catalog_cached(path: Path, _stamp: tuple[int, ...]) -> Catalog:
    data, problems = read_catalog_data(path)
    if not problems:
        problems = validate_catalog_data(data)
    if problems:
        raise CatalogError(str(path), problems)
    return build_catalog(data, str(path))

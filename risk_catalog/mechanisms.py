"""Upstream mechanisms (CRAFT, Better Mining) and what their RMI recognition means."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

BUNDLED_MECHANISMS = Path(__file__).parent / "data" / "upstream_mechanisms.yaml"

# What a buyer may rely on, by RMI recognition level.
LEVEL_MEANING = {
    1: "standard and implementation recognised by the RMI",
    2: ("standard recognised, implementation not independently verified: "
        "cover it in the smelter's RMAP assessment"),
}


@dataclass(frozen=True)
class UpstreamMechanism:
    id: str
    name: str
    aliases: tuple[str, ...]
    maintainer: str
    rmi_level: int
    recognition: str
    since: str
    status_notes: str
    level_meaning: str = ""  # set by a translation (risk_catalog.translations.localize_mechanisms)

    @property
    def meaning(self) -> str:
        return self.level_meaning or LEVEL_MEANING[self.rmi_level]


@lru_cache(maxsize=2)
def load_mechanisms(path: Path = BUNDLED_MECHANISMS) -> tuple[UpstreamMechanism, ...]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return tuple(
        UpstreamMechanism(
            id=m["id"], name=m["name"], aliases=tuple(m["aliases"]), maintainer=m["maintainer"],
            rmi_level=int(m["rmi_level"]), recognition=m["recognition"], since=str(m["since"]),
            status_notes=m["status_notes"],
        )
        for m in data["mechanisms"]
    )


def find_mechanism(name: str) -> UpstreamMechanism | None:
    """The mechanism a cell names (its id, name or an alias; case and spaces ignored)."""
    key = " ".join(name.split()).casefold()
    for mechanism in load_mechanisms():
        if key in {mechanism.id.casefold(), mechanism.name.casefold(), *(a.casefold() for a in mechanism.aliases)}:
            return mechanism
    return None


def known_mechanism_names() -> list[str]:
    return [m.name for m in load_mechanisms()]

"""The one place that talks to durable-rules, and contains its sharp edges.

- Rulesets are JSON definitions compiled from the catalog and registered on a Host subclass,
  once per process and catalog (a ruleset name cannot be registered twice).
- Every rule is guarded by the discriminator `kind == "assessment"`, so no rule matches
  durable-rules' own state events.
- A fact that matches no rule raises MessageNotHandledException, and still leaves a state
  behind (about 1 MB each) that delete_state then crashes on (a segmentation fault). So every
  fact also matches a guarded catch-all rule, which records nothing; the exception is still
  caught, and the state is deleted only when a rule handled the fact.
- Exceptions inside actions are swallowed into the state by durable-rules; they are
  recorded and raised as RulesEngineError naming the site.
- A fact holds at most 255 properties, and registering a ruleset of a few hundred rules
  hangs inside the engine (seen at about 350 rules): the catalog is split into parts of at
  most MAX_ANSWERS_PER_FACT indicators, each part its own ruleset fed its own fact.
- The Host starts timer threads that run actions in the background; they are not started,
  so actions run only in the caller's thread (durable-rules is not thread-safe).
- Each site's state is deleted after it is classified.
- On Python 3.12 every action calls the deprecated datetime.utcfromtimestamp(): that warning,
  from durable-rules only, is silenced.
"""
from __future__ import annotations

import itertools
import os
import warnings

from durable import engine as durable_engine

from risk_catalog import PRESENT, Catalog
from risk_catalog.statuses import NOT_ASSESSED

warnings.filterwarnings("ignore", message=r".*utcfromtimestamp", category=DeprecationWarning,
                        module=r"durable\.engine")

DISCRIMINATOR = {"kind": "assessment"}
# Well under both limits: 255 properties a fact, and rules a ruleset can register.
MAX_ANSWERS_PER_FACT = 100

# The outcomes a rule can find for an indicator, and the statuses that mean each.
RULE_OUTCOMES = {"present": PRESENT, "not_assessed": (NOT_ASSESSED,)}


class RulesEngineError(Exception):
    """The rules engine failed on a site; no band is given for it."""


SEEN_ACTION = "assessment|seen"


def catalog_parts(catalog: Catalog) -> list[list[str]]:
    """The catalog's indicator ids, in parts small enough for one fact and one ruleset."""
    ids = catalog.ids
    return [ids[start:start + MAX_ANSWERS_PER_FACT] for start in range(0, len(ids), MAX_ANSWERS_PER_FACT)]


def ruleset_names(catalog: Catalog) -> list[str]:
    return [f"craft_mes_{catalog.content_hash[:16]}_part{k}" for k in range(len(catalog_parts(catalog)))]


def compile_rulesets(catalog: Catalog) -> dict[str, dict]:
    """durable-rules JSON definitions: a ruleset per part of the catalog."""
    return {name: compile_ruleset(catalog, part)
            for name, part in zip(ruleset_names(catalog), catalog_parts(catalog))}


def compile_ruleset(catalog: Catalog, part: list[str] | None = None) -> dict:
    """One rule per indicator and outcome, plus a catch-all that records nothing."""
    wanted = set(catalog.ids if part is None else part)
    rules = {"assessment__seen": {"all": [{"m": dict(DISCRIMINATOR)}], "run": SEEN_ACTION}}
    for indicator in catalog.indicators:
        if indicator.id not in wanted:
            continue
        for outcome, statuses in RULE_OUTCOMES.items():
            match = [{indicator.id: s} for s in statuses]
            condition = match[0] if len(match) == 1 else {"$or": match}
            rules[f"{indicator.id}__{outcome}"] = {
                "all": [{"m": {"$and": [dict(DISCRIMINATOR), condition]}}],
                "run": f"{indicator.id}|{outcome}",
            }
    return rules


def answer_facts(catalog: Catalog, statuses: dict[str, str], sid: str) -> list[dict]:
    """The facts that carry one assessment's answers, one per part of the catalog."""
    facts = []
    for k, part in enumerate(catalog_parts(catalog)):
        fact = {**DISCRIMINATOR, "sid": sid, "part": k}
        for iid in part:
            fact[iid] = statuses[iid]
        facts.append(fact)
    return facts


class RulesHost(durable_engine.Host):
    """A durable-rules host whose actions record findings for the site being classified.

    One per process (use get_host()): durable-rules is not thread-safe, and one host keeps
    each catalog's ruleset registered exactly once.
    """

    def __init__(self):
        if _host is not None and _host_pid == os.getpid():
            raise RuntimeError("one RulesHost per process: use engine.rules_adapter.get_host()")
        self._fired: list[tuple[str, str]] = []
        self._action_errors: list[str] = []
        self._registered: set[str] = set()
        self._sids = itertools.count(1)
        super().__init__()

    def _run(self):
        # Do not start the background dispatch threads: actions run in the caller's thread.
        pass

    def get_action(self, action_name):
        if action_name == SEEN_ACTION:
            return lambda c: None
        indicator_id, outcome = action_name.split("|")
        fired = self._fired

        def record_finding(c):
            # an exception here would be swallowed into the state: run_assessment checks for it
            fired.append((indicator_id, outcome))

        return record_finding

    def ensure_rulesets(self, catalog: Catalog) -> list[str]:
        names = ruleset_names(catalog)
        if names[0] not in self._registered:
            self.register_rulesets(compile_rulesets(catalog))
            self._registered.update(names)
        return names

    def run_assessment(self, catalog: Catalog, statuses: dict[str, str], site_label: str) -> list[tuple[str, str]]:
        """The (indicator id, outcome) pairs the rules find for one assessment."""
        names = self.ensure_rulesets(catalog)
        sid = str(next(self._sids))
        self._fired.clear()
        self._action_errors.clear()
        handled = []
        try:
            for name, fact in zip(names, answer_facts(catalog, statuses, sid)):
                try:
                    state = self.assert_fact(name, fact)
                except durable_engine.MessageNotHandledException:
                    continue  # cannot happen with the catch-all rule; means "no finding"
                handled.append(name)
                if isinstance(state, dict) and state.get("exception"):
                    self._action_errors.append(str(state["exception"]))
        except Exception as exc:
            raise RulesEngineError(f"site {site_label}: the rules engine failed: {exc}") from exc
        finally:
            for name in handled:
                self.delete_state(name, sid)
        if self._action_errors:
            raise RulesEngineError(
                f"site {site_label}: a rule action failed: {'; '.join(self._action_errors)}"
            )
        return list(self._fired)


_host: RulesHost | None = None
_host_pid: int | None = None


def get_host() -> RulesHost:
    """The process's one host (a forked worker makes its own)."""
    global _host, _host_pid
    if _host is None or _host_pid != os.getpid():
        _host, _host_pid = RulesHost(), os.getpid()
    return _host

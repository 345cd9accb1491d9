"""The one place that talks to durable-rules, and contains its sharp edges.

- Rulesets are JSON definitions compiled from the catalog and registered on a Host subclass,
  once per process and catalog (a ruleset name cannot be registered twice).
- Every rule is guarded by the discriminator `kind == "assessment"`, so no rule matches
  durable-rules' own state events.
- An assessment whose answers match no rule raises MessageNotHandledException: that only
  means "no finding", so it is caught here.
- Exceptions inside actions are swallowed into the state by durable-rules; they are
  recorded and raised as RulesEngineError naming the site.
- A fact holds at most 255 properties: answers are split over several facts.
- The Host starts timer threads that run actions in the background; they are not started,
  so actions run only in the caller's thread (durable-rules is not thread-safe).
- Each site's state is deleted after it is classified.
"""
from __future__ import annotations

import itertools
import os

from durable import engine as durable_engine

from risk_catalog import PRESENT, Catalog
from risk_catalog.statuses import NOT_ASSESSED

DISCRIMINATOR = {"kind": "assessment"}
# durable-rules' limit is 255 properties a fact; leave room for kind, sid, id and part.
MAX_ANSWERS_PER_FACT = 250

# The outcomes a rule can find for an indicator, and the statuses that mean each.
RULE_OUTCOMES = {"present": PRESENT, "not_assessed": (NOT_ASSESSED,)}


class RulesEngineError(Exception):
    """The rules engine failed on a site; no band is given for it."""


def ruleset_name(catalog: Catalog) -> str:
    return f"craft_mes_{catalog.content_hash[:16]}"


def compile_ruleset(catalog: Catalog) -> dict:
    """One rule per indicator and outcome, as a durable-rules JSON definition."""
    rules = {}
    for indicator in catalog.indicators:
        for outcome, statuses in RULE_OUTCOMES.items():
            match = [{indicator.id: s} for s in statuses]
            condition = match[0] if len(match) == 1 else {"$or": match}
            rules[f"{indicator.id}__{outcome}"] = {
                "all": [{"m": {"$and": [dict(DISCRIMINATOR), condition]}}],
                "run": f"{indicator.id}|{outcome}",
            }
    return rules


def answer_facts(catalog: Catalog, statuses: dict[str, str], sid: str) -> list[dict]:
    """The facts that carry one assessment's answers, at most MAX_ANSWERS_PER_FACT each."""
    ids = catalog.ids
    facts = []
    for part, start in enumerate(range(0, len(ids), MAX_ANSWERS_PER_FACT)):
        fact = {**DISCRIMINATOR, "sid": sid, "part": part}
        for iid in ids[start:start + MAX_ANSWERS_PER_FACT]:
            fact[iid] = statuses[iid]
        facts.append(fact)
    return facts


class RulesHost(durable_engine.Host):
    """A durable-rules host whose actions record findings for the site being classified."""

    def __init__(self):
        self._fired: list[tuple[str, str]] = []
        self._action_errors: list[str] = []
        self._registered: set[str] = set()
        self._sids = itertools.count(1)
        super().__init__()

    def _run(self):
        # Do not start the background dispatch threads: actions run in the caller's thread.
        pass

    def get_action(self, action_name):
        indicator_id, outcome = action_name.split("|")
        fired, errors = self._fired, self._action_errors

        def record_finding(c):
            try:
                fired.append((indicator_id, outcome))
            except Exception as exc:  # durable-rules would swallow it into the state
                errors.append(f"{action_name}: {exc!r}")
                raise

        return record_finding

    def ensure_ruleset(self, catalog: Catalog) -> str:
        name = ruleset_name(catalog)
        if name not in self._registered:
            self.register_rulesets({name: compile_ruleset(catalog)})
            self._registered.add(name)
        return name

    def run_assessment(self, catalog: Catalog, statuses: dict[str, str], site_label: str) -> list[tuple[str, str]]:
        """The (indicator id, outcome) pairs the rules find for one assessment."""
        name = self.ensure_ruleset(catalog)
        sid = str(next(self._sids))
        self._fired.clear()
        self._action_errors.clear()
        try:
            for fact in answer_facts(catalog, statuses, sid):
                try:
                    state = self.assert_fact(name, fact)
                except durable_engine.MessageNotHandledException:
                    continue  # no rule matched this part: no finding in it
                if isinstance(state, dict) and state.get("exception"):
                    self._action_errors.append(str(state["exception"]))
        except Exception as exc:
            raise RulesEngineError(f"site {site_label}: the rules engine failed: {exc}") from exc
        finally:
            try:
                self.delete_state(name, sid)
            except Exception:
                pass  # a state that was never created has nothing to delete
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

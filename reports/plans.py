"""Action plans rendered from Jinja2 templates, one per assessment, plus an index.

Templates receive audience views (already redacted) and catalog data, nothing else.
"""
from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path
from typing import Iterable

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from risk_catalog.messages import N_
from risk_catalog import Catalog

from .i18n import DEFAULT_LANGUAGE, translations

PLAN_FORMATS = ("html", "md")




# How a plan names each status and site field (ids stay in the data; people read these).
STATUS_WORDS = {"confirmed": N_("confirmed"), "suspected": N_("suspected"), "absent": N_("absent"),
                "not_assessed": N_("not assessed")}
SITE_LABELS = {"producer": N_("Producer"), "organisation_type": N_("Type of organisation"),
               "mineral": N_("Mineral"), "region": N_("Region"), "country": N_("Country"),
               "upstream_mechanism": N_("Upstream mechanism"), "assessor": N_("Assessor")}

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def make_environment(lang: str | None = None) -> Environment:
    """Templates with `_()` translated into `lang` (English when None or 'en')."""
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    # templates mark text with _(); newstyle: _("%(n)s site(s)", n=3), autoescaped
    env.install_gettext_translations(translations(lang), newstyle=True)
    env.globals["lang"] = lang or DEFAULT_LANGUAGE
    env.filters["md"] = _markdown_escape
    return env


def _markdown_escape(text) -> str:
    """Keep field text from turning into Markdown structure (tables, links, emphasis)."""
    return re.sub(r"([\\`*_{}\[\]<>()#+!|])", r"\\\1", str(text)).replace("\n", " ")


def plan_filename(view: dict, fmt: str) -> str:
    stem = _UNSAFE.sub("_", view["site_id"]).strip("._") or "site"
    if stem != view["site_id"]:  # keep two ids that clean up alike from sharing a file
        stem += "-" + hashlib.sha1(view["site_id"].encode("utf-8")).hexdigest()[:6]
    return f"{stem}_{view['assessment_date']}.{fmt}"


def _with_catalog(finding: dict, catalog: Catalog, gettext) -> dict:
    """The finding with its text from `catalog` (localized or not): title, subject, actions."""
    ind = catalog.indicator(finding["indicator"])
    subjects = {s.id: s.title for s in catalog.subjects}
    return {**finding, "title": ind.title, "description": ind.description,
            "subject_title": subjects.get(finding.get("subject"), finding.get("subject_title", "")),
            "status_label": gettext(STATUS_WORDS.get(finding["status"], finding["status"])),
            "actions": [{"text": a.text, "quick_win": a.quick_win} for a in ind.actions]}


def plan_context(view: dict, catalog: Catalog, gettext=None) -> dict:
    """What a plan shows, grouped the way the three bands need it. `catalog` may be localized
    (risk_catalog.translations.localize_catalog): plans take their indicator text from it."""
    gettext = gettext or (lambda text: text)
    findings = [_with_catalog(f, catalog, gettext) for f in view["findings"]]
    by_tier = {tier: [f for f in findings if f["tier"] == tier] for tier in ("tier1", "mitigation", "edd", "progression")}
    # Progression: open improvements by ISO 26000 core subject, in catalog order, no imposed sequence.
    improvements = []
    for subject in catalog.subjects:
        items = [f for f in by_tier["progression"] if f["subject"] == subject.id]
        if items:
            improvements.append({"subject": subject, "items": items})
    edd = []
    for iid in view["edd"]:
        ind = catalog.indicator(iid)
        edd.append({"indicator": iid, "title": ind.title, "description": ind.description})
    to_assess = [
        {"indicator": iid, "title": catalog.indicator(iid).title, "tier": catalog.indicator(iid).tier,
         "decides_band": iid in view["missing"]}
        for iid in view["not_assessed"]
    ]
    return {
        "view": view,
        "site": view["site"],
        "site_labels": {k: gettext(v) for k, v in SITE_LABELS.items()},
        "tier1": by_tier["tier1"],
        "mitigation": by_tier["mitigation"],
        "edd_findings": by_tier["edd"],
        "improvements": improvements,
        "quick_wins": sum(1 for f in by_tier["progression"] for a in f["actions"] if a["quick_win"]),
        "edd": edd,
        "to_assess": to_assess,
        "catalog": {"name": catalog.name, "version": catalog.version, "hash": catalog.content_hash},
    }


def render_plan(view: dict, catalog: Catalog, fmt: str, env: Environment | None = None,
                lang: str | None = None) -> str:
    env = env or make_environment(lang)
    gettext = translations(env.globals["lang"]).gettext
    return env.get_template(f"plan.{fmt}").render(**plan_context(view, catalog, gettext), generated=date.today())


def render_index(views: list[dict], catalog: Catalog, formats: Iterable[str], env: Environment | None = None,
                 lang: str | None = None) -> str:
    env = env or make_environment(lang)
    formats = list(formats)
    rows = [{"view": v, "links": {fmt: plan_filename(v, fmt) for fmt in formats}} for v in views]
    counts: dict[str, dict] = {}
    for v in views:
        entry = counts.setdefault(v["band"], {"band": v["band"], "title": v.get("band_title") or v["band"], "n": 0})
        entry["n"] += 1
    return env.get_template("index.html").render(
        rows=rows, counts=sorted(counts.values(), key=lambda c: c["band"]), generated=date.today(),
        catalog={"name": catalog.name, "version": catalog.version, "hash": catalog.content_hash},
    )


def write_plans(views: list[dict], catalog: Catalog, folder: Path, formats: Iterable[str],
                lang: str | None = None) -> list[Path]:
    """Render every plan and the index into `folder` (a staging folder the caller commits).
    For a language other than English, give the localized catalog and views whose band text
    was localized (classifications.translations.localize_view)."""
    env = make_environment(lang)
    formats = list(formats)
    written = []
    for view in views:
        for fmt in formats:
            target = folder / plan_filename(view, fmt)
            target.write_text(render_plan(view, catalog, fmt, env), encoding="utf-8")
            written.append(target)
    index = folder / "index.html"
    index.write_text(render_index(views, catalog, formats, env), encoding="utf-8")
    written.append(index)
    return written

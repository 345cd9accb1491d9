"""The HTML progress report: a portfolio page and a page per site, charts as inline SVG.

Takes plain dicts (built by engine/history.py from the history store, site metadata already
through the programme audience's view) and writes into a folder the caller commits atomically.
No JavaScript: the charts are SVG drawn by matplotlib, the tables plain HTML.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable, Iterable

from markupsafe import Markup

from . import charts
from .i18n import gettext_for
from .plans import make_environment

STATUSES = ["overdue", "open", "closed"]


def _identity(text: str) -> str:
    return text


def portfolio_charts(portfolio: dict, _: Callable[[str], str] = _identity) -> dict[str, Markup]:
    out = {}
    if portfolio["period_ends"]:
        out["bands_chart"] = Markup(charts.bands_over_time(
            portfolio["period_ends"], portfolio["bands_over_time"], portfolio["bands"],
            {"title": _("Sites by band over time"), "sites": _("sites")}))
    levels = portfolio["levels_first_latest"]
    if levels["first"] or levels["latest"]:
        out["levels_chart"] = Markup(charts.level_distribution(
            portfolio["levels"], levels["first"], levels["latest"],
            {"title": _("Progression levels"), "sites": _("sites"),
             "first": _("first assessment"), "latest": _("latest assessment")}))
    if portfolio["items_by_indicator"]:
        out["items_chart"] = Markup(charts.items_by_indicator(
            portfolio["items_by_indicator"], STATUSES,
            {"title": _("Mitigation items"), "items": _("items"), "overdue": _("overdue"),
             "open": _("open"), "closed": _("closed")}))
    return out


def site_charts(page: dict, portfolio: dict, _: Callable[[str], str] = _identity) -> dict[str, Markup]:
    steps = []
    for band in portfolio["ladder"]:
        if band == portfolio["levelled_band"]:
            steps += [{"key": f"{band}:{lv['level']}", "title": lv["title"], "band": band}
                      for lv in portfolio["levels"]]
        else:
            title = next((b["title"] for b in portfolio["bands"] if b["id"] == band), band)
            steps.append({"key": band, "title": title, "band": band})
    keys = {s["key"] for s in steps}
    points = []
    for e in page["assessments"]:
        key = f"{e['band']}:{e['level']}" if e["level"] is not None else e["band"]
        if key not in keys:  # a band or level the current definitions do not know
            steps.append({"key": key, "title": e.get("band_title") or key, "band": e["band"]})
            keys.add(key)
        points.append({"date": e["assessment_date"], "key": key})
    dates = [e["assessment_date"] for e in page["assessments"]]
    series = [{"title": s["title"], "counts": [e["findings_by_subject"].get(s["id"], 0)
                                              for e in page["assessments"]]}
              for s in portfolio["subjects"]]
    series = [s for s in series if any(s["counts"])] or series[:1]
    return {
        "band_chart": Markup(charts.site_band_timeline(points, steps, {"title": _("Band and level")})),
        "subjects_chart": Markup(charts.site_subjects(
            dates, series, {"title": _("Findings per ISO 26000 core subject"), "findings": _("findings")})),
    }


def write_progress(portfolio: dict, pages: Iterable[dict], folder: Path, lang: str | None = None,
                   generated: date | None = None) -> int:
    """Render index.html and every site page into `folder` in `lang` (English by default);
    returns the number of files written."""
    env = make_environment(lang)
    gettext = gettext_for(lang)
    generated = generated or date.today()
    common = {"catalog": portfolio["catalog"], "generated": generated, "portfolio": portfolio,
              "statuses": STATUSES}
    written = 0
    site_tpl = env.get_template("progress_site.html")
    for page in pages:
        html = site_tpl.render(page=page, charts=site_charts(page, portfolio, gettext), **common)
        (folder / page["page"]).write_text(html, encoding="utf-8")
        written += 1
    index = env.get_template("progress_index.html").render(
        charts=portfolio_charts(portfolio, gettext), **common)
    (folder / "index.html").write_text(index, encoding="utf-8")
    return written + 1

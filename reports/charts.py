"""Charts for the progress report: matplotlib (Agg), returned as SVG text to embed inline.

Deterministic: a fixed hash salt and no date or creator metadata, so the same data gives the
same bytes. Text stays text (svg.fonttype none): searchable, translatable, small.
Labels come from the caller (already translated); chart data is plain numbers and dates.
"""
from __future__ import annotations

import io
import re
from datetime import date

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import dates as mdates  # noqa: E402

# The report's band colours (reports/templates/base.html); others get a neutral palette.
BAND_COLOURS = {
    "tier1_disengagement": "#c94a4a",
    "entry_with_mitigation": "#d6a734",
    "progression": "#4a9b5e",
    "incomplete": "#8a94a3",
}
STATUS_COLOURS = {"overdue": "#c94a4a", "open": "#d6a734", "closed": "#4a9b5e"}
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf"]

STYLE = {
    "svg.hashsalt": "craft-mes",
    "svg.fonttype": "none",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 96,
}

_XML_HEAD = re.compile(r"^.*?(?=<svg)", re.S)


def _colour(key: str, n: int) -> str:
    return BAND_COLOURS.get(key) or PALETTE[n % len(PALETTE)]


def _svg(fig, title: str) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight",
                metadata={"Date": None, "Creator": None, "Title": title})
    plt.close(fig)
    # inline in HTML: no XML declaration or DOCTYPE; scale with the page
    svg = _XML_HEAD.sub("", buf.getvalue(), count=1)
    return re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"', r'<svg \1role="img" class="chart"', svg,
                  count=1)


def bands_over_time(period_ends: list[str], counts: dict[str, list[int]], bands: list[dict],
                    labels: dict[str, str]) -> str:
    """Stacked bars: sites by band at their latest assessment, at each period end."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(8, 3.4))
        x = range(len(period_ends))
        bottom = [0] * len(period_ends)
        order = [b for b in bands if b["id"] in counts] + [
            {"id": k, "title": k} for k in counts if k not in {b["id"] for b in bands}]
        for n, band in enumerate(order):
            values = counts[band["id"]]
            ax.bar(x, values, bottom=bottom, color=_colour(band["id"], n), label=band["title"], width=0.8)
            bottom = [b + v for b, v in zip(bottom, values)]
        ax.set_xticks(list(x))
        ax.set_xticklabels([p[:7] for p in period_ends], rotation=45, ha="right")
        ax.set_ylabel(labels["sites"])
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        return _svg(fig, labels["title"])


def level_distribution(levels: list[dict], first: dict, latest: dict, labels: dict[str, str]) -> str:
    """Grouped bars: sites per progression level at their first and latest assessment."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(8, 2.6))
        ids = [lv["level"] for lv in levels]
        x = range(len(ids))
        w = 0.38
        ax.bar([i - w / 2 for i in x], [first.get(str(k), first.get(k, 0)) for k in ids], w,
               color="#a9cbb2", label=labels["first"])
        ax.bar([i + w / 2 for i in x], [latest.get(str(k), latest.get(k, 0)) for k in ids], w,
               color="#2f7a44", label=labels["latest"])
        ax.set_xticks(list(x))
        ax.set_xticklabels([lv["title"] for lv in levels])
        ax.set_ylabel(labels["sites"])
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.legend(frameon=False)
        return _svg(fig, labels["title"])


def items_by_indicator(rows: dict[str, dict], statuses: list[str], labels: dict[str, str]) -> str:
    """Horizontal stacked bars: mitigation items per indicator by status."""
    with plt.rc_context(STYLE):
        names = list(rows)
        fig, ax = plt.subplots(figsize=(8, 0.45 * max(len(names), 1) + 1.0))
        y = range(len(names))
        left = [0] * len(names)
        for status in statuses:
            values = [rows[k][status] for k in names]
            ax.barh(list(y), values, left=left, color=STATUS_COLOURS.get(status, "#888"),
                    label=labels.get(status, status))
            left = [a + b for a, b in zip(left, values)]
        ax.set_yticks(list(y))
        ax.set_yticklabels([rows[k]["title"] for k in names])
        ax.invert_yaxis()
        ax.set_xlabel(labels["items"])
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        return _svg(fig, labels["title"])


def _dates(values: list[str]) -> list[date]:
    return [date.fromisoformat(v) for v in values]


def site_band_timeline(points: list[dict], steps: list[dict], labels: dict[str, str]) -> str:
    """A step line through the band/level ladder, one marker per assessment coloured by band.

    `steps` is the ladder bottom to top: [{"key", "title", "band"}]; `points` carry "date"
    and "key"."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(8, 2.8))
        rank = {s["key"]: n for n, s in enumerate(steps)}
        xs = _dates([p["date"] for p in points])
        ys = [rank[p["key"]] for p in points]
        ax.step(xs, ys, where="post", color="#999", linewidth=1.2, zorder=1)
        band_of = {s["key"]: s["band"] for s in steps}
        ax.scatter(xs, ys, s=60, zorder=2,
                   c=[_colour(band_of[p["key"]], n) for n, p in enumerate(points)])
        ax.set_yticks(range(len(steps)))
        ax.set_yticklabels([s["title"] for s in steps])
        ax.set_ylim(-0.5, len(steps) - 0.5)
        _date_axis(ax, xs)
        return _svg(fig, labels["title"])


def site_subjects(dates: list[str], series: list[dict], labels: dict[str, str]) -> str:
    """Lines: findings per ISO 26000 core subject at each assessment."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(8, 3.2))
        xs = _dates(dates)
        for n, s in enumerate(series):
            ax.plot(xs, s["counts"], marker="o", color=PALETTE[n % len(PALETTE)], label=s["title"])
        ax.set_ylabel(labels["findings"])
        ax.set_ylim(bottom=0)
        ax.yaxis.get_major_locator().set_params(integer=True)
        _date_axis(ax, xs)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        return _svg(fig, labels["title"])


def _date_axis(ax, xs: list[date]) -> None:
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    if len(xs) <= 12:  # one tick per assessment while they fit
        ax.set_xticks(xs)
    for tick in ax.get_xticklabels():
        tick.set_rotation(30)
        tick.set_ha("right")
    if len(xs) == 1:  # one assessment: give the point some room
        ax.set_xlim(mdates.date2num(xs[0]) - 30, mdates.date2num(xs[0]) + 30)

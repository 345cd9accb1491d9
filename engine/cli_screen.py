"""`craft screen`: a buyer's view of many supplier sites."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from classifications.screening import SHEET_TITLES, SHEETS, screen
from classifications.views import audience_view, load_audience_policy
from reports.screening import SCREEN_FORMATS, write_screening

from .cli_common import handle_errors, input_options, rulebook_options
from .pipeline import classify_file
from .view_reader import is_results_file, read_result_views
from .writers import atomic_directory, atomic_output, format_table

SCREEN_AUDIENCE = "buyer"


def buyer_views(input_path, sheet, rulebook) -> list[dict]:
    """Buyer views of INPUT: raw assessments are classified first; results JSON is read back.
    Either way every record passes the buyer redaction before anything else sees it."""
    if is_results_file(input_path):
        return read_result_views(input_path, rulebook.bands, SCREEN_AUDIENCE)
    policy = load_audience_policy()
    return [audience_view(c, SCREEN_AUDIENCE, rulebook.bands, policy)
            for c in classify_file(input_path, rulebook, sheet)]


def _parse_formats(formats: str) -> list[str]:
    chosen = [f.strip().lower() for f in formats.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in SCREEN_FORMATS]
    if unknown or not chosen:
        raise click.BadParameter(f"{', '.join(unknown) or formats!r}: choose from {', '.join(SCREEN_FORMATS)}",
                                 param_hint="--format")
    return chosen


@click.command("screen")
@input_options
@rulebook_options
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for screening.html, screening_<group>.csv and screening.xlsx "
                   "(default: a summary on standard output).")
@click.option("--format", "formats", default="html", show_default=True,
              help=f"With --out: comma-separated formats: {', '.join(SCREEN_FORMATS)}.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Judge mitigation due dates on this date, YYYY-MM-DD (default: today).")
@handle_errors
def screen_command(input_path, sheet, all_errors, rulebook, out_dir, formats, as_of):
    """Screen many supplier sites for a buyer: counts per band, Tier 1 sites to disengage from,
    mitigation due dates, enhanced due diligence, indicators to request, upstream mechanisms.

    INPUT is an assessment file (CSV, XLSX or JSON) or the JSON that `craft classify --format
    json` wrote (any audience): either way only the buyer's view is used.
    """
    chosen = _parse_formats(formats)
    views = buyer_views(input_path, sheet, rulebook)
    result = screen(views, rulebook.catalog, rulebook.bands, as_of.date() if as_of else date.today())
    catalog = {"name": rulebook.catalog.name, "version": rulebook.catalog.version,
               "hash": rulebook.catalog.content_hash}
    if out_dir is None:
        with atomic_output(None, sys.stdout) as out:
            out.write(summary_text(result))
        return
    with atomic_directory(out_dir) as staging:
        written = write_screening(result, SHEETS, catalog, staging, chosen)
    click.echo(f"Screened {result.sites} site(s); wrote {len(written)} file(s) into {out_dir}", err=True)


def summary_text(result) -> str:
    lines = [f"{result.sites} site(s) screened at their latest assessment; due dates as of "
             f"{result.as_of.isoformat()}.", ""]
    lines.append(format_table([{"group": c["title"], "sites": c["sites"]} for c in result.counts],
                              ["group", "sites"]))
    shown = {
        "tier1": ("site_id", "risk"),
        "mitigation": ("site_id", "indicator", "due_date", "due_status"),
        "edd": ("site_id", "band", "reason"),
        "incomplete": ("site_id", "indicator", "tier"),
        "sites": ("site_id", "band", "upstream_mechanism", "mechanism_recognition"),
    }
    for key, columns in shown.items():
        rows = result.tables[key]
        if rows:
            lines += ["", f"{SHEET_TITLES[key]} ({len(rows)}):", format_table(rows, columns).rstrip("\n")]
    return "\n".join(lines) + "\n"

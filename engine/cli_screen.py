"""`craft screen`: a buyer's view of many supplier sites."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from classifications.screening import localized_sheets, screen
from classifications.translations import localize_bands
from classifications.views import audience_view, load_audience_policy
from reports.screening import SCREEN_FORMATS, write_screening
from risk_catalog.translations import localize_catalog, localize_mechanisms

from .cli_common import handle_errors, input_options, lang_option, parse_formats, rulebook_options
from .messages import gettext_for
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
@lang_option()
@handle_errors
def screen_command(input_path, sheet, all_errors, rulebook, out_dir, formats, as_of, lang):
    """Screen many supplier sites for a buyer: counts per band, Tier 1 sites to disengage from,
    mitigation due dates, enhanced due diligence, indicators to request, upstream mechanisms.

    INPUT is an assessment file (CSV, XLSX or JSON) or the JSON that `craft classify --format
    json` wrote (any audience): either way only the buyer's view is used.
    """
    lang = lang[0]
    _ = gettext_for(lang)
    chosen = parse_formats(formats, SCREEN_FORMATS, _)
    views = buyer_views(input_path, sheet, rulebook)
    # people read a screening: band, catalog and mechanism text in their language; ids and
    # column keys stay as they are
    result = screen(views, localize_catalog(rulebook.catalog, lang), localize_bands(rulebook.bands, lang),
                    as_of.date() if as_of else date.today(), gettext=_, mechanisms=localize_mechanisms(lang))
    catalog = {"name": rulebook.catalog.name, "version": rulebook.catalog.version,
               "hash": rulebook.catalog.content_hash}
    if out_dir is None:
        with atomic_output(None, sys.stdout) as out:
            out.write(summary_text(result, _))
        return
    with atomic_directory(out_dir) as staging:
        written = write_screening(result, localized_sheets(_), catalog, staging, chosen, lang)
    click.echo(_("Screened %(sites)s site(s); wrote %(n)s file(s) into %(out)s")
               % {"sites": result.sites, "n": len(written), "out": out_dir}, err=True)


def summary_text(result, _=str) -> str:
    titles = {key: title for key, title, _columns in localized_sheets(_)}
    lines = [_("%(n)s site(s) screened at their latest assessment; due dates as of %(day)s.")
             % {"n": result.sites, "day": result.as_of.isoformat()}, ""]
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
            lines += ["", f"{titles[key]} ({len(rows)}):", format_table(rows, columns).rstrip("\n")]
    return "\n".join(lines) + "\n"

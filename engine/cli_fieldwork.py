"""`craft form` and `craft template`: data collection sheets built from the catalog."""
from __future__ import annotations

from pathlib import Path

import click

from reports.forms import write_template, write_xlsform
from reports.i18n import gettext_for
from risk_catalog import load_catalog
from risk_catalog.translations import localize_catalog

from .cli_common import handle_errors, lang_option
from .reader import METADATA_COLUMNS, PRIVATE_MARKABLE, REQUIRED_COLUMNS

SITE_COLUMNS = [*REQUIRED_COLUMNS, *METADATA_COLUMNS]


def _xlsx(ctx, param, value: Path) -> Path:
    if value.suffix.lower() != ".xlsx":
        raise click.BadParameter(f"{value}: the file name must end in .xlsx")
    return value


catalog_option = click.option("--catalog", "catalog_path", type=click.Path(exists=True, path_type=Path),
                              help="A catalog folder or YAML file (default: the bundled catalog).")
out_option = click.option("--out", "out_path", required=True, callback=_xlsx,
                          type=click.Path(dir_okay=False, path_type=Path), help="The .xlsx file to write.")


@click.command("form")
@out_option
@lang_option(multiple=True)
@catalog_option
@handle_errors
def form_command(out_path, lang, catalog_path):
    """Write an XLSForm for KoboToolbox or ODK Collect from the catalog.

    One group per ISO 26000 core subject, each indicator a choice of the four statuses with the
    catalog's description as hint, and an optional evidence note per indicator. Upload the file
    to KoboToolbox or ODK Central; their exports can be given to `craft classify` as they are.
    """
    catalog = load_catalog(catalog_path)
    catalogs = {code: localize_catalog(catalog, code, catalog_path) for code in lang}
    counts = write_xlsform(out_path, catalogs, SITE_COLUMNS, list(PRIVATE_MARKABLE))
    _ = gettext_for(lang[0])
    click.echo(_("Wrote the form {path}: {indicators} indicators in {groups} groups, "
                 "{questions} questions, languages {langs}").format(
        path=out_path, indicators=counts["indicators"], groups=counts["groups"],
        questions=counts["questions"], langs=", ".join(lang)), err=True)


@click.command("template")
@out_option
@lang_option()
@catalog_option
@click.option("--rows", type=click.IntRange(1, 100000), default=500, show_default=True,
              help="Rows prepared with status dropdowns.")
@handle_errors
def template_command(out_path, lang, catalog_path, rows):
    """Write an Excel workbook to fill in by hand, one row per site assessment.

    Every indicator cell has a dropdown of the four statuses; further sheets explain each
    indicator and status in the chosen language. Give the filled-in file to `craft classify`.
    """
    code = lang[0]
    catalog = localize_catalog(load_catalog(catalog_path), code, catalog_path)
    counts = write_template(out_path, catalog, code, SITE_COLUMNS, rows=rows)
    _ = gettext_for(code)
    click.echo(_("Wrote the template {path}: {columns} columns ({indicators} indicators), "
                 "{rows} rows with dropdowns").format(
        path=out_path, columns=counts["columns"], indicators=counts["indicators"], rows=counts["rows"]), err=True)

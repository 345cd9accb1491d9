"""`craft`: a thin click layer over the library."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from classifications.translations import localize_bands, localize_view
from classifications.views import audience_view, load_audience_policy
from reports import PLAN_FORMATS, write_plans
from risk_catalog import TIERS
from risk_catalog.loader import BUNDLED_CATALOG, read_catalog_data, validate_catalog_data
from risk_catalog.translations import localize_catalog

from .cli_common import (EXIT_FAILURE, audience_option, handle_errors, input_options, lang_option,
                         parse_formats, rulebook_options)
from .messages import gettext_for, translate_text
from .pipeline import PARALLEL_MIN_ROWS, Rulebook, classify_file, default_jobs, iter_classifications
from .reader import AssessmentReader
from .vector_run import (CLASSIFY_FORMATS, ENGINES, choose_engine, classify_vector, estimated_rows,
                         write_rules_parquet)
from .writers import WRITERS, atomic_directory, atomic_output, format_table


@click.group()
@click.version_option(package_name="craft-mes")
def cli():
    """Classify artisanal and small-scale mine sites against the CRAFT Code / Market Entry
    Standard: Tier 1 disengagement, entry with mitigation, or progression."""


@cli.command()
@input_options(folders=True)
@rulebook_options
@click.option("--format", "fmt", type=click.Choice(CLASSIFY_FORMATS), default="table", show_default=True,
              help="parquet needs --output.")
@click.option("--output", "-o", type=click.Path(path_type=Path),
              help="Write here (atomically) instead of standard output; with --dask, a folder.")
@audience_option("programme")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0,
              help=f"Worker processes (0: all cores for inputs over {PARALLEL_MIN_ROWS} rows, else 1); "
                   "with --dask local, the cluster's workers.")
@click.option("--engine", type=click.Choice(ENGINES), default="auto", show_default=True,
              help=f"rules: durable-rules, the engine of record; vector: NumPy over whole columns; "
                   f"auto: vector for Parquet and inputs over {PARALLEL_MIN_ROWS} rows.")
@click.option("--dask", "dask_address", metavar="ADDRESS",
              help="Run the vector engine on a Dask cluster (a scheduler address, or 'local' to start "
                   "one here) over INPUT, a folder or glob of CSV/Parquet parts; --output is a folder.")
@lang_option()
@handle_errors
def classify(input_path, sheet, all_errors, rulebook, fmt, output, audience, jobs, engine, dask_address, lang):
    """Classify every assessment in INPUT (CSV, XLSX, JSON or Parquet) into its band.

    Exit status 2 when the input has problems: every bad cell is listed and nothing is written.
    """
    _ = gettext_for(lang[0])  # messages only: results stay canonical (ids, English titles)
    if dask_address is not None:
        from .dask_run import classify_on_dask  # dask is an optional extra

        if engine == "rules":
            raise click.BadParameter(_("--dask runs the vector engine"), param_hint="--engine")
        n, parts = classify_on_dask(str(input_path), rulebook, fmt, output, audience, dask_address, jobs)
        click.echo(_("Classified %(n)s assessment(s) from %(parts)s part(s) into %(output)s")
                   % {"n": n, "parts": parts, "output": output}, err=True)
        return
    if input_path.is_dir() or any(c in str(input_path) for c in "*?["):
        raise click.BadParameter(_("a folder or glob of parts needs --dask (e.g. --dask local)"),
                                 param_hint="INPUT")
    if output is not None and output.is_dir():
        raise click.BadParameter(_("%(path)s is a folder; name a file") % {"path": output}, param_hint="--output")
    if fmt == "parquet" and output is None:
        raise click.BadParameter(_("--format parquet needs --output FILE"), param_hint="--format")
    vector = choose_engine(engine, input_path, PARALLEL_MIN_ROWS) == "vector"
    if jobs == 0:
        # the vector engine's reader already parses on every core; its process pool measured
        # slower on 2 cores (README, Scale), so it is used only when asked for
        jobs = 1 if vector or not _looks_large(input_path) else default_jobs()
    if vector:
        n = classify_vector(input_path, rulebook, fmt, output, audience, jobs, sheet, sys.stdout)
    else:
        reader = AssessmentReader(input_path, rulebook.catalog, sheet)
        policy = load_audience_policy()
        views = (audience_view(c, audience, rulebook.bands, policy)
                 for c in iter_classifications(reader, rulebook, jobs))
        if fmt == "parquet":
            n = write_rules_parquet(views, output)
        else:
            with atomic_output(output, sys.stdout) as out:
                n = WRITERS[fmt](views, out)
    if output is not None:
        click.echo(_("Classified %(n)s assessment(s) into %(output)s") % {"n": n, "output": output}, err=True)


def _looks_large(path: Path) -> bool:
    return estimated_rows(path) > PARALLEL_MIN_ROWS


@cli.command()
@input_options
@rulebook_options
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the plans and index.html.")
@click.option("--format", "formats", default="html", show_default=True,
              help=f"Comma-separated plan formats: {', '.join(PLAN_FORMATS)}.")
@audience_option("producer")
@lang_option()
@handle_errors
def plan(input_path, sheet, all_errors, rulebook, out_dir, formats, audience, lang):
    """Write an action plan for every assessment in INPUT, plus index.html."""
    lang = lang[0]
    _ = gettext_for(lang)
    chosen = parse_formats(formats, PLAN_FORMATS, _)
    classifications = classify_file(input_path, rulebook, sheet)
    policy = load_audience_policy()
    # people read plans: band, level and catalog text in their language (ids stay as they are)
    bands = localize_bands(rulebook.bands, lang)
    catalog = localize_catalog(rulebook.catalog, lang)
    views = [localize_view(audience_view(c, audience, rulebook.bands, policy), bands) for c in classifications]
    with atomic_directory(out_dir) as staging:
        written = write_plans(views, catalog, staging, chosen, lang)
    click.echo(_("Wrote %(n)s plan file(s) and %(index)s")
               % {"n": len(written) - 1, "index": out_dir / "index.html"}, err=True)


@cli.group(invoke_without_command=True)
@click.option("--tier", type=click.Choice(TIERS), help="Only indicators of this tier.")
@click.option("--subject", help="Only indicators of this ISO 26000 core subject (its id).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--catalog", "catalog_path", type=click.Path(exists=True, path_type=Path),
              help="A catalog folder or YAML file (default: the bundled catalog).")
@lang_option()
@click.pass_context
@handle_errors
def catalog(ctx, tier, subject, fmt, catalog_path, lang):
    """List the catalog's indicators, by tier and ISO 26000 core subject."""
    if ctx.invoked_subcommand is not None:
        return
    _ = gettext_for(lang[0])
    # titles, descriptions and actions in the chosen language; ids, tiers and hash unchanged
    cat = localize_catalog(Rulebook.load(catalog_path).catalog, lang[0], catalog_path)
    subject_ids = [s.id for s in cat.subjects]
    if subject is not None and subject not in subject_ids:
        raise click.BadParameter(_("%(subject)s is not a core subject; choose from %(allowed)s")
                                 % {"subject": repr(subject), "allowed": ", ".join(subject_ids)},
                                 param_hint="--subject")
    chosen = [i for i in cat.indicators
              if (tier is None or i.tier == tier) and (subject is None or i.subject == subject)]
    if fmt == "json":
        payload = {
            "catalog_version": cat.version, "catalog_hash": cat.content_hash,
            "core_subjects": [
                {"id": s.id, "title": s.title, "iso_clause": s.iso_clause,
                 "indicators": [i.id for i in cat.by_subject(s.id)], "empty_note": s.empty_note}
                for s in cat.subjects if subject is None or s.id == subject
            ],
            "indicators": [
                {"id": i.id, "title": i.title, "description": i.description, "tier": i.tier,
                 "subject": i.subject, "craft_module": i.craft_module, "sources": list(i.sources),
                 "raises_edd": i.raises_edd,
                 "actions": [{"text": a.text, "quick_win": a.quick_win} for a in i.actions],
                 "progress_check_days": i.progress_check_days, "deadline_days": i.deadline_days}
                for i in chosen
            ],
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    rows = [{"id": i.id, "tier": i.tier, "subject": i.subject, "title": i.title} for i in chosen]
    click.echo(_("%(name)s %(version)s (sha256 %(hash)s): %(n)s indicator(s)")
               % {"name": cat.name, "version": cat.version, "hash": cat.content_hash[:12], "n": len(rows)} + "\n")
    click.echo(format_table(rows, ["id", "tier", "subject", "title"]), nl=False)
    if tier is None:
        click.echo("\n" + _("ISO 26000 core subjects:"))
        for s in cat.subjects:
            if subject is not None and s.id != subject:
                continue
            n = len(cat.by_subject(s.id))
            note = _("no indicators: %(note)s") % {"note": s.empty_note} if n == 0 and s.empty_note else (
                _("no indicators") if n == 0 else _("%(n)s indicator(s)") % {"n": n})
            click.echo(f"  {s.iso_clause} {s.title} ({s.id}): {note}")


@catalog.command("validate")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@lang_option()
@click.pass_context
@handle_errors
def catalog_validate(ctx, path, lang):
    """Check a catalog folder or YAML file (default: the bundled one); list every problem."""
    if ctx.get_parameter_source("lang") in (None, click.core.ParameterSource.DEFAULT):
        lang = ctx.parent.params.get("lang") or lang  # `craft catalog --lang es validate`
    lang = lang[0]
    _ = gettext_for(lang)
    path = path or BUNDLED_CATALOG
    data, problems = read_catalog_data(path)
    if not problems:
        problems = validate_catalog_data(data)
    if problems:
        click.echo(_("%(path)s: %(n)s problem(s)") % {"path": path, "n": len(problems)}, err=True)
        for p in problems:  # marked in risk_catalog, translated here
            click.echo(f"  - {translate_text(p, lang)}", err=True)
        sys.exit(EXIT_FAILURE)
    cat = Rulebook.load(path).catalog
    click.echo(_("%(path)s: valid. %(name)s %(version)s, %(n)s indicators, sha256 %(hash)s")
               % {"path": path, "name": cat.name, "version": cat.version, "n": len(cat.indicators),
                  "hash": cat.content_hash})


# Command groups that live in their own modules (each imports only cli_common).
# (one import + cli.add_command line per module, below)
from .cli_screen import screen_command  # noqa: E402

cli.add_command(screen_command)
from .cli_fieldwork import form_command, template_command  # noqa: E402

cli.add_command(form_command)
cli.add_command(template_command)
from .cli_history import history, progress  # noqa: E402

cli.add_command(history)
cli.add_command(progress)


def main():  # pragma: no cover
    cli()

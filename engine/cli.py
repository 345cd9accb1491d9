"""`craft`: a thin click layer over the library."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from classifications.views import audience_view, load_audience_policy
from reports import PLAN_FORMATS, write_plans
from risk_catalog import TIERS
from risk_catalog.loader import BUNDLED_CATALOG, read_catalog_data, validate_catalog_data

from .cli_common import (EXIT_FAILURE, audience_option, handle_errors, input_options,
                         rulebook_options)
from .pipeline import PARALLEL_MIN_ROWS, Rulebook, classify_file, default_jobs, iter_classifications
from .reader import AssessmentReader
from .writers import FORMATS, WRITERS, atomic_directory, atomic_output, format_table


@click.group()
@click.version_option(package_name="craft-mes")
def cli():
    """Classify artisanal and small-scale mine sites against the CRAFT Code / Market Entry
    Standard: Tier 1 disengagement, entry with mitigation, or progression."""


@cli.command()
@input_options
@rulebook_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here (atomically) instead of standard output.")
@audience_option("programme")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0,
              help=f"Worker processes (0: all cores for inputs over {PARALLEL_MIN_ROWS} rows, else 1).")
@handle_errors
def classify(input_path, sheet, all_errors, rulebook, fmt, output, audience, jobs):
    """Classify every assessment in INPUT (CSV, XLSX or JSON) into its band.

    Exit status 2 when the input has problems: every bad cell is listed and nothing is written.
    """
    reader = AssessmentReader(input_path, rulebook.catalog, sheet)
    if jobs == 0:
        jobs = default_jobs() if _looks_large(input_path) else 1
    policy = load_audience_policy()
    views = (audience_view(c, audience, rulebook.bands, policy)
             for c in iter_classifications(reader, rulebook, jobs))
    with atomic_output(output, sys.stdout) as out:
        n = WRITERS[fmt](views, out)
    if output is not None:
        click.echo(f"Classified {n} assessment(s) into {output}", err=True)


def _looks_large(path: Path) -> bool:
    # about 150 bytes a row in a typical wide CSV
    try:
        return path.suffix.lower() == ".csv" and path.stat().st_size > PARALLEL_MIN_ROWS * 150
    except OSError:
        return False


@cli.command()
@input_options
@rulebook_options
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the plans and index.html.")
@click.option("--format", "formats", default="html", show_default=True,
              help=f"Comma-separated plan formats: {', '.join(PLAN_FORMATS)}.")
@audience_option("producer")
@handle_errors
def plan(input_path, sheet, all_errors, rulebook, out_dir, formats, audience):
    """Write an action plan for every assessment in INPUT, plus index.html."""
    chosen = [f.strip().lower() for f in formats.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in PLAN_FORMATS]
    if unknown or not chosen:
        raise click.BadParameter(f"{', '.join(unknown) or formats!r}: choose from {', '.join(PLAN_FORMATS)}",
                                 param_hint="--format")
    classifications = classify_file(input_path, rulebook, sheet)
    policy = load_audience_policy()
    views = [audience_view(c, audience, rulebook.bands, policy) for c in classifications]
    with atomic_directory(out_dir) as staging:
        written = write_plans(views, rulebook.catalog, staging, chosen)
    click.echo(f"Wrote {len(written) - 1} plan file(s) and {out_dir / 'index.html'}", err=True)


@cli.group(invoke_without_command=True)
@click.option("--tier", type=click.Choice(TIERS), help="Only indicators of this tier.")
@click.option("--subject", help="Only indicators of this ISO 26000 core subject (its id).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--catalog", "catalog_path", type=click.Path(exists=True, path_type=Path),
              help="A catalog folder or YAML file (default: the bundled catalog).")
@click.pass_context
@handle_errors
def catalog(ctx, tier, subject, fmt, catalog_path):
    """List the catalog's indicators, by tier and ISO 26000 core subject."""
    if ctx.invoked_subcommand is not None:
        return
    cat = Rulebook.load(catalog_path).catalog
    subject_ids = [s.id for s in cat.subjects]
    if subject is not None and subject not in subject_ids:
        raise click.BadParameter(f"{subject!r} is not a core subject; choose from {', '.join(subject_ids)}",
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
    click.echo(f"{cat.name} {cat.version} (sha256 {cat.content_hash[:12]}): {len(rows)} indicator(s)\n")
    click.echo(format_table(rows, ["id", "tier", "subject", "title"]), nl=False)
    if tier is None:
        click.echo("\nISO 26000 core subjects:")
        for s in cat.subjects:
            if subject is not None and s.id != subject:
                continue
            n = len(cat.by_subject(s.id))
            note = f"no indicators: {s.empty_note}" if n == 0 and s.empty_note else (
                "no indicators" if n == 0 else f"{n} indicator(s)")
            click.echo(f"  {s.iso_clause} {s.title} ({s.id}): {note}")


@catalog.command("validate")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def catalog_validate(path):
    """Check a catalog folder or YAML file (default: the bundled one); list every problem."""
    path = path or BUNDLED_CATALOG
    data, problems = read_catalog_data(path)
    if not problems:
        problems = validate_catalog_data(data)
    if problems:
        click.echo(f"{path}: {len(problems)} problem(s)", err=True)
        for p in problems:
            click.echo(f"  - {p}", err=True)
        sys.exit(EXIT_FAILURE)
    cat = Rulebook.load(path).catalog
    click.echo(f"{path}: valid. {cat.name} {cat.version}, {len(cat.indicators)} indicators, "
               f"sha256 {cat.content_hash}")


# Command groups that live in their own modules (each imports only cli_common).
# (one import + cli.add_command line per module, below)


def main():  # pragma: no cover
    cli()

"""`craft history` (import, show, due, info) and `craft progress`: assessment history in a database.

The database libraries load only when one of these commands runs, so other commands start fast.
"""
from __future__ import annotations

import csv
import difflib
import functools
import json
import sys
from datetime import date
from pathlib import Path

import click

from reports.screening import spreadsheet_text
from risk_catalog.messages import N_

from .cli_common import EXIT_INPUT, fail, handle_errors, input_options, lang_option, rulebook_options
from .messages import gettext_for, language_of, message_of, translate_text, translations
from .pipeline import PARALLEL_MIN_ROWS, default_jobs
from .vector_run import estimated_rows
from .writers import atomic_directory, atomic_output, format_table

EXIT_INTERRUPTED = 130

# Words the tables show for status ids; JSON and CSV keep the ids.
STATUS_WORDS = {"overdue": N_("overdue"), "open": N_("open"), "closed": N_("closed"),
                "confirmed": N_("confirmed"), "suspected": N_("suspected"), "absent": N_("absent"),
                "not_assessed": N_("not assessed")}


def _table(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    """format_table with translated headings: `columns` is [(row key, heading)]."""
    return format_table([{heading: row.get(key, "") for key, heading in columns} for row in rows],
                        [heading for _key, heading in columns])


def db_option(func):
    return click.option(
        "--db", "db_url", envvar="CRAFT_DB", metavar="URL",
        help="History database: sqlite:///FILE, postgresql+psycopg://USER@HOST/DB, or a file path "
             "(default: $CRAFT_DB, else craft.db in the working folder).",
    )(func)


def as_of_option(func):
    return click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="DATE",
                        help="Judge due dates on this day, YYYY-MM-DD, ignoring later assessments "
                             "(default: today).")(func)


def history_errors(func):
    """The history store's errors as messages and exit codes (inside handle_errors)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from classifications.history import ConflictError, NotFoundError, StoreError

        from .history import conflict_report
        lang = language_of(click.get_current_context().params)
        try:
            return func(*args, **kwargs)
        except ConflictError as exc:
            click.echo(conflict_report(exc, gettext_for(lang)), err=True)
            sys.exit(EXIT_INPUT)
        except NotFoundError as exc:
            fail(translate_text(message_of(exc), lang), EXIT_INPUT)
        except StoreError as exc:
            fail(translate_text(message_of(exc), lang))
        except KeyboardInterrupt:
            _ = gettext_for(lang)
            fail(_("interrupted. The database is as it was: an import stores all of a file or nothing."),
                 EXIT_INTERRUPTED)

    return wrapper


def _open(db_url, create: bool):
    from classifications.history import open_store
    return open_store(db_url, create=create)


def _as_of(value) -> date:
    return value.date() if value is not None else date.today()


@click.group()
def history():
    """Assessment history in a database: import rounds of assessments, follow each site's
    progression and the mitigation items that fall due."""


@history.command("import")
@input_options
@rulebook_options
@db_option
@click.option("--replace", is_flag=True,
              help="Replace stored assessments of the same site and date whose content differs.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0,
              help=f"Worker processes (0: all cores for inputs over {PARALLEL_MIN_ROWS} rows, else 1).")
@lang_option()
@handle_errors
@history_errors
def history_import(input_path, sheet, all_errors, rulebook, db_url, replace, jobs, lang):
    """Validate, classify and store every assessment in INPUT, all or nothing.

    The same file again adds nothing. An assessment stored under the same site and date with
    different content is refused (exit 2, nothing stored) unless --replace is given.
    """
    from .history import check_input, import_file, import_summary

    _ = gettext_for(lang[0])

    check_input(input_path)
    if jobs == 0:
        jobs = default_jobs() if estimated_rows(input_path) > PARALLEL_MIN_ROWS else 1
    with _open(db_url, create=True) as store:
        result = import_file(store, input_path, rulebook, sheet=sheet, replace=replace, jobs=jobs)
        click.echo(_("%(file)s: %(summary)s in %(db)s (schema %(version)s)")
                   % {"file": input_path.name, "summary": import_summary(result, _), "db": store.display_url,
                      "version": store.schema_version}, err=True)


@history.command("show")
@click.argument("site_id")
@db_option
@as_of_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@lang_option()
@handle_errors
@history_errors
def history_show(site_id, db_url, as_of, fmt, lang):
    """SITE_ID's timeline: band, level, EDD, findings per ISO 26000 core subject, findings
    opened and closed since the assessment before, and its mitigation items."""
    from classifications.history import NotFoundError

    from .history import site_report
    from .pipeline import Rulebook

    lang = lang[0]
    _ = gettext_for(lang)
    rulebook = Rulebook.load()
    day = _as_of(as_of)
    with _open(db_url, create=False) as store:
        history_rows = [a for a in store.site_history(site_id) if a.assessment_date <= day]
        if not history_rows:
            known = store.site_ids()
            close = difflib.get_close_matches(site_id, known, n=3)
            where = {"site": repr(site_id), "db": store.display_url, "day": day.isoformat()}
            text = (_("no assessments of site %(site)s in %(db)s on or before %(day)s.") if as_of
                    else _("no assessments of site %(site)s in %(db)s.")) % where
            if close:
                text += " " + _("Did you mean %(sites)s?") % {"sites": ", ".join(close)}
            raise NotFoundError(text)
        report = site_report(history_rows, rulebook, day)
        report["schema_version"] = store.schema_version
    if fmt == "json":
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    click.echo(_show_table(report, rulebook.catalog, lang), nl=False)


def _show_table(report: dict, catalog, lang: str = "en") -> str:
    """The site's timeline for people, in `lang`: headings, words and subject titles translated;
    ids, dates and numbers as they are."""
    from classifications.progression import overdue_policy
    from risk_catalog.translations import localize_catalog

    tr = translations(lang)
    _ = tr.gettext
    catalog = localize_catalog(catalog, lang)
    site = report["site"]
    where = ", ".join(site[k] for k in ("country", "region", "mineral") if site.get(k))
    name = site.get("site_name", "")
    lines = [_("Site %(site)s") % {"site": report["site_id"]} + (f": {name}" if name else "")
             + (f" ({where})" if where else ""),
             _("%(n)s assessment(s); mitigation items as of %(day)s.")
             % {"n": len(report["assessments"]), "day": report["as_of"]}, ""]
    rows = [{
        "assessed": e["assessment_date"], "band": e["band"], "level": e["level"] or "",
        "edd": ", ".join(e["edd"]), "findings": e["findings"], "opened": len(e["opened"]),
        "closed": len(e["closed"]), "source": e["source"],
    } for e in report["assessments"]]
    # "opened" and "closed" count findings here; in the items table they are dates
    lines.append(_table(rows, [("assessed", _("assessed")), ("band", _("band")), ("level", _("level")),
                               ("edd", _("edd")), ("findings", _("findings")),
                               ("opened", tr.pgettext("findings", "opened")),
                               ("closed", tr.pgettext("findings", "closed")), ("source", _("source"))]))
    dates = [e["assessment_date"] for e in report["assessments"]]
    subject_rows = []
    for subject in catalog.subjects:
        counts = [e["findings_by_subject"].get(subject.id, 0) for e in report["assessments"]]
        subject_rows.append({"subject": subject.title, **dict(zip(dates, map(str, counts)))})
    lines.append(_("Findings per ISO 26000 core subject:"))
    lines.append(_table(subject_rows, [("subject", _("ISO 26000 core subject")), *((d, d) for d in dates)]))
    lines.append(_("Changes since the assessment before:"))
    for e in report["assessments"][1:]:
        parts = [_("closed %(ids)s") % {"ids": ", ".join(e["closed"]) or "-"},
                 _("opened %(ids)s") % {"ids": ", ".join(e["opened"]) or "-"}]
        if e["not_reassessed"]:
            parts.append(_("not reassessed %(ids)s") % {"ids": ", ".join(e["not_reassessed"])})
        lines.append(f"  {e['assessment_date']}: " + "; ".join(parts))
    if len(report["assessments"]) == 1:
        lines.append("  " + _("(one assessment: nothing to compare yet)"))
    lines.append("")
    items = report["mitigation_items"]
    if items:
        lines.append(_("Mitigation items:"))
        rows = [{**{k: ("" if i[k] is None else i[k]) for k in ("indicator", "opened", "due", "closed")},
                 "status": _(STATUS_WORDS[i["status"]]),
                 "last_status": _(STATUS_WORDS.get(i["last_status"], i["last_status"]))} for i in items]
        lines.append(_table(rows, [("indicator", _("indicator")), ("status", _("status")),
                                   ("opened", _("opened")), ("due", _("due")), ("closed", _("closed")),
                                   ("last_status", _("last status"))]))
    else:
        lines.append(_("No mitigation items."))
    if report["suspension_recommended"]:
        policy = overdue_policy(lang)
        lines.append(_("%(recommendation)s with this site.") % {"recommendation": policy["recommendation"]}
                     + " " + policy["reason"])
    return "\n".join(lines).rstrip("\n") + "\n"


DUE_CSV_COLUMNS = ["status", "site_id", "site_name", "indicator", "title", "subject", "opened", "due",
                   "closed", "closed_late", "last_assessed", "last_status", "days_overdue", "recommendation"]


@history.command("due")
@db_option
@as_of_option
@click.option("--status", "statuses", multiple=True, type=click.Choice(["overdue", "open", "closed"]),
              help="Only items of this status (repeat for several; default: all).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here (atomically) instead of standard output.")
@lang_option()
@handle_errors
@history_errors
def history_due(db_url, as_of, statuses, fmt, output, lang):
    """Mitigation items by status: open, overdue (suspension recommended, OECD Annex II) or closed.

    --lang translates the table; JSON and CSV keep English keys, status ids and texts."""
    from .history import due_report
    from .pipeline import Rulebook

    rulebook = Rulebook.load()
    with _open(db_url, create=False) as store:
        report = due_report(store, rulebook, _as_of(as_of), tuple(statuses))
    with atomic_output(output, sys.stdout) as out:
        if fmt == "json":
            out.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        elif fmt == "csv":
            writer = csv.DictWriter(out, fieldnames=DUE_CSV_COLUMNS, lineterminator="\n",
                                    extrasaction="ignore")
            writer.writeheader()
            for row in report["items"]:
                writer.writerow({k: spreadsheet_text("" if row.get(k) is None else row.get(k))
                                 for k in DUE_CSV_COLUMNS})
        else:
            out.write(_due_table(report, lang[0]))


def _due_table(report: dict, lang: str = "en") -> str:
    from classifications.progression import overdue_policy

    _ = gettext_for(lang)
    lines = [_("Mitigation items as of %(day)s: %(overdue)s overdue, %(open)s open, %(closed)s closed")
             % {"day": report["as_of"], **report["counts"]}, ""]
    if report["items"]:
        rows = [{
            "status": _(STATUS_WORDS[i["status"]]), "site_id": i["site_id"], "site_name": i["site_name"],
            "indicator": i["indicator"], "opened": i["opened"], "due": i["due"], "closed": i["closed"] or "",
            "days_overdue": "" if i["days_overdue"] is None else i["days_overdue"],
            "action": _("suspend") if i["recommendation"] else "",
        } for i in report["items"]]
        lines.append(_table(rows, [("status", _("status")), ("site_id", _("site id")),
                                   ("site_name", _("site name")), ("indicator", _("indicator")),
                                   ("opened", _("opened")), ("due", _("due")), ("closed", _("closed")),
                                   ("days_overdue", _("days overdue")), ("action", _("action"))]))
    if report["sites_to_suspend"]:
        policy = overdue_policy(lang)  # the report carries the English text, for JSON
        lines.append(_("%(recommendation)s with: %(sites)s.")
                     % {"recommendation": policy["recommendation"], "sites": ", ".join(report["sites_to_suspend"])})
        lines.append(policy["reason"])
    return "\n".join(lines).rstrip("\n") + "\n"


@history.command("info")
@db_option
@lang_option()
@handle_errors
@history_errors
def history_info(db_url, lang):
    """The database: where it is, its schema version and what it holds."""
    _ = gettext_for(lang[0])
    with _open(db_url, create=False) as store:
        counts = store.counts()
        last = store.last_import()
        click.echo(_("%(db)s: schema version %(version)s") % {"db": store.display_url,
                                                             "version": store.schema_version})
        click.echo(_("%(sites)s site(s), %(assessments)s assessment(s), %(findings)s finding(s), "
                     "%(imports)s import(s)") % counts)
        if last:
            click.echo(_("last import: %(file)s (sha256 %(hash)s) at %(time)s UTC: %(added)s added, "
                         "%(replaced)s replaced")
                       % {"file": last["source_name"], "hash": last["source_hash"][:12],
                          "time": f"{last['imported_at']:%Y-%m-%d %H:%M}", "added": last["added"],
                          "replaced": last["replaced"]})


@click.command("progress")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for index.html (the portfolio) and one page per site.")
@db_option
@as_of_option
@click.option("--site", "sites", multiple=True, metavar="SITE_ID",
              help="Write pages for these sites only (repeatable; default: every site).")
@lang_option()
@handle_errors
@history_errors
def progress(out_dir, db_url, as_of, sites, lang):
    """An HTML progress report with charts: the portfolio and a page per site."""
    from reports.progress import write_progress

    from .history import progress_data
    from .pipeline import Rulebook

    from classifications.translations import localize_bands
    from risk_catalog.translations import localize_catalog

    lang = lang[0]
    loaded = Rulebook.load()
    # people read the report: band, level and indicator titles in their language
    rulebook = Rulebook(localize_catalog(loaded.catalog, lang), localize_bands(loaded.bands, lang))
    with _open(db_url, create=False) as store:
        portfolio, pages = progress_data(store, rulebook, _as_of(as_of), tuple(sites), lang=lang)
        with atomic_directory(out_dir) as staging:
            written = write_progress(portfolio, pages, staging, lang=lang)
    _ = gettext_for(lang)
    click.echo(_("Wrote %(index)s and %(n)s site page(s)") % {"index": out_dir / "index.html", "n": written - 1},
               err=True)

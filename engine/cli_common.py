"""What every `craft` command shares: error handling and option sets."""
from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import click

from classifications.bands import BandDefinitionError
from classifications.views import load_audience_policy
from risk_catalog import CatalogError

from .messages import LANG_ENV, error_text, gettext_for, input_error_report, language_of
from .pipeline import Rulebook
from .reader import InputError
from .rules_adapter import RulesEngineError

EXIT_INPUT = 2  # bad input: nothing written
EXIT_FAILURE = 1


def fail(message: str, code: int = EXIT_FAILURE):
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def handle_errors(func):
    """Turn the library's errors into clear messages and exit codes, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            click.echo(input_error_report(exc, None if ctx.params.get("all_errors") else 50,
                                          language_of(ctx.params)), err=True)
            sys.exit(EXIT_INPUT)
        except (CatalogError, BandDefinitionError) as exc:
            fail(error_text(exc, language_of(ctx.params)))
        except RulesEngineError as exc:
            _ = gettext_for(language_of(ctx.params))
            fail(_("%(error)s. No results were written.") % {"error": exc})
        except BrokenPipeError:
            sys.stderr.close()  # the reader went away (e.g. `| head`): not an error worth a word
            sys.exit(EXIT_FAILURE)
        except OSError as exc:
            fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except Exception as exc:  # a bug: say so plainly; CRAFT_DEBUG=1 shows the traceback
            if os.environ.get("CRAFT_DEBUG"):
                raise
            _ = gettext_for(language_of(ctx.params))
            fail(_("unexpected failure (%(error)s). Nothing was written. "
                   "Please report it; run with CRAFT_DEBUG=1 for details.")
                 % {"error": f"{type(exc).__name__}: {exc}"})

    return wrapper


def rulebook_options(func):
    """--catalog and --bands, shared by every command that classifies."""

    @click.option("--catalog", "catalog_path", type=click.Path(exists=True, path_type=Path),
                  help="A catalog folder or YAML file (default: the bundled catalog).")
    @click.option("--bands", "bands_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="A band and level definitions YAML file (default: the bundled one).")
    @functools.wraps(func)
    def wrapper(*args, catalog_path=None, bands_path=None, **kwargs):
        try:
            rulebook = Rulebook.load(catalog_path, bands_path)
        except (CatalogError, BandDefinitionError) as exc:
            fail(error_text(exc, language_of(click.get_current_context().params)))
        return func(*args, rulebook=rulebook, **kwargs)

    return wrapper


def input_options(func=None, *, folders: bool = False):
    """INPUT, --sheet and --all-errors, shared by every command that reads assessments.
    `@input_options(folders=True)`: INPUT may also be a folder or glob of parts (craft classify --dask)."""
    if func is None:
        return functools.partial(input_options, folders=folders)
    func = click.option("--all-errors", is_flag=True, help="List every input problem (default: the first 50).")(func)
    func = click.option("--sheet", help="XLSX: the sheet to read (default: the first).")(func)
    return click.argument("input_path", metavar="INPUT",
                          type=click.Path(dir_okay=folders, path_type=Path))(func)


def audience_option(default: str):
    policy = load_audience_policy()
    return click.option(
        "--audience", type=click.Choice(list(policy.audiences)), default=default, show_default=True,
        help="Who the output is for; fields they may not see are removed first.",
    )


def lang_option(multiple: bool = False):
    """--lang for every command that writes for people: 'es', or 'en,es,fr' where several fit.

    The command receives a list of language codes (one code unless `multiple`)."""
    from reports.i18n import UnknownLanguage, available_languages, parse_languages

    def convert(ctx, param, value):
        try:
            langs = parse_languages(value)
        except UnknownLanguage as exc:
            raise click.BadParameter(str(exc)) from None
        if len(langs) > 1 and not multiple:
            raise click.BadParameter(f"{value!r}: give one language, e.g. es")
        return langs

    what = "Languages, comma-separated (the first is the default)" if multiple else "Language"
    return click.option("--lang", envvar=LANG_ENV, show_envvar=True, default="en", show_default=True,
                        callback=convert, help=f"{what}: {', '.join(available_languages())}.")


def parse_formats(formats: str, allowed, _=str) -> list[str]:
    """A comma-separated --format list, each one of `allowed`."""
    chosen = [f.strip().lower() for f in formats.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in allowed]
    if unknown or not chosen:
        raise click.BadParameter(_("%(formats)s: choose from %(allowed)s")
                                 % {"formats": ", ".join(unknown) or repr(formats),
                                    "allowed": ", ".join(allowed)},
                                 param_hint="--format")
    return chosen

"""The CLI's messages in the user's language: `--lang`, else the CRAFT_LANG environment
variable, else English.

Messages are written in English in the code and marked: `_()` where the language is known,
`N_()` for text built before it is (the reader's "what is allowed" texts, the store's errors);
such text is translated when it is shown. A message with values built from data is a
`risk_catalog.messages.Message(N_("one of %(values)s"), values=...)`: it keeps its template and
values, so it is translated by its template, and a value that is itself a Message in turn.
"""
from __future__ import annotations

import os

LANG_ENV = "CRAFT_LANG"
DEFAULT_LANGUAGE = "en"


def translations(lang: str | None):
    # imported here so that the reader (which marks its texts with N_) stays light
    from reports.i18n import translations as load

    return load(lang)




def default_language() -> str:
    """CRAFT_LANG when set (checked by the --lang option), else English."""
    return (os.environ.get(LANG_ENV) or DEFAULT_LANGUAGE).strip().lower() or DEFAULT_LANGUAGE


def language_of(params: dict) -> str:
    """The language a command was asked for: its --lang (a list of codes), else CRAFT_LANG."""
    lang = params.get("lang")
    if isinstance(lang, (list, tuple)) and lang:
        return lang[0]
    if isinstance(lang, str) and lang:
        return lang
    code = default_language()
    try:
        translations(code)
    except ValueError:  # an unknown CRAFT_LANG on a command without --lang: stay readable
        return DEFAULT_LANGUAGE
    return code


def gettext_for(lang: str | None):
    return translations(lang).gettext


def translate_text(text: str, lang: str | None) -> str:
    """A marked message (a plain marked text, or a Message) in `lang`."""
    if not text or lang in (None, DEFAULT_LANGUAGE):
        return text
    template = getattr(text, "template", None)
    if template is not None:  # a Message: its template, then its values
        values = {k: translate_text(v, lang) if hasattr(v, "template") else v for k, v in text.values.items()}
        return translations(lang).gettext(template) % values
    return translations(lang).gettext(text)


def problem_text(problem, lang: str | None) -> str:
    """One input problem (engine.reader.Problem) in `lang`: where, value, what is allowed."""
    if lang in (None, DEFAULT_LANGUAGE):
        return str(problem)
    _ = gettext_for(lang)
    where = []
    if problem.row is not None:
        where.append(_("row %(row)s") % {"row": problem.row})
    if problem.site_id:
        where.append(_("site %(site)s") % {"site": problem.site_id})
    if problem.column:
        where.append(_("column %(column)s") % {"column": problem.column})
    head = ", ".join(where) or _("input")
    value = "" if problem.value is None else ": " + _("value %(value)s") % {"value": repr(problem.value)}
    return f"{head}{value}: {translate_text(problem.allowed, lang)}"


def input_error_report(error, limit: int | None, lang: str | None) -> str:
    """engine.reader.InputError.report() in `lang`."""
    if lang in (None, DEFAULT_LANGUAGE):
        return error.report(limit)
    _ = gettext_for(lang)
    shown = error.problems if limit is None else error.problems[:limit]
    lines = [_("%(source)s: %(n)s problem(s); nothing was written.") % {"source": error.source,
                                                                       "n": len(error.problems)}]
    lines += [f"  {problem_text(p, lang)}" for p in shown]
    if len(shown) < len(error.problems):
        lines.append("  " + _("... and %(n)s more (use --all-errors to see them)")
                     % {"n": len(error.problems) - len(shown)})
    return "\n".join(lines)


def message_of(error: BaseException) -> str:
    """An exception's message, still a Message if it was raised with one (str() would drop it)."""
    if len(error.args) == 1 and isinstance(error.args[0], str):
        return error.args[0]
    return str(error)


def error_text(error, lang: str | None) -> str:
    """A library error for the user in `lang`: a risk_catalog.CatalogError with each of its
    problems translated; any other error's message by its template."""
    from risk_catalog import CatalogError

    if lang in (None, DEFAULT_LANGUAGE) or not isinstance(error, CatalogError):
        return translate_text(message_of(error), lang)
    _ = gettext_for(lang)
    lines = [_("invalid catalog %(source)s: %(n)s problem(s)") % {"source": error.source,
                                                                  "n": len(error.problems)}]
    lines += [f"  - {translate_text(p, lang)}" for p in error.problems]
    return "\n".join(lines)

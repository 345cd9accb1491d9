"""The CLI's messages in the user's language: `--lang`, else the CRAFT_LANG environment
variable, else English.

Messages are written in English in the code and marked: `_()` where the language is known,
`N_()` for text built before it is (the reader's "what is allowed" texts); such text is
translated when it is shown. A message with a list built from data is marked with %(name)s
placeholders (`N_("one of %(values)s") % {...}`), and matched back to its template here; a
placeholder named `allowed` holds a nested message, translated in turn. The catalog's problems
(risk_catalog.loader.Problem) carry their template and values, so no matching is needed.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache

LANG_ENV = "CRAFT_LANG"
DEFAULT_LANGUAGE = "en"


def translations(lang: str | None):
    # imported here so that the reader (which marks its texts with N_) stays light
    from reports.i18n import translations as load

    return load(lang)


def N_(text: str) -> str:  # marks a message for extraction; translated where it is shown
    return text


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


@lru_cache(maxsize=8)
def _templates(lang: str) -> tuple[tuple[re.Pattern, str], ...]:
    """(regex of an English template with %(name)s placeholders, its translation)."""
    catalog = getattr(translations(lang), "_catalog", {}) or {}
    found = []
    for msgid, msgstr in catalog.items():
        if not isinstance(msgid, str) or "%(" not in msgid or not msgstr:
            continue
        parts = re.split(r"%\((\w+)\)s", msgid.replace("%%", "%"))
        pattern = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
        found.append((len("".join(parts[::2])), re.compile(f"^{pattern}$", re.S), msgstr))
    # the template with the most fixed text first: "a known upstream mechanism (%(names)s)..."
    # before anything shorter that might also match
    return tuple((pattern, msgstr) for _n, pattern, msgstr in sorted(found, key=lambda f: -f[0]))


def translate_text(text: str, lang: str | None) -> str:
    """A message built in English (from a marked text or template) in `lang`."""
    if not text or lang in (None, DEFAULT_LANGUAGE):
        return text
    template = getattr(text, "template", None)
    if template is not None:  # a message that kept its template and values (risk_catalog.loader.Problem)
        values = {k: translate_text(v, lang) if hasattr(v, "template") else v for k, v in text.values.items()}
        return translations(lang).gettext(template) % values
    translated = translations(lang).gettext(text)
    if translated != text:
        return translated
    for pattern, msgstr in _templates(lang):
        match = pattern.match(text)
        if match:
            values = match.groupdict()
            if "allowed" in values:  # by convention the one placeholder that holds a message
                values["allowed"] = translate_text(values["allowed"], lang)
            return msgstr % values
    return text


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


def error_text(error, lang: str | None) -> str:
    """A library error for the user in `lang`: a risk_catalog.CatalogError with each of its
    problems translated; any other error's message as translate_text finds it."""
    from risk_catalog import CatalogError

    if lang in (None, DEFAULT_LANGUAGE) or not isinstance(error, CatalogError):
        return translate_text(str(error), lang)
    _ = gettext_for(lang)
    lines = [_("invalid catalog %(source)s: %(n)s problem(s)") % {"source": error.source,
                                                                  "n": len(error.problems)}]
    lines += [f"  - {translate_text(p, lang)}" for p in error.problems]
    return "\n".join(lines)

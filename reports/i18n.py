"""Languages for what people read: gettext catalogs for templates, forms and CLI messages.

The catalogs are Babel-managed `.po` files in reports/locale/<lang>/LC_MESSAGES/messages.po
(extract with `pybabel extract -F babel.cfg`, merge with `pybabel update`). They are read at run
time and compiled in memory, so no binary .mo file is committed and a translator's edit shows
up without a build step. Catalog content (titles, descriptions, actions) is translated as data
in risk_catalog/data/translations/, not here.
"""
from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"


class UnknownLanguage(ValueError):
    pass


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def available_languages() -> list[str]:
    """English (the source language) and every language with a message catalog."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return [DEFAULT_LANGUAGE, *(lang for lang in found if lang != DEFAULT_LANGUAGE)]


def parse_languages(text: str | None) -> list[str]:
    """'en,es' -> ['en', 'es']; every code must be an available language."""
    langs = list(dict.fromkeys(code.strip().lower() for code in (text or DEFAULT_LANGUAGE).split(",") if code.strip()))
    known = available_languages()
    unknown = [code for code in langs if code not in known]
    if unknown or not langs:
        raise UnknownLanguage(f"{', '.join(unknown) or text!r}: choose from {', '.join(known)}")
    return langs


@lru_cache(maxsize=8)
def _compiled(lang: str, _stamp: int) -> gettext.NullTranslations:
    with open(po_path(lang), "rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)  # fuzzy entries are left out, as msgfmt does
    buf.seek(0)
    return Translations(fp=buf, domain=DOMAIN)


def translations(lang: str | None) -> gettext.NullTranslations:
    """gettext translations for `lang` (null translations, i.e. English, for 'en' or None)."""
    if lang in (None, DEFAULT_LANGUAGE):
        return gettext.NullTranslations()
    path = po_path(lang)
    if not path.exists():
        raise UnknownLanguage(f"{lang!r}: choose from {', '.join(available_languages())}")
    return _compiled(lang, path.stat().st_mtime_ns)


def gettext_for(lang: str | None):
    return translations(lang).gettext


def language_name(lang: str, in_lang: str = "en") -> str:
    """The language's name from CLDR, e.g. 'Spanish' (in English) or 'español' (in Spanish)."""
    return Locale.parse(in_lang).languages.get(lang, lang)


def xlsform_language(lang: str) -> str:
    """The XLSForm column suffix for a language: 'English (en)', as ODK recommends."""
    return f"{language_name(lang).title()} ({lang})"

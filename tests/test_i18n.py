"""Spanish and French: catalog data translated entry by entry, and every marked string of the
templates and code translated in the Babel-managed .po catalogs."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from reports.i18n import UnknownLanguage, available_languages, gettext_for, parse_languages, po_path
from risk_catalog.translations import (available_languages as catalog_languages, load_translation,
                                       localize_catalog, missing_translations, status_labels,
                                       validate_translation)

ROOT = Path(__file__).parent.parent
LANGS = ("es", "fr")


def test_both_languages_are_available_for_catalog_and_messages():
    for lang in LANGS:
        assert lang in catalog_languages() and lang in available_languages()


@pytest.mark.parametrize("lang", LANGS)
def test_every_catalog_entry_is_translated(craft_catalog, lang):
    data = load_translation(lang)
    assert validate_translation(data, craft_catalog, lang) == []
    assert missing_translations(data, craft_catalog) == []
    localized = localize_catalog(craft_catalog, lang)
    for ind in craft_catalog.indicators:
        tr = localized.indicator(ind.id)
        assert tr.title != ind.title or ind.title.isupper(), f"{lang}: {ind.id} title is still English"
        assert tr.description != ind.description, f"{lang}: {ind.id} description is still English"
        assert [a.quick_win for a in tr.actions] == [a.quick_win for a in ind.actions]
        assert all(a.text != b.text for a, b in zip(tr.actions, ind.actions))


@pytest.mark.parametrize("lang", LANGS)
def test_translation_keeps_ids_and_the_content_hash(craft_catalog, lang):
    localized = localize_catalog(craft_catalog, lang)
    assert localized.content_hash == craft_catalog.content_hash
    assert localized.ids == craft_catalog.ids
    assert [i.sources for i in localized.indicators] == [i.sources for i in craft_catalog.indicators]
    assert craft_catalog.indicator("t1_torture").title.startswith("Torture")  # the original is untouched


def test_status_labels_are_distinct_across_languages():
    labels = [label.casefold() for lang in ("en", *LANGS) for label in status_labels(lang).values()]
    assert len(labels) == len(set(labels)), "a status label shared by two languages could map two ways"


def _extracted() -> dict[str, str]:
    """msgid -> where, for every marked string in reports/ templates and code and in engine/."""
    # patterns are relative to the folder searched (reports/ or engine/)
    method_map = [("templates/**", "jinja2"), ("**.py", "python")]
    options = {"templates/**": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true",
                                        "lstrip_blocks": "true"}}
    found = {}
    for folder in ("reports", "engine"):
        for filename, _lineno, message, _comments, _context in extract_from_dir(
                ROOT / folder, method_map, options_map=options,
                keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}):
            msgid = message[0] if isinstance(message, tuple) else message
            found.setdefault(msgid, f"{folder}/{filename}")
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_every_marked_string_has_a_translation(lang):
    with open(po_path(lang), "rb") as fh:
        catalog = read_po(fh, locale=lang)
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    missing = []
    for msgid, where in sorted(_extracted().items(), key=lambda kv: kv[1]):
        m = translated.get(msgid)
        if m is None or not m.string or (isinstance(m.string, tuple) and not all(m.string)) or m.fuzzy:
            missing.append(f"{where}: {msgid!r}")
    assert not missing, f"{len(missing)} string(s) without a {lang} translation:\n" + "\n".join(missing)


def test_gettext_translates_and_unknown_languages_are_refused():
    assert gettext_for("es")("Site identifier") == "Identificador de la mina"
    assert gettext_for("fr")("Site identifier") == "Identifiant du site"
    assert gettext_for("en")("Site identifier") == "Site identifier"
    assert parse_languages("es, en") == ["es", "en"]
    with pytest.raises(UnknownLanguage):
        parse_languages("en,xx")

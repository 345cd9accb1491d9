"""Spanish and French: catalog, band and mechanism data translated entry by entry, every
marked string of the templates and code translated in the Babel-managed .po catalogs, and no
template text left unmarked."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from classifications.bands import load_band_definitions
from classifications.translations import (available_languages as band_languages, load_band_translation,
                                          localize_bands, missing_band_translations,
                                          validate_band_translation)
from reports.i18n import UnknownLanguage, available_languages, gettext_for, parse_languages, po_path
from risk_catalog.mechanisms import LEVEL_MEANING, load_mechanisms
from risk_catalog.translations import (available_languages as catalog_languages, load_translation,
                                       localize_catalog, localize_mechanisms,
                                       missing_mechanism_translations, missing_translations,
                                       status_labels, validate_translation)

ROOT = Path(__file__).parent.parent
LANGS = ("es", "fr")


def test_both_languages_are_available_for_catalog_bands_and_messages():
    for lang in LANGS:
        assert lang in catalog_languages() and lang in available_languages() and lang in band_languages()


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


@pytest.mark.parametrize("lang", LANGS)
def test_every_band_and_level_is_translated_without_changing_the_rule(lang):
    bands = load_band_definitions()
    data = load_band_translation(lang)
    assert validate_band_translation(data, bands, lang) == []
    assert missing_band_translations(data, bands) == []
    localized = localize_bands(bands, lang)
    assert localized.content_hash == bands.content_hash
    assert localized.rules == bands.rules and list(localized.bands) == list(bands.bands)
    assert [lv.min_share_absent for lv in localized.levels] == [lv.min_share_absent for lv in bands.levels]
    for band_id, band in bands.bands.items():  # a title may be the same word ("Progression" in French)
        assert localized.bands[band_id].summary != band.summary, f"{lang}: band {band_id} is still English"
    assert all(a.title != b.title for a, b in zip(localized.levels, bands.levels))
    assert load_band_definitions().bands["progression"].title == bands.bands["progression"].title  # untouched


@pytest.mark.parametrize("lang", LANGS)
def test_every_upstream_mechanism_text_is_translated(lang):
    assert missing_mechanism_translations(load_translation(lang)) == []
    english = {m.id: m for m in load_mechanisms()}
    for m in localize_mechanisms(lang):
        original = english[m.id]
        assert (m.name, m.rmi_level, m.aliases) == (original.name, original.rmi_level, original.aliases)
        assert m.meaning != LEVEL_MEANING[m.rmi_level] and m.status_notes != original.status_notes
        assert m.recognition != original.recognition
    assert load_mechanisms()[0].meaning == LEVEL_MEANING[load_mechanisms()[0].rmi_level]  # untouched


def test_status_labels_are_distinct_across_languages():
    labels = [label.casefold() for lang in ("en", *LANGS) for label in status_labels(lang).values()]
    assert len(labels) == len(set(labels)), "a status label shared by two languages could map two ways"


def _extracted() -> dict[tuple[str | None, str], str]:
    """(msgctxt, msgid) -> where, for every marked string in reports/ templates and code, in
    engine/, classifications/ and risk_catalog/ (whose problems the CLI translates)."""
    # patterns are relative to the folder searched (reports/ or engine/)
    method_map = [("templates/**", "jinja2"), ("**.py", "python")]
    options = {"templates/**": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true",
                                        "lstrip_blocks": "true"}}
    found = {}
    for folder in ("reports", "engine", "classifications", "risk_catalog"):
        for filename, _lineno, message, _comments, context in extract_from_dir(
                ROOT / folder, method_map, options_map=options,
                keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None,
                          "pgettext": ((1, "c"), 2)}):
            msgid = message[0] if isinstance(message, tuple) else message
            found.setdefault((context, msgid), f"{folder}/{filename}")
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_every_marked_string_has_a_translation(lang):
    with open(po_path(lang), "rb") as fh:
        catalog = read_po(fh, locale=lang)
    translated = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}
    missing = []
    for (context, msgid), where in sorted(_extracted().items(), key=lambda kv: kv[1]):
        m = translated.get((context, msgid))
        if m is None or not m.string or (isinstance(m.string, tuple) and not all(m.string)) or m.fuzzy:
            missing.append(f"{where}: {msgid!r}" + (f" (context {context!r})" if context else ""))
    assert not missing, f"{len(missing)} string(s) without a {lang} translation:\n" + "\n".join(missing)


_PLACEHOLDER = re.compile(r"%\(\w+\)s|%%|\{\w+\}")


@pytest.mark.parametrize("lang", LANGS)
def test_translations_keep_every_placeholder(lang):
    """A msgstr that drops or renames %(name)s would fail at run time (KeyError) or lose data."""
    with open(po_path(lang), "rb") as fh:
        catalog = read_po(fh, locale=lang)
    wrong = [m.id for m in catalog if m.id and m.string
             and sorted(_PLACEHOLDER.findall(m.string)) != sorted(_PLACEHOLDER.findall(m.id))]
    assert wrong == []


# Text a template may show without _(): names, not words of a language.
UNTRANSLATABLE = {"craft-mes", "sha256", "ISO", "EDD"}


def _unmarked_text(source: str) -> list[str]:
    text = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", source, flags=re.S)
    # markup (HTML, and the <br> of Markdown tables) is not text
    text = re.sub(r"<style>.*?</style>|<!DOCTYPE[^>]*>|<[^>]+>|&\w+;", " ", text, flags=re.S)
    return [w for w in re.findall(r"[^\W\d_][\w'-]*", text) if w not in UNTRANSLATABLE]


@pytest.mark.parametrize("template", sorted(p.name for p in (ROOT / "reports" / "templates").iterdir()))
def test_no_template_text_is_left_unmarked(template):
    """Every word a template writes itself goes through _(); the rest is data."""
    source = (ROOT / "reports" / "templates" / template).read_text(encoding="utf-8")
    assert _unmarked_text(source) == []


def test_the_unmarked_text_check_finds_english():
    assert _unmarked_text('<h2 id="band">Band</h2> {{ _("Level") }} | **{{ x }}** (quick win) |') == \
        ["Band", "quick", "win"]


def test_gettext_translates_and_unknown_languages_are_refused():
    assert gettext_for("es")("Site identifier") == "Identificador de la mina"
    assert gettext_for("fr")("Site identifier") == "Identifiant du site"
    assert gettext_for("en")("Site identifier") == "Site identifier"
    assert parse_languages("es, en") == ["es", "en"]
    with pytest.raises(UnknownLanguage):
        parse_languages("en,xx")

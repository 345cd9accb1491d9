"""`--lang` on the commands that write for people: plans, screening, messages; classify's data
stays canonical. Expected text comes from the translation data and the .po catalogs, never
from copies in this file."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from test_plans import parse_html, section

from classifications.bands import load_band_definitions
from classifications.screening import RECOMMEND_DISENGAGE, SHEETS
from classifications.translations import localize_bands
from engine.cli import cli
from engine.messages import translate_text
from engine.reader import COLUMN_CHECKS, STATUS_ALLOWED
from reports import plans
from reports.i18n import gettext_for, translations
from reports.screening import sheet_title
from risk_catalog import load_catalog
from risk_catalog.translations import localize_catalog, localize_mechanisms

LANGS = ("es", "fr")
EXAMPLES = Path(__file__).parent.parent / "examples" / "pilot_sites.csv"
CAT = load_catalog()
BANDS = load_band_definitions()
T1 = [i.id for i in CAT.by_tier("tier1")]
M = [i.id for i in CAT.by_tier("mitigation")]
EDD = [i.id for i in CAT.by_tier("edd")]
P = [i.id for i in CAT.by_tier("progression")]


@pytest.fixture
def every_band(write_assessments):
    """One site per band, with EDD, notes, quick wins and indicators still to assess."""
    rows = [
        {"site_id": "T1", "assessment_date": "2024-01-31", T1[0]: "confirmed", M[0]: "suspected",
         "site_name": "Mina Alta", "producer": "Coop", f"{T1[0]}__note": "seen"},
        {"site_id": "MIT", "assessment_date": "2024-02-29", M[1]: "confirmed", EDD[0]: "confirmed",
         P[1]: "confirmed", f"{M[1]}__note": "reported"},
        {"site_id": "PROG", "assessment_date": "2023-11-15", P[0]: "confirmed", P[-1]: "suspected",
         P[2]: "", f"{P[0]}__note": "seen"},
        {"site_id": "INC", "assessment_date": "2024-03-01", T1[1]: "", M[2]: "not_assessed"},
    ]
    return write_assessments(rows), rows


def _plans(runner, path, out, *args):
    result = runner.invoke(cli, ["plan", str(path), "--out", str(out), "--format", "html,md", *args])
    assert result.exit_code == 0, result.output
    return result


# --- plans ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_plans_use_the_band_and_catalog_translations(craft_runner, every_band, tmp_path, lang):
    path, rows = every_band
    _plans(craft_runner, path, tmp_path, "--lang", lang)
    bands, catalog, _ = localize_bands(BANDS, lang), localize_catalog(CAT, lang), gettext_for(lang)
    expected_band = {"T1": "tier1_disengagement", "MIT": "entry_with_mitigation", "PROG": "progression",
                     "INC": "incomplete"}
    for row in rows:
        site, day = row["site_id"], row["assessment_date"]
        html = (tmp_path / f"{site}_{day}.html").read_text(encoding="utf-8")
        doc = parse_html(html)  # well-formed
        assert doc.find("html").attrs["lang"] == lang
        band = bands.bands[expected_band[site]]
        assert doc.find("span", **{"class": f"band band-{expected_band[site]}"}).text() == band.title
        assert band.summary in doc.text()
        assert [h.text() for h in doc.find_all("h2")][0] == _("Band")
        for iid in (i for i in CAT.ids if row.get(i) in ("confirmed", "suspected")):
            assert catalog.indicator(iid).title in doc.text()
            english = CAT.indicator(iid).title
            assert english not in doc.text() or english == catalog.indicator(iid).title
            for action in catalog.indicator(iid).actions if CAT.indicator(iid).tier != "edd" else ():
                assert action.text in doc.text()  # (an EDD notice shows the description only)
        md = (tmp_path / f"{site}_{day}.md").read_text(encoding="utf-8")
        assert f"## {_('Band')}" in md and band.title in md
    prog = parse_html((tmp_path / "PROG_2023-11-15.html").read_text(encoding="utf-8"))
    # PROG: two gaps and one progression indicator not assessed; the others absent
    level = bands.level_for((len(P) - 3) / (len(P) - 1))
    assert level.title in prog.text() and BANDS.level_for((len(P) - 3) / (len(P) - 1)).title not in prog.text()
    subject = next(s for s in catalog.subjects if s.id == CAT.indicator(P[0]).subject)
    assert subject.title in [h.text().split(" (")[0] for h in prog.find_all("h3")]
    assert _("quick win") in " ".join(n.text() for n in section(prog.find("body"), "progression"))
    index = parse_html((tmp_path / "index.html").read_text(encoding="utf-8"))
    assert index.find("h1").text() == _("Action plans")
    assert bands.bands["tier1_disengagement"].title in index.text()


class _Recording:
    """gettext that records every msgid a template asks for and whether the catalog has it."""

    def __init__(self, lang):
        self.inner, self.asked = translations(lang), {}

    def gettext(self, message):
        self.asked[message] = message in getattr(self.inner, "_catalog", {})
        return self.inner.gettext(message)

    def ngettext(self, singular, plural, n):
        return self.inner.ngettext(singular, plural, n)


@pytest.mark.parametrize("lang", LANGS)
def test_every_string_a_plan_shows_has_a_translation(craft_runner, every_band, tmp_path, lang, monkeypatch):
    """Render every band's plan (both formats) and the index with a recording gettext: every
    marked string asked for is in the language's catalog, and no English msgid is shown."""
    recorder = _Recording(lang)
    monkeypatch.setattr(plans, "translations", lambda code: recorder)
    path, _rows = every_band
    _plans(craft_runner, path, tmp_path, "--lang", lang)
    assert len(recorder.asked) > 40  # headings, notices, table headers, labels, statuses
    assert [m for m, found in recorder.asked.items() if not found] == []
    shown = "\n".join(p.read_text(encoding="utf-8") for p in tmp_path.iterdir() if p.is_file())
    english = [m for m in recorder.asked if len(m.split()) >= 3 and "%" not in m
               and recorder.inner.gettext(m) != m and m in shown]
    assert english == []


def test_english_plans_are_unchanged_by_the_language_machinery(craft_runner, every_band, tmp_path):
    path, _rows = every_band
    _plans(craft_runner, path, tmp_path / "default")
    _plans(craft_runner, path, tmp_path / "en", "--lang", "en")
    for p in (tmp_path / "default").iterdir():
        assert p.read_text(encoding="utf-8") == (tmp_path / "en" / p.name).read_text(encoding="utf-8")
    doc = parse_html((tmp_path / "en" / "T1_2024-01-31.html").read_text(encoding="utf-8"))
    assert doc.find("html").attrs["lang"] == "en"
    assert BANDS.bands["tier1_disengagement"].title in doc.text()


def test_craft_lang_is_the_default_and_lang_overrides_it(craft_runner, every_band, tmp_path):
    path, _rows = every_band
    result = craft_runner.invoke(cli, ["plan", str(path), "--out", str(tmp_path / "a")], env={"CRAFT_LANG": "fr"})
    assert result.exit_code == 0, result.output
    assert parse_html((tmp_path / "a" / "index.html").read_text(encoding="utf-8")).find("html").attrs["lang"] == "fr"
    result = craft_runner.invoke(cli, ["plan", str(path), "--out", str(tmp_path / "b"), "--lang", "es"],
                                 env={"CRAFT_LANG": "fr"})
    assert parse_html((tmp_path / "b" / "index.html").read_text(encoding="utf-8")).find("html").attrs["lang"] == "es"


# --- screening ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_screen_writes_sheet_titles_and_cells_in_the_language(craft_runner, tmp_path, lang):
    out = tmp_path / "s"
    result = craft_runner.invoke(cli, ["screen", str(EXAMPLES), "--out", str(out), "--format", "html,csv,xlsx",
                                       "--as-of", "2024-09-01", "--lang", lang])
    assert result.exit_code == 0, result.output
    _ = gettext_for(lang)
    book = openpyxl.load_workbook(out / "screening.xlsx")
    expected = [sheet_title(_(title)) for _key, title, _cols in SHEETS]
    assert book.sheetnames == expected
    assert all(a != b for a, b in zip(expected, [title for _k, title, _c in SHEETS]))
    assert all(len(t) <= 31 and not set(t) & set("[]:*?/\\") for t in book.sheetnames)
    bands = localize_bands(BANDS, lang)
    with open(out / "screening_summary.csv", encoding="utf-8") as fh:
        summary = list(csv.DictReader(fh))
    assert list(summary[0]) == ["group", "sites", "meaning"]  # column keys stay English
    assert [r["group"] for r in summary][:len(bands.bands)] == [b.title for b in bands.bands.values()]
    assert summary[-1]["group"] == _("Enhanced due diligence")
    with open(out / "screening_tier1.csv", encoding="utf-8") as fh:
        tier1 = list(csv.DictReader(fh))
    catalog = localize_catalog(CAT, lang)
    assert tier1 and all(r["risk"] == catalog.indicator(r["indicator"]).title for r in tier1)
    assert all(r["recommendation"] == _(RECOMMEND_DISENGAGE) != RECOMMEND_DISENGAGE for r in tier1)
    with open(out / "screening_sites.csv", encoding="utf-8") as fh:
        sites = list(csv.DictReader(fh))
    assert {r["band"] for r in sites} <= set(BANDS.bands)  # ids stay ids
    meanings = {m.name: m.meaning for m in localize_mechanisms(lang)}
    for r in sites:
        if r["upstream_mechanism"]:
            assert r["mechanism_recognition"] == meanings[r["upstream_mechanism"]]
    doc = parse_html((out / "screening.html").read_text(encoding="utf-8"))
    assert doc.find("html").attrs["lang"] == lang and doc.find("h1").text() == _("Supplier screening")


def test_screen_due_status_follows_the_language(craft_runner, tmp_path):
    result = craft_runner.invoke(cli, ["screen", str(EXAMPLES), "--out", str(tmp_path), "--format", "csv",
                                       "--as-of", "2030-01-01", "--lang", "es"])
    assert result.exit_code == 0, result.output
    with open(tmp_path / "screening_mitigation.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    template = gettext_for("es")("past due by %(days)s day(s): ask for the re-assessment; without measurable "
                                 "improvement, Annex II says suspend")
    prefix = template.split("%(days)s")[0]
    assert rows and all(r["due_status"].startswith(prefix) for r in rows)


# --- messages, refusals, data ----------------------------------------------------------------


@pytest.mark.parametrize("command", [["plan", "--out", "OUT"], ["screen"], ["classify"], ["catalog"]])
def test_an_unknown_language_is_refused_with_the_choices(craft_runner, tmp_path, command):
    args = [c if c != "OUT" else str(tmp_path / "out") for c in command]
    if command[0] != "catalog":
        args.insert(1, str(EXAMPLES))
    result = craft_runner.invoke(cli, [*args, "--lang", "xx"])
    assert result.exit_code == 2
    assert "en, es, fr" in result.output and "--lang" in result.output
    assert not (tmp_path / "out").exists()
    result = craft_runner.invoke(cli, args, env={"CRAFT_LANG": "xx"})
    assert result.exit_code == 2 and "CRAFT_LANG" in result.output


def test_classify_json_and_csv_are_the_same_whatever_the_language(craft_runner):
    outputs = {}
    for lang in ("en", *LANGS):
        for fmt in ("json", "csv"):
            result = craft_runner.invoke(cli, ["classify", str(EXAMPLES), "--format", fmt, "--lang", lang])
            assert result.exit_code == 0, result.output
            outputs[lang, fmt] = result.stdout
    for fmt in ("json", "csv"):
        assert outputs["es", fmt] == outputs["en", fmt] == outputs["fr", fmt]
    titles = {r["band_title"] for r in json.loads(outputs["en", "json"])}
    assert titles <= {b.title for b in BANDS.bands.values()}  # canonical English


@pytest.mark.parametrize("lang", LANGS)
def test_input_problems_are_reported_in_the_language(craft_runner, write_assessments, tmp_path, lang):
    path = write_assessments([{T1[0]: "maybe", "country": "Colombia"}])
    result = craft_runner.invoke(cli, ["plan", str(path), "--out", str(tmp_path / "out"), "--lang", lang])
    assert result.exit_code == 2
    assert not (tmp_path / "out").exists()
    _ = gettext_for(lang)
    head = _("%(source)s: %(n)s problem(s); nothing was written.") % {"source": path, "n": 2}
    assert head in result.output
    country = next(c for c in COLUMN_CHECKS if c.column == "country")
    assert _(country.allowed) in result.output and country.allowed not in result.output
    assert _("%(statuses)s (any case), or blank for not_assessed").split("%(statuses)s")[1] in result.output
    assert "'maybe'" in result.output and T1[0] in result.output  # the value and column as written


@pytest.mark.parametrize("lang", LANGS)
def test_every_allowed_text_of_the_reader_is_translated(lang):
    texts = [c.allowed for c in COLUMN_CHECKS] + [STATUS_ALLOWED]
    assert [t for t in texts if translate_text(t, lang) == t] == []
    # a text built from data keeps the data: the mechanism names stay as they are
    mechanism = next(c for c in COLUMN_CHECKS if c.column == "upstream_mechanism").allowed
    assert all(m.name in translate_text(mechanism, lang) for m in localize_mechanisms(lang))

"""`--lang` on `craft history` and `craft catalog validate`: tables, summaries, status words, the
overdue recommendation and problem reports in Spanish and French; JSON and CSV the same in every
language. Expected text comes from the .po catalogs and classifications/data/progression.yaml,
never from copies in this file."""
from __future__ import annotations

import csv
import json
import re

import pytest
from history_support import ROUND1, import_two_rounds

from classifications.progression import overdue_policy, policy_languages
from engine.cli import cli
from reports.i18n import available_languages, translations
from risk_catalog import TIERS, load_catalog
from risk_catalog.translations import localize_catalog

LANGS = ("es", "fr")
AS_OF = "2025-06-30"  # the examples leave one item overdue, one open and some closed then
CATALOG = load_catalog()


@pytest.fixture
def two_rounds(craft_runner, tmp_path):
    return import_two_rounds(craft_runner, tmp_path)


def _table_rows(text: str, header: str) -> tuple[list[str], list[list[str]]]:
    """The headings and rows of the format_table block whose heading line starts with `header`."""
    lines = text.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith(header))
    headings = re.split(r"\s{2,}", lines[start].strip())
    rows = []
    for line in lines[start + 2:]:
        if not line.strip():
            break
        rows.append(re.split(r"\s{2,}", line.strip()))
    return headings, rows


def _json(runner, args):
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_overdue_recommendation_is_translated_as_data():
    for lang in available_languages():
        assert lang in policy_languages(), f"progression.yaml has no {lang} overdue policy"
    english = overdue_policy()
    for lang in LANGS:
        policy = overdue_policy(lang)
        assert policy["recommendation"] != english["recommendation"]
        assert policy["reason"] != english["reason"] and "II" in policy["reason"]  # Annex II
    assert overdue_policy("en") == english


@pytest.mark.parametrize("lang", LANGS)
def test_due_table_in_the_language(craft_runner, two_rounds, lang):
    _ = translations(lang).gettext
    report = _json(craft_runner, ["history", "due", "--db", two_rounds, "--as-of", AS_OF, "--format", "json"])
    result = craft_runner.invoke(cli, ["history", "due", "--db", two_rounds, "--as-of", AS_OF, "--lang", lang])
    assert result.exit_code == 0, result.output
    text = result.output
    counts = report["counts"]
    assert counts["overdue"] and counts["open"] and counts["closed"]
    summary = _("Mitigation items as of %(day)s: %(overdue)s overdue, %(open)s open, %(closed)s closed")
    assert summary != "Mitigation items as of %(day)s: %(overdue)s overdue, %(open)s open, %(closed)s closed"
    assert text.splitlines()[0] == summary % {"day": AS_OF, **counts}
    headings, rows = _table_rows(text, _("status"))
    assert headings == [_(h) for h in ("status", "site id", "site name", "indicator", "opened", "due", "closed",
                                       "days overdue", "action")]
    assert len(rows) == len(report["items"])
    for row, item in zip(rows, report["items"]):
        assert row[0] == _(item["status"]) != item["status"]
        assert row[1] == item["site_id"] and item["indicator"] in row  # ids stay ids
        assert (row[-1] == _("suspend")) == (item["status"] == "overdue")
    policy = overdue_policy(lang)
    assert _("%(recommendation)s with: %(sites)s.") % {
        "recommendation": policy["recommendation"], "sites": ", ".join(report["sites_to_suspend"])} in text
    assert policy["reason"] in text
    english = overdue_policy()
    assert english["recommendation"] not in text and english["reason"] not in text
    assert "Mitigation items as of" not in text


@pytest.mark.parametrize("lang", LANGS)
def test_show_table_in_the_language(craft_runner, two_rounds, lang):
    tr = translations(lang)
    _ = tr.gettext
    site = _json(craft_runner, ["history", "due", "--db", two_rounds, "--as-of", AS_OF, "--format", "json"])[
        "sites_to_suspend"][0]
    report = _json(craft_runner, ["history", "show", site, "--db", two_rounds, "--as-of", AS_OF, "--format", "json"])
    result = craft_runner.invoke(cli, ["history", "show", site, "--db", two_rounds, "--as-of", AS_OF,
                                       "--lang", lang])
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith(_("Site %(site)s") % {"site": site})
    assert _("%(n)s assessment(s); mitigation items as of %(day)s.") % {
        "n": len(report["assessments"]), "day": AS_OF} in text
    headings, rows = _table_rows(text, _("assessed"))
    assert headings == [_("assessed"), _("band"), _("level"), _("edd"), _("findings"),
                        tr.pgettext("findings", "opened"), tr.pgettext("findings", "closed"), _("source")]
    assert [r[0] for r in rows] == [a["assessment_date"] for a in report["assessments"]]
    assert _("Findings per ISO 26000 core subject:") in text and _("Changes since the assessment before:") in text
    localized = localize_catalog(CATALOG, lang)
    for subject in localized.subjects:
        assert subject.title in text
    assert not any(s.title in text for s in CATALOG.subjects if s.title != localized.subject(s.id).title)
    headings, rows = _table_rows(text, _("indicator"))
    assert headings == [_(h) for h in ("indicator", "status", "opened", "due", "closed", "last status")]
    items = report["mitigation_items"]
    assert [(r[0], r[1]) for r in rows] == [(i["indicator"], _(i["status"])) for i in items]
    policy = overdue_policy(lang)
    assert _("%(recommendation)s with this site.") % {"recommendation": policy["recommendation"]} in text
    assert policy["reason"] in text and overdue_policy()["reason"] not in text


@pytest.mark.parametrize("lang", LANGS)
def test_import_and_info_summaries_in_the_language(craft_runner, tmp_path, lang):
    _ = translations(lang).gettext
    db = f"sqlite:///{tmp_path / 'craft.db'}"
    runs = [craft_runner.invoke(cli, ["history", "import", str(ROUND1), "--db", db, "--lang", lang])
            for _n in range(2)]
    assert all(r.exit_code == 0 for r in runs), runs[0].output
    n = sum(1 for _row in csv.DictReader(ROUND1.open(encoding="utf-8")))
    first = _("%(added)s new, %(unchanged)s already stored") % {"added": n, "unchanged": 0}
    again = _("%(added)s new, %(unchanged)s already stored") % {"added": 0, "unchanged": n}
    assert first != f"{n} new, 0 already stored"
    assert f"{ROUND1.name}" in runs[0].output and first in runs[0].output
    assert again in runs[1].output
    info = craft_runner.invoke(cli, ["history", "info", "--db", db, "--lang", lang])
    assert info.exit_code == 0, info.output
    assert _("%(db)s: schema version %(version)s").split("%(version)s")[0] % {"db": db} in info.output
    assert _("%(sites)s site(s), %(assessments)s assessment(s), %(findings)s finding(s), %(imports)s import(s)") \
        .split("%(findings)s")[0] % {"sites": n, "assessments": n} in info.output
    assert _("last import: %(file)s (sha256 %(hash)s) at %(time)s UTC: %(added)s added, %(replaced)s replaced") \
        .split("(sha256")[0] % {"file": ROUND1.name} in info.output


@pytest.mark.parametrize("lang", LANGS)
def test_store_and_conflict_messages_in_the_language(craft_runner, tmp_path, write_assessments, lang):
    _ = translations(lang).gettext
    missing = tmp_path / "none.db"
    result = craft_runner.invoke(cli, ["history", "due", "--db", str(missing), "--lang", lang])
    template = _("no history database at %(path)s: import assessments first with `craft history import INPUT` "
                 "(or name another with --db or CRAFT_DB)")
    before, after = template.split("%(path)s")
    assert result.exit_code == 2 and before in result.output and after in result.output
    assert "no history database" not in result.output

    db = f"sqlite:///{tmp_path / 'craft.db'}"
    path = write_assessments([{"site_id": "S1"}, {"site_id": "S2"}], "round.csv")
    assert craft_runner.invoke(cli, ["history", "import", str(path), "--db", db]).exit_code == 0
    changed = write_assessments([{"site_id": "S1", "site_name": "Another"}, {"site_id": "S2"}], "round.csv")
    result = craft_runner.invoke(cli, ["history", "import", str(changed), "--db", db, "--lang", lang])
    assert result.exit_code == 2
    assert _("%(source)s: %(n)s assessment(s) are already stored with different content; nothing was stored.") \
        % {"source": "round.csv", "n": 1} in result.output
    assert ", ".join([_("row %(row)s") % {"row": 2}, _("site %(site)s") % {"site": "S1"}]) in result.output
    assert _("Re-run with --replace to replace the stored assessments with these.") in result.output
    assert "Re-run with" not in result.output


def test_json_and_csv_are_the_same_whatever_the_language(craft_runner, two_rounds):
    commands = [["history", "due", "--db", two_rounds, "--as-of", AS_OF, "--format", "json"],
                ["history", "due", "--db", two_rounds, "--as-of", AS_OF, "--format", "csv"],
                ["history", "show", "CD-SKV-01", "--db", two_rounds, "--as-of", AS_OF, "--format", "json"]]
    for args in commands:
        outputs = {}
        for lang in ("en", *LANGS):
            result = craft_runner.invoke(cli, [*args, "--lang", lang])
            assert result.exit_code == 0, result.output
            outputs[lang] = result.stdout
        assert outputs["es"] == outputs["en"] == outputs["fr"]
    due = json.loads(craft_runner.invoke(cli, [*commands[0], "--lang", "es"]).stdout)
    assert {i["status"] for i in due["items"]} <= {"overdue", "open", "closed"}  # ids, not words
    assert due["overdue_policy"] == overdue_policy()  # the English text
    rows = list(csv.DictReader(craft_runner.invoke(cli, [*commands[1], "--lang", "fr"]).stdout.splitlines()))
    assert {r["recommendation"] for r in rows if r["status"] == "overdue"} == {overdue_policy()["recommendation"]}


@pytest.mark.parametrize("command", [["history", "import", str(ROUND1)], ["history", "show", "S1"],
                                     ["history", "due"], ["history", "info"], ["catalog", "validate"]])
def test_an_unknown_language_is_refused(craft_runner, tmp_path, command):
    db = tmp_path / "craft.db"
    args = [*command, "--lang", "xx"] + (["--db", str(db)] if command[0] == "history" else [])
    result = craft_runner.invoke(cli, args)
    assert result.exit_code == 2
    assert "en, es, fr" in result.output and "--lang" in result.output
    assert not db.exists()


def _break(files):
    """Three problems: a duplicate id, an unknown tier and a missing title."""
    progression = files["40_progression.yaml"]
    first = next(iter(files.values()))[0]
    progression.append(dict(first))
    progression[0]["tier"] = "tier9"
    del progression[1]["title"]
    return first["id"], progression[0]["id"], progression[1]["id"]


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_validate_problems_in_the_language(craft_runner, catalog_copy, lang):
    _ = translations(lang).gettext
    ids = []
    folder = catalog_copy(edit=lambda files: ids.extend(_break(files)))
    duplicate, bad_tier, untitled = ids
    english = craft_runner.invoke(cli, ["catalog", "validate", str(folder)])
    result = craft_runner.invoke(cli, ["catalog", "validate", str(folder), "--lang", lang])
    assert result.exit_code == english.exit_code == 1
    assert _("%(path)s: %(n)s problem(s)") % {"path": folder, "n": 3} in result.output
    expected = [
        _("duplicate indicator id '%(id)s'") % {"id": duplicate},
        _("%(where)s: unknown tier %(tier)s; allowed: %(tiers)s") % {
            "where": _("indicator '%(id)s'") % {"id": bad_tier}, "tier": "'tier9'",
            "tiers": ", ".join(TIERS)},
        _("%(where)s: missing field '%(field)s'") % {"where": _("indicator '%(id)s'") % {"id": untitled},
                                                     "field": "title"},
    ]
    for line in expected:
        assert f"  - {line}" in result.output
    assert len(result.output.splitlines()) == len(english.output.splitlines()) == 4
    for line in english.output.splitlines()[1:]:  # no English problem is left
        assert line not in result.output
    # the group's --lang reaches the subcommand; classify with the broken catalog says the same
    group = craft_runner.invoke(cli, ["catalog", "--lang", lang, "validate", str(folder)])
    assert group.output == result.output
    classify = craft_runner.invoke(cli, ["classify", str(ROUND1), "--catalog", str(folder), "--lang", lang])
    assert classify.exit_code == 1
    assert all(line in classify.output for line in expected)
    assert _("invalid catalog %(source)s: %(n)s problem(s)").split("%(source)s")[0] in classify.output


def test_progress_report_recommendation_in_the_language(craft_runner, two_rounds, tmp_path):
    out = tmp_path / "report"
    result = craft_runner.invoke(cli, ["progress", "--out", str(out), "--db", two_rounds, "--as-of", AS_OF,
                                       "--site", "CD-SKV-01", "--lang", "es"])
    assert result.exit_code == 0, result.output
    index = (out / "index.html").read_text(encoding="utf-8")
    policy = overdue_policy("es")
    assert policy["recommendation"] in index and overdue_policy()["recommendation"] not in index
    assert translations("es").gettext("Wrote %(index)s and %(n)s site page(s)").split("%(index)s")[0] \
        in result.output

"""`craft progress`: the HTML report with inline SVG charts, no JavaScript, deterministic charts."""
from __future__ import annotations

import re

import pytest
from history_support import EXAMPLES

from classifications.bands import load_band_definitions
from engine.cli import cli

BANDS = load_band_definitions()


@pytest.fixture
def db(craft_runner, tmp_path):
    url = f"sqlite:///{tmp_path / 'craft.db'}"
    for name in ("pilot_sites.csv", "pilot_sites_round2.csv"):
        assert craft_runner.invoke(cli, ["history", "import", str(EXAMPLES / name), "--db", url]).exit_code == 0
    return url


def _report(craft_runner, db, out, *extra):
    result = craft_runner.invoke(cli, ["progress", "--out", str(out), "--db", db, "--as-of", "2025-06-30", *extra])
    assert result.exit_code == 0, result.output
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(out.iterdir())}


def test_portfolio_and_one_page_per_site_with_inline_svg_charts(craft_runner, db, tmp_path):
    pages = _report(craft_runner, db, tmp_path / "report")
    assert "index.html" in pages
    site_pages = [n for n in pages if n != "index.html"]
    assert len(site_pages) == 8
    index = pages["index.html"]
    for name in site_pages:
        assert f'href="{name}"' in index
    assert index.count("<svg") == 3  # bands over time, levels, mitigation items
    for name, html in pages.items():
        assert "<script" not in html.lower(), name
        assert "<?xml" not in html and "<!DOCTYPE svg" not in html
        assert "<svg" in html
    for page in site_pages:
        assert pages[page].count("<svg") == 2  # band/level timeline, findings per subject
    # the charts' text is text: the legend names the bands
    for band in ("tier1_disengagement", "entry_with_mitigation", "progression"):
        assert BANDS.bands[band].title in index


def test_overdue_mitigation_recommends_suspension_for_that_site_only(craft_runner, db, tmp_path):
    pages = _report(craft_runner, db, tmp_path / "report")
    due = craft_runner.invoke(cli, ["history", "due", "--db", db, "--as-of", "2025-06-30", "--format", "csv",
                                    "--status", "overdue"])
    overdue_sites = {line.split(",")[1] for line in due.output.splitlines()[1:]}
    assert overdue_sites
    notice = re.search(r'<div class="notice" id="suspend">(.*?)</div>', pages["index.html"], re.S).group(1)
    for site in overdue_sites:
        assert site in notice
    for name, html in pages.items():
        if name == "index.html":
            continue
        site_id = re.search(r"<strong>([A-Z]{2}-[A-Z]{3}-\d\d)</strong>", html).group(1)
        assert ("Recommend suspending" in html) == (site_id in overdue_sites), name


def test_same_data_same_charts(craft_runner, db, tmp_path):
    one = _report(craft_runner, db, tmp_path / "one")
    two = _report(craft_runner, db, tmp_path / "two")
    assert one == two


def test_only_named_sites_get_pages_and_unknown_sites_are_refused(craft_runner, db, tmp_path):
    pages = _report(craft_runner, db, tmp_path / "some", "--site", "CO-CAU-01")
    assert sorted(pages) == ["index.html", "site_CO-CAU-01.html"]
    bad = craft_runner.invoke(cli, ["progress", "--out", str(tmp_path / "bad"), "--db", db, "--site", "NOPE"])
    assert bad.exit_code == 2 and "NOPE" in bad.output
    assert not (tmp_path / "bad" / "index.html").exists()


def test_the_report_in_spanish_translates_text_and_band_titles(craft_runner, db, tmp_path):
    from classifications.translations import localize_bands

    pages = _report(craft_runner, db, tmp_path / "es", "--lang", "es")
    english = _report(craft_runner, db, tmp_path / "en")
    spanish_bands = localize_bands(BANDS, "es")
    assert pages.keys() == english.keys()
    assert '<html lang="es">' in pages["index.html"]
    assert spanish_bands.bands["entry_with_mitigation"].title in pages["index.html"]
    assert "Progress report" in english["index.html"] and "Progress report" not in pages["index.html"]

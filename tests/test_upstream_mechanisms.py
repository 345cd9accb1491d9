"""Upstream mechanisms as data, and the input check on the upstream_mechanism column."""
from click.testing import CliRunner

from engine.cli import cli
from risk_catalog.mechanisms import find_mechanism, load_mechanisms


def test_rmi_levels_from_the_seed_document():
    by_id = {m.id: m for m in load_mechanisms()}
    assert by_id["craft"].rmi_level == 2 and "RMAP" in by_id["craft"].meaning
    assert by_id["better_mining"].rmi_level == 1 and by_id["better_mining"].since == "2020-06-02"


def test_names_match_ignoring_case_and_spaces():
    assert find_mechanism("  better   MINING ").id == "better_mining"
    assert find_mechanism("craft").id == "craft"
    assert find_mechanism("Fairmined") is None


def test_an_unknown_mechanism_is_an_input_error_listing_the_known_ones(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("site_id,assessment_date,upstream_mechanism\nA,2024-01-01,Fairmined\n"
                    "B,2024-01-02,craft\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["classify", str(path), "--output", str(tmp_path / "out.csv")])
    assert result.exit_code == 2
    assert "Fairmined" in result.stderr and "row 2" in result.stderr
    for mechanism in load_mechanisms():
        assert mechanism.name in result.stderr
    assert not (tmp_path / "out.csv").exists()


def test_a_known_mechanism_is_written_with_its_canonical_name(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("site_id,assessment_date,upstream_mechanism\nB,2024-01-02, craft \n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["classify", str(path), "--format", "csv", "--audience", "buyer"])
    assert result.exit_code == 0 and "CRAFT Code" in result.stdout

"""Every way an input file can be wrong: all problems reported at once, exit 2, nothing written."""
from __future__ import annotations

import csv
import json
import re
from datetime import date, datetime

import openpyxl
import pytest

from engine.cli import cli
from engine.reader import InputError, read_assessments
from risk_catalog import STATUSES

PRESENT = ("confirmed", "suspected")


# --- helpers --------------------------------------------------------------------------------


def classify(runner, path, *args):
    return runner.invoke(cli, ["classify", str(path), *args])


def assert_input_error(result):
    """The CLI refused the input the way the contract says: exit 2, a message, no traceback."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "nothing was written" in result.output


def problem_lines(result) -> list[str]:
    """The indented problem lines of an input error report."""
    return [line.strip() for line in result.output.splitlines() if line.startswith("  ")]


def line_with(result, *needles) -> str:
    lines = [line for line in problem_lines(result) if all(n in line for n in needles)]
    assert lines, f"no problem line with {needles!r} in:\n{result.output}"
    return lines[0]


def records(result) -> list[dict]:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- status cells ---------------------------------------------------------------------------


def test_unknown_status_names_row_site_column_value_and_allowed_values(craft_runner, craft_catalog,
                                                                       write_assessments):
    iid = craft_catalog.by_tier("tier1")[0].id
    path = write_assessments([{"site_id": "S1"}, {"site_id": "MINE-7", iid: "maybe"}])
    result = classify(craft_runner, path)
    assert_input_error(result)
    line = line_with(result, "maybe")
    assert "row 3" in line  # the header is row 1, the second data row is row 3
    assert "MINE-7" in line
    assert iid in line
    assert "'maybe'" in line
    for status in STATUSES:
        assert status in line


def test_unknown_status_through_the_reader_gives_a_structured_problem(craft_catalog, write_assessments):
    iid = craft_catalog.by_tier("mitigation")[0].id
    path = write_assessments([{"site_id": "A"}, {"site_id": "B", iid: "yes"}])
    with pytest.raises(InputError) as info:
        read_assessments(path, craft_catalog)
    [problem] = info.value.problems
    assert (problem.row, problem.site_id, problem.column, problem.value) == (3, "B", iid, "yes")
    assert all(s in problem.allowed for s in STATUSES)


def test_several_bad_cells_are_all_reported_at_once(craft_runner, craft_catalog, write_assessments):
    t1 = craft_catalog.by_tier("tier1")[0].id
    m = craft_catalog.by_tier("mitigation")[-1].id
    p = craft_catalog.by_tier("progression")[2].id
    path = write_assessments([
        {"site_id": "A", t1: "yes"},
        {"site_id": "B", "assessment_date": "2024-13-01"},
        {"site_id": "C", m: "perhaps", p: "n/a"},
        {"site_id": "D"},  # a good row among bad ones
    ])
    result = classify(craft_runner, path)
    assert_input_error(result)
    assert "4 problem(s)" in result.output
    assert len(problem_lines(result)) == 4
    assert "row 2" in line_with(result, "'yes'")
    assert "row 3" in line_with(result, "'2024-13-01'")
    assert "row 4" in line_with(result, "'perhaps'")
    assert "row 4" in line_with(result, "'n/a'")

    with pytest.raises(InputError) as info:
        read_assessments(path, craft_catalog)
    got = {(p_.row, p_.column) for p_ in info.value.problems}
    assert got == {(2, t1), (3, "assessment_date"), (4, m), (4, p)}


def test_more_than_fifty_problems_are_counted_and_all_errors_shows_every_one(craft_runner, craft_catalog,
                                                                            write_assessments):
    iid = craft_catalog.ids[0]
    path = write_assessments([{"site_id": f"S{n}", iid: f"bad{n}"} for n in range(60)])
    result = classify(craft_runner, path)
    assert_input_error(result)
    assert "60 problem(s)" in result.output
    assert "and 10 more" in result.output
    assert len([line for line in problem_lines(result) if "'bad" in line]) == 50

    everything = classify(craft_runner, path, "--all-errors")
    assert_input_error(everything)
    assert len([line for line in problem_lines(everything) if "'bad" in line]) == 60


@pytest.mark.parametrize("status", STATUSES)
def test_status_matching_ignores_case_and_surrounding_spaces(craft_catalog, write_assessments, status):
    ids = [i.id for i in craft_catalog.indicators]
    spellings = [f" {status.title()} ", status.upper(), f"\t{status}  ", status.capitalize()]
    rows = [{"site_id": f"S{n}", ids[0]: text, ids[-1]: text} for n, text in enumerate(spellings)]
    assessments = read_assessments(write_assessments(rows), craft_catalog)
    assert len(assessments) == len(spellings)
    for a in assessments:
        assert a.statuses[ids[0]] == status
        assert a.statuses[ids[-1]] == status


def test_spaced_capitalised_confirmed_counts_as_present_in_the_band(craft_runner, craft_catalog,
                                                                    write_assessments):
    iid = craft_catalog.by_tier("tier1")[0].id
    result = classify(craft_runner, write_assessments([{iid: " Confirmed "}]), "--format", "json")
    [record] = records(result)
    # contract rule 1: any Tier 1 indicator present gives tier1_disengagement
    assert record["band"] == "tier1_disengagement"
    assert [f["indicator"] for f in record["findings"]] == [iid]
    assert record["findings"][0]["status"] == "confirmed"


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_cell_means_not_assessed(craft_runner, craft_catalog, write_assessments, blank):
    iid = craft_catalog.by_tier("tier1")[-1].id
    path = write_assessments([{iid: blank}])
    [assessment] = read_assessments(path, craft_catalog)
    assert assessment.statuses[iid] == "not_assessed"

    [record] = records(classify(craft_runner, path, "--format", "json"))
    # contract rule 2: a Tier 1 indicator not assessed, none present, gives incomplete
    assert record["band"] == "incomplete"
    assert iid in record["missing"]


def test_a_missing_indicator_column_means_not_assessed(craft_runner, craft_catalog, write_assessments):
    iid = craft_catalog.by_tier("mitigation")[0].id
    path = write_assessments([{}], drop=(iid,))
    with open(path, encoding="utf-8") as fh:
        assert iid not in next(csv.reader(fh))
    [assessment] = read_assessments(path, craft_catalog)
    assert assessment.statuses[iid] == "not_assessed"
    assert set(assessment.statuses) == set(craft_catalog.ids)

    [record] = records(classify(craft_runner, path, "--format", "json"))
    # contract rule 4: a mitigation indicator not assessed, nothing present, gives incomplete
    assert record["band"] == "incomplete"
    assert record["missing"] == [iid]


# --- dates, site ids, duplicates ------------------------------------------------------------


@pytest.mark.parametrize("bad_date", ["15/03/2024", "2024-3-5", "20240315", "March 15, 2024", "2024-03-15T10:00"])
def test_a_badly_written_date_is_an_error(craft_runner, write_assessments, bad_date):
    result = classify(craft_runner, write_assessments([{"site_id": "S9", "assessment_date": bad_date}]))
    assert_input_error(result)
    line = line_with(result, repr(bad_date))
    assert "assessment_date" in line and "row 2" in line and "S9" in line
    assert "YYYY-MM-DD" in line


@pytest.mark.parametrize("impossible", ["2024-02-30", "2023-02-29", "2024-04-31", "2024-00-10"])
def test_an_impossible_date_is_an_error(craft_runner, write_assessments, impossible):
    result = classify(craft_runner, write_assessments([{"assessment_date": impossible}]))
    assert_input_error(result)
    assert "assessment_date" in line_with(result, repr(impossible))


def test_a_leap_day_is_a_real_date(craft_catalog, write_assessments):
    [a] = read_assessments(write_assessments([{"assessment_date": "2024-02-29"}]), craft_catalog)
    assert a.assessment_date == date(2024, 2, 29)


@pytest.mark.parametrize("blank_id", ["", "   "])
def test_an_empty_site_id_is_an_error(craft_runner, write_assessments, blank_id):
    path = write_assessments([{"site_id": "S1"}, {"site_id": blank_id, "assessment_date": "2024-04-01"}])
    result = classify(craft_runner, path)
    assert_input_error(result)
    line = line_with(result, "site_id")
    assert "row 3" in line
    assert "required" in line


def test_a_duplicate_site_and_date_names_the_first_row(craft_runner, write_assessments):
    path = write_assessments([
        {"site_id": "S1", "assessment_date": "2024-03-15"},
        {"site_id": "S1", "assessment_date": "2024-09-15"},  # same site, other date: fine
        {"site_id": "S2", "assessment_date": "2024-03-15"},  # other site, same date: fine
        {"site_id": "S1", "assessment_date": "2024-03-15"},
    ])
    result = classify(craft_runner, path)
    assert_input_error(result)
    assert "1 problem(s)" in result.output
    line = line_with(result, "row 5")
    assert "S1" in line
    assert "first at row 2" in line


def test_surrounding_spaces_do_not_hide_a_duplicate(craft_runner, write_assessments):
    path = write_assessments([{"site_id": "S1"}, {"site_id": " S1 ", "assessment_date": " 2024-03-15"}])
    result = classify(craft_runner, path)
    assert_input_error(result)
    assert "first at row 2" in line_with(result, "row 3")


# --- header ---------------------------------------------------------------------------------


@pytest.mark.parametrize("typo, meant", [
    ("t1_tortre", "t1_torture"),
    ("T1_Torture", "t1_torture"),
    ("m_brbery", "m_bribery"),
    ("edd_cahr", "edd_cahra"),
    ("site_nme", "site_name"),
])
def test_an_unknown_column_suggests_the_nearest_id_and_never_becomes_not_assessed(
        craft_runner, craft_catalog, write_assessments, typo, meant):
    # the typo column holds a present risk: silently ignoring it would hide that risk
    path = write_assessments([{typo: "confirmed"}], drop=(meant,))
    result = classify(craft_runner, path, "--format", "json")
    assert_input_error(result)
    line = line_with(result, typo)
    assert f"did you mean '{meant}'" in line
    assert "row 1" in line
    assert result.stdout == ""  # no classification at all, so no "incomplete" band either

    with pytest.raises(InputError) as info:
        read_assessments(path, craft_catalog)
    assert [p.column for p in info.value.problems] == [typo]


def test_an_unrelated_unknown_column_is_reported_without_a_wild_guess(craft_runner, write_assessments):
    result = classify(craft_runner, write_assessments([{"zzqx": "1"}]))
    assert_input_error(result)
    line = line_with(result, "zzqx")
    assert "unknown column" in line
    assert "did you mean" not in line


def test_a_column_repeated_in_the_header_is_an_error(craft_runner, craft_catalog, tmp_path):
    iid = craft_catalog.ids[0]
    path = tmp_path / "twice.csv"
    path.write_text(f"site_id,assessment_date,{iid},{iid}\nS1,2024-03-15,absent,confirmed\n", encoding="utf-8")
    result = classify(craft_runner, path)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert iid in result.output


@pytest.mark.parametrize("column", ["site_id", "assessment_date"])
def test_a_missing_required_column_is_an_error(craft_runner, write_assessments, column):
    result = classify(craft_runner, write_assessments([{}], drop=(column,)))
    assert_input_error(result)
    assert f"required column '{column}' is missing" in result.output


# --- metadata -------------------------------------------------------------------------------


@pytest.mark.parametrize("country", ["Colombia", "COL", "C0", "1", "C"])
def test_a_bad_country_code_is_an_error(craft_runner, write_assessments, country):
    result = classify(craft_runner, write_assessments([{"site_id": "S4", "country": country}]))
    assert_input_error(result)
    line = line_with(result, repr(country))
    assert "country" in line and "S4" in line and "alpha-2" in line


def test_a_good_country_code_is_kept_in_upper_case_and_blank_is_allowed(craft_catalog, write_assessments):
    rows = [{"site_id": "A", "country": "co"}, {"site_id": "B", "country": " pe "}, {"site_id": "C", "country": ""}]
    got = {a.site_id: a.site.get("country") for a in read_assessments(write_assessments(rows), craft_catalog)}
    assert got == {"A": "CO", "B": "PE", "C": None}


# --- encodings ------------------------------------------------------------------------------


def test_a_latin1_csv_gives_a_clear_message(craft_runner, write_assessments):
    path = write_assessments([{"site_id": "Peñas Blancas", "site_name": "Mina La Peña"}], encoding="latin-1")
    assert b"\xf1" in path.read_bytes()  # really latin-1 bytes, not UTF-8
    result = classify(craft_runner, path)
    assert_input_error(result)
    assert "UTF-8" in result.output
    assert "Traceback" not in result.output


def test_a_bom_prefixed_utf8_csv_is_accepted(craft_runner, craft_catalog, write_assessments):
    path = write_assessments([{"site_id": "Peñas", "site_name": "Mina Peña"}], encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    [a] = read_assessments(path, craft_catalog)
    assert a.site_id == "Peñas"
    assert a.site["site_name"] == "Mina Peña"
    [record] = records(classify(craft_runner, path, "--format", "json"))
    assert record["site_id"] == "Peñas"


# --- nothing written on failure -------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_a_bad_input_writes_no_output_file(craft_runner, craft_catalog, write_assessments, tmp_path, fmt):
    path = write_assessments([{"site_id": "S1"}, {"site_id": "S2", craft_catalog.ids[0]: "maybe"}])
    out_dir = tmp_path / "results"
    out_dir.mkdir()
    output = out_dir / f"results.{fmt}"
    result = classify(craft_runner, path, "--format", fmt, "--output", str(output))
    assert_input_error(result)
    assert not output.exists()
    assert list(out_dir.iterdir()) == []  # no temporary file left behind either


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_a_bad_input_leaves_an_existing_output_file_untouched(craft_runner, write_assessments, tmp_path, fmt):
    path = write_assessments([{"assessment_date": "2024-02-30"}])
    out_dir = tmp_path / "results"
    out_dir.mkdir()
    output = out_dir / f"previous.{fmt}"
    output.write_bytes(b"yesterday's results\n")
    before = output.stat().st_mtime_ns
    result = classify(craft_runner, path, "--format", fmt, "--output", str(output))
    assert_input_error(result)
    assert output.read_bytes() == b"yesterday's results\n"
    assert output.stat().st_mtime_ns == before
    assert sorted(p.name for p in out_dir.iterdir()) == [output.name]


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_a_bad_input_prints_no_partial_results_to_standard_output(craft_runner, write_assessments, fmt):
    path = write_assessments([{"site_id": "S1"}, {"site_id": "S2", "country": "Colombia"}])
    result = classify(craft_runner, path, "--format", fmt)
    assert_input_error(result)
    assert result.stdout == ""
    assert "Colombia" in result.stderr


@pytest.mark.parametrize("name, content, needle", [
    ("assessments.txt", "site_id,assessment_date\n", ".csv, .xlsx or .json"),
    ("empty.csv", "", "cannot be read"),
])
def test_unreadable_inputs_give_a_clear_message(craft_runner, tmp_path, name, content, needle):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = classify(craft_runner, path)
    assert_input_error(result)
    assert needle in result.output


def test_a_missing_input_file_gives_a_clear_message(craft_runner, tmp_path):
    result = classify(craft_runner, tmp_path / "nowhere.csv")
    assert result.exit_code == 2
    assert "no such file" in result.output
    assert "Traceback" not in result.output


# --- XLSX -----------------------------------------------------------------------------------


def _xlsx(path, sheets: dict[str, list[list]]):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def test_xlsx_with_a_real_excel_date_cell(craft_runner, craft_catalog, tmp_path):
    header = ["site_id", "assessment_date", *craft_catalog.ids]
    t1 = craft_catalog.by_tier("tier1")[0].id
    path = _xlsx(tmp_path / "field.xlsx", {"Sites": [
        header,
        ["X1", date(2024, 3, 15), *["absent"] * len(craft_catalog.ids)],
        ["X2", datetime(2024, 3, 16), *[" Suspected " if i == t1 else "ABSENT" for i in craft_catalog.ids]],
    ]})
    wb = openpyxl.load_workbook(path)
    assert wb["Sites"]["B2"].is_date  # a real Excel date cell, not text
    got = {a.site_id: a for a in read_assessments(path, craft_catalog)}
    assert got["X1"].assessment_date == date(2024, 3, 15)
    assert got["X2"].assessment_date == date(2024, 3, 16)
    assert got["X2"].statuses[t1] == "suspected"

    recs = {r["site_id"]: r for r in records(classify(craft_runner, path, "--format", "json"))}
    assert recs["X1"]["assessment_date"] == "2024-03-15"
    assert recs["X2"]["band"] == "tier1_disengagement"  # contract rule 1


def test_xlsx_bad_cells_are_reported_with_spreadsheet_row_numbers(craft_runner, craft_catalog, write_assessments):
    iid = craft_catalog.ids[3]
    path = write_assessments([{"site_id": "A"}, {"site_id": "B"}, {"site_id": "C", iid: "maybe"}], "field.xlsx")
    result = classify(craft_runner, path)
    assert_input_error(result)
    line = line_with(result, "'maybe'")
    assert "row 4" in line and "site C" in line and iid in line


def test_sheet_option_selects_the_second_sheet(craft_runner, craft_catalog, tmp_path):
    header = ["site_id", "assessment_date", *craft_catalog.ids]
    absent = ["absent"] * len(craft_catalog.ids)
    path = _xlsx(tmp_path / "two.xlsx", {
        "Cover": [header, ["FIRST", date(2024, 1, 10), *absent]],
        "Round 2": [header, ["SECOND-A", date(2024, 6, 1), *absent], ["SECOND-B", date(2024, 6, 2), *absent]],
    })
    default = records(classify(craft_runner, path, "--format", "json"))
    assert [r["site_id"] for r in default] == ["FIRST"]
    chosen = records(classify(craft_runner, path, "--sheet", "Round 2", "--format", "json"))
    assert [r["site_id"] for r in chosen] == ["SECOND-A", "SECOND-B"]
    assert [a.site_id for a in read_assessments(path, craft_catalog, sheet="Round 2")] == ["SECOND-A", "SECOND-B"]


def test_an_unknown_sheet_is_a_clear_error(craft_runner, write_assessments):
    path = write_assessments([{}], "field.xlsx")
    result = classify(craft_runner, path, "--sheet", "No such sheet")
    assert_input_error(result)
    assert "No such sheet" in result.output


def test_a_header_only_sheet_has_its_header_checked(craft_runner, tmp_path):
    path = _xlsx(tmp_path / "header.xlsx", {"Sites": [["site_id", "assesment_date"]]})
    result = classify(craft_runner, path)
    assert_input_error(result)
    assert "did you mean 'assessment_date'" in result.output
    assert "required column 'assessment_date' is missing" in result.output


# --- JSON -----------------------------------------------------------------------------------


def test_json_list_of_objects_is_read(craft_runner, craft_catalog, write_assessments):
    m = craft_catalog.by_tier("mitigation")[0].id
    path = write_assessments([{"site_id": "J1"}, {"site_id": "J2", m: "Suspected"}], "field.json")
    got = {a.site_id: a for a in read_assessments(path, craft_catalog)}
    assert set(got) == {"J1", "J2"}
    assert got["J2"].statuses[m] == "suspected"
    recs = {r["site_id"]: r for r in records(classify(craft_runner, path, "--format", "json"))}
    assert recs["J2"]["band"] == "entry_with_mitigation"  # contract rule 3
    assert recs["J1"]["band"] == "progression"  # nothing present or missing: rule 5


def test_json_missing_keys_and_nulls_are_not_assessed(craft_catalog, tmp_path):
    iid, other = craft_catalog.ids[0], craft_catalog.ids[1]
    path = tmp_path / "sparse.json"
    path.write_text(json.dumps([{"site_id": "J1", "assessment_date": "2024-03-15", other: None}]), encoding="utf-8")
    [a] = read_assessments(path, craft_catalog)
    assert a.statuses[iid] == "not_assessed"
    assert a.statuses[other] == "not_assessed"


def test_json_bad_cells_are_reported_with_their_record_number(craft_runner, craft_catalog, write_assessments):
    iid = craft_catalog.ids[0]
    path = write_assessments([{"site_id": "J1"}, {"site_id": "J2", iid: "perhaps"}], "field.json")
    result = classify(craft_runner, path)
    assert_input_error(result)
    line = line_with(result, "'perhaps'")
    assert "row 2" in line and "J2" in line  # JSON records count from 1


@pytest.mark.parametrize("payload", [{"site_id": "S1"}, "S1", 42, [["site_id", "S1"]], [{"site_id": "S1"}, 3]])
def test_json_that_is_not_a_list_of_objects_gives_a_clear_error(craft_runner, tmp_path, payload):
    path = tmp_path / "wrong.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    result = classify(craft_runner, path)
    assert_input_error(result)
    assert "must be a list of objects" in result.output


def test_json_that_does_not_parse_gives_a_clear_error(craft_runner, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[{"site_id": "S1",', encoding="utf-8")
    result = classify(craft_runner, path)
    assert_input_error(result)
    assert "cannot be read" in result.output


# --- the report itself ----------------------------------------------------------------------


def test_every_problem_line_says_what_is_allowed(craft_runner, craft_catalog, write_assessments):
    path = write_assessments([
        {"site_id": "", "assessment_date": "2024-02-30", "country": "XYZ", craft_catalog.ids[0]: "?"},
    ])
    result = classify(craft_runner, path)
    assert_input_error(result)
    lines = problem_lines(result)
    assert len(lines) == 4
    for line in lines:
        assert re.match(r"^row \d+", line), line
        # "<where>: value '<v>': <allowed>"
        assert re.search(r": value '.*': \S", line), line
    assert "4 problem(s)" in result.stderr  # errors go to standard error


@pytest.mark.parametrize("column,value", [("latitude", "91"), ("latitude", "north"), ("longitude", "-180.5"),
                                          ("longitude", "nan"), ("latitude", "1,5")])
def test_coordinates_outside_wgs84_ranges_are_errors(craft_runner, write_assessments, column, value):
    source = write_assessments([{"site_id": "G1", column: value}])
    result = craft_runner.invoke(cli, ["classify", str(source)])
    assert result.exit_code == 2
    assert f"row 2, site G1, column {column}: value '{value}'" in result.output
    assert "decimal degrees" in result.output


def test_private_fields_must_name_fields_the_producer_can_withhold(craft_runner, write_assessments):
    source = write_assessments([{"site_id": "G1", "private_fields": "latitude;gps"},
                                {"site_id": "G2", "private_fields": " comments , assessor "}])
    result = craft_runner.invoke(cli, ["classify", str(source)])
    assert result.exit_code == 2
    assert "row 2, site G1, column private_fields: value 'latitude;gps'" in result.output
    assert "G2" not in result.output


def test_private_fields_are_kept_in_one_canonical_form(craft_catalog, write_assessments):
    source = write_assessments([{"site_id": "G2", "private_fields": " comments , assessor;comments"}])
    (assessment,) = read_assessments(source, craft_catalog)
    assert assessment.site["private_fields"] == "comments;assessor"

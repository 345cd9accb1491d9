"""The vector engine against the durable-rules engine of record: for random assessments over the
bundled catalog and over generated catalogs, every field of every result must agree, the CSV and
JSON outputs must be the same bytes, and bad input must give the same problems."""
from __future__ import annotations

import csv
import json
import random

import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine.vector_run as vector_run
from classifications.views import audience_view, load_audience_policy
from engine.cli import cli
from engine.pipeline import Rulebook, classify_file
from engine.reader import AssessmentReader, InputError
from engine.vector import compile_rulebook
from engine.vector_run import (iter_result_tables, iter_vector_classifications, write_csv_tables)
from engine.writers import write_csv, write_json
from risk_catalog import STATUSES, TIERS, load_catalog

AUDIENCES = list(load_audience_policy().audiences)
FIELDS = ("band", "level", "level_title", "share_absent", "edd", "findings", "missing", "not_assessed",
          "site", "notes", "catalog_version", "catalog_hash", "bands_hash")
METADATA = {"site_name": ["Mina A", "La Peña, Sur", 'say "hi"', ""], "country": ["co", " PE ", ""],
            "assessor": ["Ana", ""], "upstream_mechanism": ["craft", "Better Mining", ""],
            "comments": ["multi\nline", "x;y", ""], "private_fields": ["site_name", "comments;assessor", ""]}


def spellings(status: str) -> st.SearchStrategy[str]:
    """Every way a field team may write a status: any case, padded; blank for not_assessed."""
    cased = st.sampled_from([status, status.upper(), status.title(), status.capitalize()])
    padded = st.tuples(st.sampled_from(["", " ", "  ", "\t"]), cased, st.sampled_from(["", " ", "  "]))
    text = padded.map("".join)
    return st.one_of(text, st.sampled_from(["", "   "])) if status == "not_assessed" else text


@st.composite
def assessment_rows(draw, ids: list[str], max_rows: int = 8):
    dropped = set(draw(st.lists(st.sampled_from(ids), max_size=3, unique=True)))
    columns = [i for i in ids if i not in dropped]
    extra = draw(st.lists(st.sampled_from(sorted(METADATA)), max_size=4, unique=True))
    noted = draw(st.lists(st.sampled_from(ids), max_size=2, unique=True))
    rows = []
    for n in range(draw(st.integers(1, max_rows))):
        row = {"site_id": f"S{n % 3}", "assessment_date": f"2024-0{1 + n // 3}-1{n % 3}"}
        for iid in columns:
            row[iid] = draw(st.sampled_from(STATUSES).flatmap(spellings))
        for column in extra:
            row[column] = draw(st.sampled_from(METADATA[column]))
        for iid in noted:
            row[f"{iid}__note"] = draw(st.sampled_from(["seen at the pit", "", "note, with \"quotes\""]))
        rows.append(row)
    return rows


def write_rows(path, rows):
    header = list(dict.fromkeys(k for r in rows for k in r))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def both_engines(path, rulebook, chunk_rows=None):
    rules = classify_file(path, rulebook)
    reader = AssessmentReader(path, rulebook.catalog, chunk_rows=chunk_rows)
    vector = list(iter_vector_classifications(reader, rulebook))
    return rules, vector


def assert_same_results(rules, vector):
    assert len(rules) == len(vector)
    for r, v in zip(rules, vector):
        assert (r.site_id, r.assessment_date) == (v.site_id, v.assessment_date)
        rd, vd = r.to_dict(), v.to_dict()
        for name in FIELDS:
            assert rd[name] == vd[name], f"{r.site_id} {r.assessment_date}: {name}"
        assert r.findings == v.findings  # ids, order, statuses, due and progress-check dates


def csv_text(rows_or_tables, writer) -> str:
    import io

    buf = io.StringIO()
    writer(rows_or_tables, buf)
    return buf.getvalue()


def assert_same_outputs(path, rulebook, jobs=1):
    """CSV and JSON bytes of both engines, for every audience."""
    rules = classify_file(path, rulebook)
    compiled = compile_rulebook(rulebook)
    for audience in AUDIENCES:
        views = [audience_view(c, audience, rulebook.bands) for c in rules]
        reader = AssessmentReader(path, rulebook.catalog, chunk_rows=vector_run.VECTOR_CHUNK_ROWS)
        vector_csv = csv_text(iter_result_tables(reader, compiled, audience, jobs), write_csv_tables)
        assert vector_csv == csv_text(views, write_csv), audience
        reader = AssessmentReader(path, rulebook.catalog)
        vector_views = [audience_view(c, audience, rulebook.bands)
                        for c in iter_vector_classifications(reader, rulebook)]
        assert csv_text(vector_views, write_json) == csv_text(views, write_json), audience


# --- generated catalogs -----------------------------------------------------------------------


def generated_rulebook(tmp_path, catalog_copy, seed: int) -> Rulebook:
    """A catalog of a random subset of the bundled indicators, renamed, in a random order within
    each file, with random level thresholds: nothing the vector engine may have learnt by heart."""
    rng = random.Random(seed)

    def edit(files):
        for name, items in files.items():
            keep = [i for i in items if rng.random() < 0.7] or items[:1]
            rng.shuffle(keep)
            for item in keep:
                item["id"] = f"{item['id']}_{seed}x"
                if item.get("raises_edd") is False or (item["tier"] == "progression" and rng.random() < 0.2):
                    item["raises_edd"] = True  # EDD flags on other tiers too
            files[name] = keep

    folder = catalog_copy(edit, name=f"catalog_{seed}")
    from classifications.bands import BUNDLED_BANDS

    bands = yaml.safe_load(BUNDLED_BANDS.read_text(encoding="utf-8"))
    shares = sorted(rng.choice([0.25, 0.5, 0.6, 2 / 3, 0.75, 0.8, 0.9, 1.0]) for _ in bands["levels"][1:])
    for level, share in zip(bands["levels"][1:], shares):
        level["min_share_absent"] = share
    bands_path = tmp_path / f"bands_{seed}.yaml"
    bands_path.write_text(yaml.safe_dump(bands), encoding="utf-8")
    return Rulebook.load(folder, bands_path)


# --- the differential tests -----------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_both_engines_agree_on_every_field_with_the_bundled_catalog(tmp_path, data):
    rulebook = Rulebook.load()
    rows = data.draw(assessment_rows(rulebook.catalog.ids))
    path = write_rows(tmp_path / "random.csv", rows)
    rules, vector = both_engines(path, rulebook, chunk_rows=data.draw(st.sampled_from([2, 3, 5000])))
    assert_same_results(rules, vector)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_both_engines_agree_on_generated_catalogs(tmp_path, catalog_copy, seed):
    rulebook = generated_rulebook(tmp_path, catalog_copy, seed)
    assert rulebook.catalog.content_hash != load_catalog().content_hash

    @settings(max_examples=15, deadline=None)
    @given(rows=assessment_rows(rulebook.catalog.ids))
    def check(rows):
        path = write_rows(tmp_path / f"random_{seed}.csv", rows)
        assert_same_results(*both_engines(path, rulebook, chunk_rows=3))
        assert_same_outputs(path, rulebook)

    check()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_csv_and_json_outputs_are_the_same_bytes_for_every_audience(tmp_path, monkeypatch, data):
    monkeypatch.setattr(vector_run, "VECTOR_CHUNK_ROWS", 3)  # several chunks, duplicates across them
    rulebook = Rulebook.load()
    path = write_rows(tmp_path / "random.csv", data.draw(assessment_rows(rulebook.catalog.ids, 9)))
    assert_same_outputs(path, rulebook, jobs=data.draw(st.sampled_from([1, 2])))


def test_every_band_level_and_edd_flag_is_reached(tmp_path):
    """The random tests above are only as good as what they cover: a fixed table that reaches
    every band, every level and both EDD flags through both engines."""
    rulebook = Rulebook.load()
    catalog = rulebook.catalog
    by_tier = {t: [i.id for i in catalog.by_tier(t)] for t in TIERS}
    absent = {i: "absent" for i in catalog.ids}
    progression = by_tier["progression"]
    rows = [
        {**absent, by_tier["tier1"][0]: "Confirmed", by_tier["edd"][0]: "suspected"},
        {**absent, by_tier["tier1"][-1]: ""},
        {**absent, by_tier["mitigation"][0]: " SUSPECTED "},
        {**absent, by_tier["mitigation"][-1]: "not_assessed"},
        {**absent, **{p: "confirmed" for p in progression}},
        {**absent, **{p: "confirmed" for p in progression[: len(progression) // 3]}},
        dict(absent),
        {**absent, **{p: "" for p in progression}},
    ]
    for n, row in enumerate(rows):
        row.update(site_id=f"F{n}", assessment_date="2024-05-01")
    rules, vector = both_engines(write_rows(tmp_path / "fixed.csv", rows), rulebook)
    assert_same_results(rules, vector)
    assert {c.band for c in vector} == set(rulebook.bands.bands)
    assert {c.level for c in vector} >= {lv.level for lv in rulebook.bands.levels}
    assert vector[0].edd == sorted([by_tier["edd"][0]])


# --- bad input: the same problems ---------------------------------------------------------------


@st.composite
def bad_rows(draw, ids):
    rows = draw(assessment_rows(ids, 6))
    for row in rows:
        if draw(st.booleans()):
            row[draw(st.sampled_from([i for i in ids if i in row] or ["site_id"]))] = draw(
                st.sampled_from(["maybe", "yes", "n/a", "confirmd"]))
        if draw(st.integers(0, 4)) == 0:
            row["assessment_date"] = draw(st.sampled_from(["2024-02-30", "15/03/2024", ""]))
        if draw(st.integers(0, 4)) == 0:
            row["site_id"] = draw(st.sampled_from(["", "  ", "S0"]))
        if "country" in row and draw(st.booleans()):
            row["country"] = "Colombia"
    return rows


def problems_of(run) -> list[tuple]:
    with pytest.raises(InputError) as info:
        run()
    return [p.to_dict() for p in info.value.problems]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_bad_input_gives_the_same_problems_on_both_engines(tmp_path, monkeypatch, data):
    rulebook = Rulebook.load()
    rows = data.draw(bad_rows(rulebook.catalog.ids))
    path = write_rows(tmp_path / "bad.csv", rows)
    try:
        classify_file(path, rulebook)
    except InputError as exc:
        expected = [p.to_dict() for p in exc.problems]
    else:
        expected = []
    monkeypatch.setattr(vector_run, "VECTOR_CHUNK_ROWS", data.draw(st.sampled_from([2, 5000])))
    jobs = data.draw(st.sampled_from([1, 2]))

    def vector():
        reader = AssessmentReader(path, rulebook.catalog, chunk_rows=vector_run.VECTOR_CHUNK_ROWS)
        return list(iter_result_tables(reader, rulebook_compiled(rulebook), "programme", jobs))

    if expected:
        assert problems_of(vector) == expected
        reader = AssessmentReader(path, rulebook.catalog, chunk_rows=2)
        assert problems_of(lambda: list(iter_vector_classifications(reader, rulebook))) == expected
    else:
        vector()  # no problem on either side


def rulebook_compiled(rulebook):
    return compile_rulebook(rulebook)


def test_a_duplicate_in_a_later_chunk_names_the_first_row_on_both_engines(tmp_path, monkeypatch):
    rulebook = Rulebook.load()
    absent = {i: "absent" for i in rulebook.catalog.ids}
    rows = [{"site_id": f"D{n}", "assessment_date": "2024-01-01", **absent} for n in range(7)]
    rows.append({"site_id": " D1 ", "assessment_date": "2024-01-01 ", **absent})
    path = write_rows(tmp_path / "dup.csv", rows)
    expected = problems_of(lambda: classify_file(path, rulebook))
    assert [(p["row"], p["column"]) for p in expected] == [(9, "assessment_date")]
    assert "first at row 3" in expected[0]["allowed"]
    monkeypatch.setattr(vector_run, "VECTOR_CHUNK_ROWS", 2)
    for jobs in (1, 2):
        reader = AssessmentReader(path, rulebook.catalog, chunk_rows=2)
        got = problems_of(lambda: list(iter_result_tables(reader, compile_rulebook(rulebook), "buyer", jobs)))
        assert got == expected


# --- through the command line -----------------------------------------------------------------


@pytest.fixture
def field_file(tmp_path):
    rulebook = Rulebook.load()
    rng = random.Random(7)
    rows = []
    for n in range(40):
        row = {"site_id": f"C{n}", "assessment_date": f"2024-03-{1 + n % 28:02d}",
               "site_name": f"Mina {n}, norte", "assessor": "Ana Gómez", "country": "co",
               "comments": 'dijo "no"', "private_fields": "site_name" if n % 5 == 0 else ""}
        for iid in rulebook.catalog.ids:
            row[iid] = rng.choice(["absent", "absent", "Absent ", "confirmed", "SUSPECTED", "", "not_assessed"])
        row[f"{rulebook.catalog.ids[0]}__note"] = "SECRET-NOTE-1"
        rows.append(row)
    return write_rows(tmp_path / "field.csv", rows)


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("audience", AUDIENCES)
def test_the_cli_writes_the_same_bytes_with_either_engine(craft_runner, field_file, tmp_path, fmt, audience):
    outputs = {}
    for engine in ("rules", "vector"):
        out = tmp_path / f"{engine}.{fmt}"
        result = craft_runner.invoke(cli, ["classify", str(field_file), "--engine", engine, "--format", fmt,
                                           "--output", str(out), "--audience", audience])
        assert result.exit_code == 0, result.output
        outputs[engine] = out.read_bytes()
    assert outputs["rules"] == outputs["vector"]
    # notes reach the producer's JSON only (the CSV has no note column)
    assert (b"SECRET-NOTE-1" in outputs["vector"]) == (audience == "producer" and fmt == "json")


def test_parquet_output_is_the_same_table_with_either_engine(craft_runner, field_file, tmp_path):
    tables = {}
    for engine in ("rules", "vector"):
        out = tmp_path / f"{engine}.parquet"
        result = craft_runner.invoke(cli, ["classify", str(field_file), "--engine", engine,
                                           "--format", "parquet", "--output", str(out)])
        assert result.exit_code == 0, result.output
        tables[engine] = pq.read_table(out)
    assert tables["rules"].equals(tables["vector"])
    assert tables["vector"].schema.field("level").type == "int64"
    with open(tmp_path / "csv_rules.csv", "w") as fh:  # the same values as the CSV, typed
        craft_runner.invoke(cli, ["classify", str(field_file), "--format", "csv", "--output", fh.name])
    with open(tmp_path / "csv_rules.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    frame = tables["vector"].to_pandas()
    assert list(frame["band"]) == [r["band"] for r in rows]
    assert [("" if v != v else str(v)) for v in frame["share_absent"]] == [r["share_absent"] for r in rows]


def test_parquet_input_gives_the_same_results_as_csv(craft_runner, field_file, tmp_path):
    import pandas as pd

    parquet_in = tmp_path / "field.parquet"
    pd.read_csv(field_file, dtype=str, keep_default_na=False).to_parquet(parquet_in)
    outs = {}
    for engine, source in (("rules", field_file), ("vector", parquet_in), ("rules-parquet", parquet_in)):
        out = tmp_path / f"{engine}.json"
        result = craft_runner.invoke(cli, ["classify", str(source), "--engine", engine.split("-")[0],
                                           "--format", "json", "--output", str(out)])
        assert result.exit_code == 0, result.output
        outs[engine] = json.loads(out.read_text(encoding="utf-8"))
    assert outs["rules"] == outs["vector"] == outs["rules-parquet"]


def test_auto_takes_the_vector_engine_for_parquet_and_large_inputs(tmp_path):
    from engine.vector_run import choose_engine

    small = tmp_path / "small.csv"
    small.write_text("site_id,assessment_date\n", encoding="utf-8")
    assert choose_engine("auto", small, 20000) == "rules"
    assert choose_engine("auto", tmp_path / "x.parquet", 20000) == "vector"
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * 200 * 30000)
    assert choose_engine("auto", big, 20000) == "vector"
    assert choose_engine("rules", big, 20000) == "rules"


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json"])
def test_bad_input_on_the_vector_engine_exits_2_and_writes_nothing(craft_runner, tmp_path, fmt):
    rulebook = Rulebook.load()
    rows = [{"site_id": "A", "assessment_date": "2024-01-01", **{i: "absent" for i in rulebook.catalog.ids}},
            {"site_id": "B", "assessment_date": "2024-01-02", **{i: "maybe" for i in rulebook.catalog.ids[:2]}}]
    path = write_rows(tmp_path / "bad.csv", rows)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = craft_runner.invoke(cli, ["classify", str(path), "--engine", "vector", "--format", fmt,
                                       "--output", str(out_dir / f"r.{fmt}")])
    assert result.exit_code == 2
    assert "2 problem(s)" in result.output and "'maybe'" in result.output
    assert list(out_dir.iterdir()) == []


def test_parquet_needs_an_output_file_and_folders_need_dask(craft_runner, field_file, tmp_path):
    result = craft_runner.invoke(cli, ["classify", str(field_file), "--format", "parquet"])
    assert result.exit_code == 2 and "--output" in result.output
    result = craft_runner.invoke(cli, ["classify", str(tmp_path), "--format", "csv"])
    assert result.exit_code == 2 and "--dask" in result.output

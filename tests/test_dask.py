"""`craft classify --dask`: the vector engine on a real dask.distributed LocalCluster (loopback),
one output part per input part, the same bytes as a local run of each part."""
from __future__ import annotations

import csv
import random

import pandas as pd
import pyarrow.parquet as pq
import pytest

distributed = pytest.importorskip("dask.distributed")  # the optional extra `dask`

from engine.cli import cli  # noqa: E402
from engine.dask_run import PartsInputError, classify_on_dask  # noqa: E402
from engine.pipeline import Rulebook  # noqa: E402
from risk_catalog import load_catalog  # noqa: E402

CATALOG = load_catalog()


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=":0", memory_limit="1GiB") as local:
        yield local


def write_part(path, first: int, n: int, seed: int, bad_row: int | None = None):
    rng = random.Random(seed)
    header = ["site_id", "assessment_date", "site_name", "assessor", "country", *CATALOG.ids]
    rows = []
    for k in range(first, first + n):
        row = [f"P{k}", f"2024-{1 + k % 12:02d}-{1 + k % 28:02d}", f"Mina {k}, sur", "Ana", "co"]
        row += [rng.choice(["absent", "Absent", "confirmed", " suspected", "", "NOT_ASSESSED"]) for _ in CATALOG.ids]
        if k == bad_row:
            row[6] = "perhaps"
        rows.append(row)
    if path.suffix == ".parquet":
        pd.DataFrame(rows, columns=header).to_parquet(path, row_group_size=7)
    else:
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)
    return path


@pytest.fixture
def parts(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    write_part(folder / "a.csv", 0, 30, 1)
    write_part(folder / "b.csv", 30, 25, 2)
    write_part(folder / "c.csv", 55, 1, 3)
    write_part(folder / "d.parquet", 56, 40, 4)
    return folder


def local_run(runner, part, out, fmt, audience="programme"):
    result = runner.invoke(cli, ["classify", str(part), "--engine", "vector", "--format", fmt, "--output", str(out),
                                 "--audience", audience])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_each_part_on_the_cluster_equals_its_local_run(craft_runner, cluster, parts, tmp_path, fmt):
    out = tmp_path / "out"
    n, count = classify_on_dask(str(parts), Rulebook.load(), fmt, out, "buyer", cluster.scheduler_address)
    assert (n, count) == (96, 4)
    assert sorted(p.name for p in out.iterdir()) == [f"{s}.{fmt}" for s in "abcd"]
    for part in sorted(parts.iterdir()):
        mine = out / f"{part.stem}.{fmt}"
        expected = local_run(craft_runner, part, tmp_path / f"local_{part.stem}.{fmt}", fmt, "buyer")
        if fmt == "csv":
            assert mine.read_bytes() == expected.read_bytes()
            assert b"Ana" not in mine.read_bytes()  # the assessor is not the buyer's to see
        else:
            assert pq.read_table(mine).equals(pq.read_table(expected))


def test_a_glob_selects_the_parts_and_the_rules_engine_agrees(craft_runner, cluster, parts, tmp_path):
    out = tmp_path / "out"
    result = craft_runner.invoke(cli, ["classify", str(parts / "[ab].csv"), "--dask", cluster.scheduler_address,
                                       "--format", "csv", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "b.csv"]
    rules = local_run(craft_runner, parts / "a.csv", tmp_path / "rules_a.csv", "csv")
    rules_run = craft_runner.invoke(cli, ["classify", str(parts / "a.csv"), "--engine", "rules", "--format",
                                          "csv", "--output", str(rules)])
    assert rules_run.exit_code == 0
    assert (out / "a.csv").read_bytes() == rules.read_bytes()


def test_bad_input_in_any_part_exits_2_and_leaves_no_part_behind(craft_runner, cluster, parts, tmp_path):
    write_part(parts / "b.csv", 30, 25, 2, bad_row=40)
    out = tmp_path / "out"
    out.mkdir()
    (out / "kept.txt").write_text("earlier results\n", encoding="utf-8")
    result = craft_runner.invoke(cli, ["classify", str(parts), "--dask", cluster.scheduler_address,
                                       "--format", "csv", "--output", str(out)])
    assert result.exit_code == 2, result.output
    assert "b.csv" in result.output and "'perhaps'" in result.output and "row 12" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["kept.txt"]


def test_a_site_assessed_twice_on_one_date_across_parts_is_reported(cluster, parts, tmp_path):
    write_part(parts / "e.csv", 3, 2, 9)  # P3 and P4 again, on the same dates as in a.csv
    with pytest.raises(PartsInputError) as info:
        classify_on_dask(str(parts), Rulebook.load(), "csv", tmp_path / "out", "programme",
                         cluster.scheduler_address)
    problems = info.value.problems
    assert [(p.row, p.site_id) for p in problems] == [(2, "P3"), (3, "P4")]
    assert all("first at row" in p.allowed and "a.csv" in p.allowed for p in problems)
    assert not any((tmp_path / "out").glob("*.csv"))


def test_dask_local_starts_its_own_cluster(craft_runner, parts, tmp_path):
    out = tmp_path / "out"
    result = craft_runner.invoke(cli, ["classify", str(parts), "--dask", "local", "--jobs", "1",
                                       "--format", "parquet", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "96 assessment(s) from 4 part(s)" in result.output
    assert sum(pq.read_metadata(p).num_rows for p in out.iterdir()) == 96


def test_dask_refuses_what_it_cannot_write(craft_runner, parts, tmp_path):
    result = craft_runner.invoke(cli, ["classify", str(parts), "--dask", "local", "--format", "json",
                                       "--output", str(tmp_path / "o")])
    assert result.exit_code == 2 and "--format" in result.output
    result = craft_runner.invoke(cli, ["classify", str(parts), "--dask", "local", "--engine", "rules",
                                       "--format", "csv", "--output", str(tmp_path / "o")])
    assert result.exit_code == 2 and "vector" in result.output

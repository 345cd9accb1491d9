"""Benchmark the vector engine against the floor of pandas alone, in the same run.

For each size N (CSV): the floor is a fresh process that reads the input with pandas
(`dtype=str`) and writes one column back; then `craft classify INPUT --engine vector --format csv
--output FILE` with 1 and 2 worker processes. With --dask-sites, N assessments as Parquet parts
(1M rows each) are classified by `craft classify FOLDER --dask local --format parquet`.
Peak memory is the resident memory summed over the process and all its descendants.

Run: .venv/bin/python benchmarks/bench_vector.py --sites 100000 1000000 --dask-sites 1000000 10000000
Generated data goes to benchmarks/data/ (git-ignored).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_classify import WEIGHTS, generate, measure  # noqa: E402
from risk_catalog import load_catalog  # noqa: E402

FLOOR = """
import sys, pandas as pd
frame = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
frame[["site_id"]].to_csv(sys.argv[2], index=False)
"""
PART_ROWS = 1_000_000


def generate_parquet_parts(folder: Path, n: int, seed: int = 1) -> None:
    """n synthetic assessments as Parquet parts of PART_ROWS rows (statuses as text)."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = load_catalog().ids
    rng = np.random.default_rng(seed)
    values = pa.array(list(WEIGHTS))
    weights = np.array(list(WEIGHTS.values()), dtype=float)
    for k, start in enumerate(range(0, n, PART_ROWS)):
        rows = min(PART_ROWS, n - start)
        numbers = np.arange(start, start + rows)
        columns = {
            "site_id": pa.array([f"SYN-{i:08d}" for i in numbers]),
            "assessment_date": pa.array([f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in numbers]),
            "site_name": pa.array([f"Site {i}" for i in numbers]),
            "country": pa.array(["CO"] * rows),
        }
        for iid in ids:
            columns[iid] = values.take(pa.array(rng.choice(len(values), rows, p=weights / weights.sum())))
        pq.write_table(pa.table(columns), folder / f"part_{k:03d}.parquet", row_group_size=100_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--dask-sites", type=int, nargs="*", default=[])
    parser.add_argument("--workdir", type=Path, default=HERE / "data")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    craft = str(Path(sys.executable).parent / "craft")
    print(f"catalog: {len(load_catalog().ids)} indicators; cores: {os.cpu_count()}")
    print(f"{'run':<34} {'sites':>10} {'seconds':>8} {'sites/s':>10} {'x floor':>8} {'peak RSS MiB':>13}")
    for n in args.sites:
        src = args.workdir / f"synthetic_{n}.csv"
        if not src.exists():
            generate(src, n)
        floor, floor_rss = measure([sys.executable, "-c", FLOOR, str(src), str(args.workdir / f"floor_{n}.csv")])
        print(f"{'pandas floor (read, write 1 col)':<34} {n:>10} {floor:>8.1f} {n / floor:>10.0f} {1:>8.2f} "
              f"{floor_rss / 1024:>13.0f}")
        for jobs in args.jobs:
            out = args.workdir / f"vector_{n}_{jobs}.csv"
            seconds, rss = measure([craft, "classify", str(src), "--engine", "vector", "--format", "csv",
                                    "--output", str(out), "--jobs", str(jobs)])
            with open(out, "rb") as fh:
                rows = sum(1 for _ in fh) - 1
            assert rows == n, f"expected {n} results, got {rows}"
            print(f"{f'vector, CSV, --jobs {jobs}':<34} {n:>10} {seconds:>8.1f} {n / seconds:>10.0f} "
                  f"{seconds / floor:>8.2f} {rss / 1024:>13.0f}")
    for n in args.dask_sites:
        folder = args.workdir / f"parts_{n}"
        if not folder.exists():
            generate_parquet_parts(folder, n)
        out = args.workdir / f"dask_out_{n}"
        seconds, rss = measure([craft, "classify", str(folder), "--dask", "local", "--format", "parquet",
                                "--output", str(out)])
        rows = sum(pq.read_metadata(p).num_rows for p in out.glob("*.parquet"))
        assert rows == n, f"expected {n} results, got {rows}"
        print(f"{'vector, Parquet, --dask local':<34} {n:>10} {seconds:>8.1f} {n / seconds:>10.0f} "
              f"{'':>8} {rss / 1024:>13.0f}")


if __name__ == "__main__":
    main()

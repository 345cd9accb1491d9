"""Benchmark the history store: import N synthetic assessments, then `history show` and `history due`.

Sites are assessed in rounds six months apart (N / rounds sites), with the full catalog and every
status, so mitigation items open, close and fall overdue. Each command runs in its own process,
as a user would run it. Run: `.venv/bin/python benchmarks/bench_history.py --assessments 100000`
(add `--db postgresql+psycopg://...` for PostgreSQL; the default is a fresh SQLite file).
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench_classify import WEIGHTS  # noqa: E402
from risk_catalog import load_catalog  # noqa: E402

CRAFT = Path(sys.executable).parent / "craft"


def generate(path: Path, n: int, rounds: int, seed: int = 1) -> list[str]:
    ids = load_catalog().ids
    rng = random.Random(seed)
    values, weights = list(WEIGHTS), list(WEIGHTS.values())
    sites = n // rounds
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["site_id", "assessment_date", "site_name", "country", "assessor", *ids])
        for r in range(rounds):
            for k in range(sites):
                day = date(2022, 1, 1) + timedelta(days=182 * r + k % 90)
                writer.writerow([f"SYN-{k:06d}", day.isoformat(), f"Site {k}", "CO", "Assessor (synthetic)",
                                 *rng.choices(values, weights, k=len(ids))])
    return [f"SYN-{k:06d}" for k in (0, sites // 2, sites - 1)]


def timed(args: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run([str(CRAFT), *args], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"craft {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return elapsed, proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assessments", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--db", help="database URL (default: a new SQLite file in --workdir)")
    parser.add_argument("--workdir", type=Path, default=HERE / "data")
    parser.add_argument("--jobs", type=int, default=0)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    n = args.assessments
    src = args.workdir / f"history_{n}_{args.rounds}.csv"
    sites = generate(src, n, args.rounds)
    db = args.db
    if db is None:
        path = args.workdir / f"history_{n}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        db = f"sqlite:///{path}"
    print(f"{n} assessments ({n // args.rounds} sites x {args.rounds} rounds), {src.stat().st_size >> 20} MiB CSV; "
          f"cores: {os.cpu_count()}; database: {db.split('@')[-1]}")
    rows = []
    t, msg = timed(["history", "import", str(src), "--db", db, "--jobs", str(args.jobs)])
    rows.append(("history import (new database)", t, f"{n / t:.0f} assessments/s; {msg}"))
    t, msg = timed(["history", "import", str(src), "--db", db, "--jobs", str(args.jobs)])
    rows.append(("history import (same file again)", t, msg))
    for site in sites[:1]:
        t, _ = timed(["history", "show", site, "--db", db])
        rows.append((f"history show {site}", t, ""))
        t, _ = timed(["history", "show", site, "--db", db, "--format", "json"])
        rows.append((f"history show {site} --format json", t, ""))
    out = args.workdir / "due.csv"
    t, _ = timed(["history", "due", "--db", db, "--as-of", "2024-12-31", "--format", "csv", "--output", str(out)])
    with open(out, encoding="utf-8") as fh:
        items = sum(1 for _ in fh) - 1
    rows.append(("history due --format csv", t, f"{items} items"))
    t, _ = timed(["history", "due", "--db", db, "--as-of", "2024-12-31", "--status", "overdue"])
    rows.append(("history due --status overdue (table)", t, ""))
    t, _ = timed(["--version"])
    rows.append(("craft --version (process start-up)", t, ""))
    if db.startswith("sqlite:///"):
        size = sum(Path(f"{db[10:]}{s}").stat().st_size for s in ("", "-wal") if Path(f"{db[10:]}{s}").exists())
        print(f"database size: {size >> 20} MiB")
    width = max(len(r[0]) for r in rows)
    print(f"{'command':<{width}}  {'seconds':>8}  notes")
    for name, seconds, note in rows:
        print(f"{name:<{width}}  {seconds:>8.2f}  {note}")


if __name__ == "__main__":
    main()

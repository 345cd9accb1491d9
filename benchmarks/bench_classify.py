"""Benchmark `craft classify`: N synthetic assessments with the full catalog, CSV in, CSV out.

Reports wall time, sites/s and the peak memory (max RSS) of the classify process and its
workers. Run: `make benchmark` or `.venv/bin/python benchmarks/bench_classify.py --sites 100000`.
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from risk_catalog import load_catalog  # noqa: E402

# Mostly absent, like real assessments, with every status and blanks present.
WEIGHTS = {"absent": 70, "confirmed": 8, "suspected": 7, "not_assessed": 5, "": 10}


def generate(path: Path, n: int, seed: int = 1) -> None:
    ids = load_catalog().ids
    rng = random.Random(seed)
    values, weights = list(WEIGHTS), list(WEIGHTS.values())
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["site_id", "assessment_date", "site_name", "country", *ids])
        for k in range(n):
            writer.writerow([f"SYN-{k:07d}", f"2024-{1 + k % 12:02d}-{1 + k % 28:02d}", f"Site {k}", "CO",
                             *rng.choices(values, weights, k=len(ids))])


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants, started from any of its threads
    (Dask's nanny starts workers from its event-loop thread)."""
    total, stack, seen = 0, [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (OSError, StopIteration):
            pass
    return total


def measure(command: list[str]) -> tuple[float, int]:
    """Seconds and peak RSS (KiB) summed over the process tree."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_kib(proc.pid))
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"{command[:3]} failed ({proc.returncode}): {proc.stderr.read().decode()[-2000:]}")
    return elapsed, peak


def run(input_path: Path, output: Path, jobs: int, engine: str = "rules") -> tuple[float, int, int]:
    """Seconds, peak RSS of the largest process, and peak RSS summed over the process tree."""
    craft = Path(sys.executable).parent / "craft"
    elapsed, tree_peak = measure([str(craft), "classify", str(input_path), "--format", "csv",
                                  "--output", str(output), "--jobs", str(jobs), "--engine", engine])
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    return elapsed, largest, tree_peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, nargs="+", default=[100_000])
    parser.add_argument("--jobs", type=int, default=0, help="0: craft's default")
    parser.add_argument("--workdir", type=Path, default=HERE / "data")
    parser.add_argument("--engine", choices=["rules", "vector", "auto"], default="rules",
                        help="rules (default): the durable-rules engine of record; see bench_vector.py for scale")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"catalog: {len(load_catalog().ids)} indicators; cores: {os.cpu_count()}; engine: {args.engine}")
    print(f"{'sites':>9} {'jobs':>4} {'seconds':>8} {'sites/s':>9} {'max RSS MiB':>12} {'tree RSS MiB':>13}")
    for n in args.sites:
        src = args.workdir / f"synthetic_{n}.csv"
        if not src.exists():
            generate(src, n)
        # a fresh interpreter per size, so max RSS is that run's own
        out = subprocess.run(
            [sys.executable, "-c",
             "import sys; sys.path.insert(0, %r); import bench_classify as b; from pathlib import Path;"
             "print(*b.run(Path(%r), Path(%r), %d, %r))" % (str(HERE), str(src),
                                                               str(args.workdir / f"out_{n}.csv"), args.jobs,
                                                               args.engine)],
            check=True, capture_output=True, text=True,
        ).stdout.split()
        elapsed, largest, tree = float(out[0]), int(out[1]), int(out[2])
        with open(args.workdir / f"out_{n}.csv", encoding="utf-8") as fh:
            rows = sum(1 for _ in fh) - 1
        assert rows == n, f"expected {n} results, got {rows}"
        print(f"{n:>9} {args.jobs or 'auto':>4} {elapsed:>8.1f} {n / elapsed:>9.0f} "
              f"{largest / 1024:>12.0f} {tree / 1024:>13.0f}")


if __name__ == "__main__":
    main()

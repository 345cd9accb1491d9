"""`craft classify --dask ADDRESS`: the vector engine over a folder or glob of CSV/Parquet parts
on a Dask distributed cluster, one output part per input part (same stem).

Each part is one task: a worker reads, checks, classifies and writes it in chunks, exactly as
`craft classify PART --engine vector` would, into a staging folder inside --output. The workers
must therefore see the parts and --output at the same paths (one machine, or a shared file
system). Nothing is moved into --output until every part is done and the (site_id,
assessment_date) pairs are checked across parts; a problem anywhere leaves --output as it was.
Dask is an optional extra: `pip install 'craft-mes[dask]'`.
"""
from __future__ import annotations

import glob
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from .writers import atomic_path
from .pipeline import Rulebook, default_jobs
from .reader import PARQUET_SUFFIXES, AssessmentReader, InputError, Problem, duplicate_problem
from .vector import compile_rulebook
from .vector_run import VECTOR_CHUNK_ROWS, iter_result_tables, write_csv_tables, write_parquet_tables
from .writers import atomic_directory

PART_SUFFIXES = (".csv", *PARQUET_SUFFIXES)
PART_FORMATS = ("csv", "parquet")


class PartsInputError(InputError):
    """Problems in one or more parts, reported part by part."""

    def __init__(self, source: str, by_part: list[tuple[str, list[Problem]]]):
        self.by_part = [(part, problems) for part, problems in by_part if problems]
        super().__init__(source, [p for _, problems in self.by_part for p in problems])

    def report(self, limit: int | None = None) -> str:
        lines = [f"{self.source}: {len(self.problems)} problem(s) in {len(self.by_part)} part(s); "
                 "nothing was written."]
        shown = 0
        for part, problems in self.by_part:
            lines.append(f"  {part}:")
            for p in problems:
                if limit is not None and shown >= limit:
                    break
                lines.append(f"    {p}")
                shown += 1
        if shown < len(self.problems):
            lines.append(f"  ... and {len(self.problems) - shown} more (use --all-errors to see them)")
        return "\n".join(lines)


def list_parts(spec: str) -> list[Path]:
    """The CSV and Parquet parts of a folder or glob, sorted by name."""
    path = Path(spec)
    candidates = sorted(path.iterdir()) if path.is_dir() else sorted(Path(p) for p in glob.glob(spec))
    parts = [p for p in candidates if p.is_file() and p.suffix.lower() in PART_SUFFIXES]
    if not parts:
        raise InputError(spec, [Problem(None, None, None, None,
                                        "no parts found: give a folder or glob of .csv or .parquet files")])
    stems: dict[str, Path] = {}
    clashes = []
    for p in parts:
        if p.stem in stems:
            clashes.append(Problem(None, None, None, p.name,
                                   f"two parts named '{p.stem}' ({stems[p.stem].name}): their outputs would clash"))
        stems[p.stem] = p
    if clashes:
        raise InputError(spec, clashes)
    return parts


def classify_part(part: str, staging: str, rulebook: Rulebook, fmt: str, audience: str) -> dict:
    """One task: classify a part into staging/<stem>.<fmt>. Returns its count, or its problems,
    and its (site_id, assessment_date) pairs as hashes for the check across parts."""
    reader = AssessmentReader(part, rulebook.catalog, chunk_rows=VECTOR_CHUNK_ROWS)
    compiled = compile_rulebook(rulebook)
    target = Path(staging) / f"{Path(part).stem}.{fmt}"
    try:
        if fmt == "parquet":
            n = write_parquet_tables(iter_result_tables(reader, compiled, audience, typed=True), target)
        else:
            with atomic_path(target) as tmp, open(tmp, "w", encoding="utf-8", newline="") as out:
                n = write_csv_tables(iter_result_tables(reader, compiled, audience), out)
    except InputError as exc:
        return {"part": part, "rows": 0, "problems": exc.problems, "pairs": None}
    index = reader.duplicates
    return {"part": part, "rows": n, "problems": [], "pairs": (index.h1, index.h2, index.first)}


def _problems_across_parts(parts: list[str], pairs: list[tuple], catalog) -> list[tuple[str, list[Problem]]]:
    """A (site_id, assessment_date) pair in two parts is a second assessment too."""
    frame = pd.DataFrame({
        "h1": np.concatenate([p[0] for p in pairs]), "h2": np.concatenate([p[1] for p in pairs]),
        "row": np.concatenate([p[2] for p in pairs]),
        "part": np.concatenate([np.full(len(p[0]), k) for k, p in enumerate(pairs)]),
    }).sort_values(["part", "row"], kind="stable")
    again = frame.duplicated(["h1", "h2"], keep=False)
    if not again.any():
        return []
    clashes = frame[again]
    first = clashes.groupby(["h1", "h2"], sort=False).head(1).set_index(["h1", "h2"])
    later = clashes[clashes.duplicated(["h1", "h2"], keep="first")]
    found: dict[int, list[Problem]] = {}
    for part_k, group in later.groupby("part"):
        # the error path only: read the rows back for their site id and date
        wanted = set(group["row"].tolist())
        cells = {}
        for checked in AssessmentReader(parts[part_k], catalog).checked_frames():
            for i in np.flatnonzero(np.isin(checked.rows, list(wanted))):
                cells[int(checked.rows[i])] = (checked.text["site_id"].iat[i], checked.text["assessment_date"].iat[i])
        for h1, h2, row in zip(group["h1"], group["h2"], group["row"]):
            origin = first.loc[(h1, h2)]
            site_id, day = cells[int(row)]
            where = f"{int(origin['row'])} of {Path(parts[int(origin['part'])]).name}"
            found.setdefault(part_k, []).append(duplicate_problem(int(row), site_id, day, where))
    return [(parts[k], sorted(v, key=lambda p: p.row)) for k, v in sorted(found.items())]


def classify_on_dask(spec: str, rulebook: Rulebook, fmt: str, output: Path | None, audience: str,
                     address: str, jobs: int = 0) -> tuple[int, int]:
    """Classify every part of `spec` on the cluster at `address` ('local': start one here, with
    `jobs` workers); returns (assessments, parts)."""
    import click

    if fmt not in PART_FORMATS:
        raise click.BadParameter(f"with --dask, choose {' or '.join(PART_FORMATS)}", param_hint="--format")
    if output is None:
        raise click.BadParameter("--dask writes one part per input part: name a folder", param_hint="--output")
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise click.ClickException("--dask needs the optional extra: pip install 'craft-mes[dask]'") from None
    parts = [str(p) for p in list_parts(spec)]
    cluster = None
    if address == "local":
        cluster = LocalCluster(n_workers=jobs or default_jobs(), threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=":0", silence_logs=logging.ERROR)
        address = cluster.scheduler_address
    try:
        with Client(address) as client, atomic_directory(output) as staging:
            futures = [client.submit(classify_part, part, str(staging), rulebook, fmt, audience, pure=False)
                       for part in parts]
            done = {}
            for future in as_completed(futures):
                result = future.result()
                done[result["part"]] = result
            results = [done[p] for p in parts]
            bad = [(r["part"], r["problems"]) for r in results if r["problems"]]
            if not bad and len(parts) > 1:
                bad = _problems_across_parts(parts, [r["pairs"] for r in results], rulebook.catalog)
            if bad:
                raise PartsInputError(spec, bad)
            return sum(r["rows"] for r in results), len(parts)
    finally:
        if cluster is not None:
            cluster.close()

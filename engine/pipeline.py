"""Wire reader, rules and classification: assessments in, classifications out, in chunks."""
from __future__ import annotations

import multiprocessing
import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from classifications.bands import BandDefinitions, load_band_definitions
from classifications.results import Assessment, Classification, classify_outcomes
from risk_catalog import Catalog, load_catalog

from .reader import AssessmentReader, InputError
from .rules_adapter import get_host

# Below this many rows a process pool costs more than it saves.
PARALLEL_MIN_ROWS = 20000
# Workers start from a clean single-threaded server, not by forking this process: the reader's
# pyarrow threads are running here, and fork() with threads alive can deadlock the child.
POOL_START_METHOD = "forkserver"


def pool_context():
    context = multiprocessing.get_context(POOL_START_METHOD)
    # the server imports the engine once, so each worker starts in milliseconds
    context.set_forkserver_preload(["engine.pipeline", "engine.vector_run"])
    return context


@dataclass(frozen=True)
class Rulebook:
    """What a classification depends on: the catalog and the band definitions."""

    catalog: Catalog
    bands: BandDefinitions

    @classmethod
    def load(cls, catalog_path=None, bands_path=None) -> "Rulebook":
        return cls(load_catalog(catalog_path), load_band_definitions(bands_path))


def classify_assessment(assessment: Assessment, rulebook: Rulebook) -> Classification:
    fired = get_host().run_assessment(rulebook.catalog, assessment.statuses, assessment.site_id)
    return classify_outcomes(assessment, fired, rulebook.catalog, rulebook.bands)


def classify_assessments(assessments: Iterable[Assessment], rulebook: Rulebook) -> list[Classification]:
    return [classify_assessment(a, rulebook) for a in assessments]


_worker_rulebook: Rulebook | None = None


def _init_worker(rulebook: Rulebook) -> None:
    global _worker_rulebook
    _worker_rulebook = rulebook


def _classify_in_worker(chunk: list[Assessment]) -> list[Classification]:
    return classify_assessments(chunk, _worker_rulebook)


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def ordered_map(func, arg_tuples: Iterable[tuple], jobs: int, initializer, initargs: tuple,
                ahead: int) -> Iterator[tuple[tuple, object]]:
    """(args, func(*args)) for each tuple, in input order, over `jobs` worker processes (one:
    here, no pool), with at most `ahead` calls in flight so memory stays flat whatever the input."""
    if jobs <= 1:
        initializer(*initargs)
        for args in arg_tuples:
            yield args, func(*args)
        return
    with ProcessPoolExecutor(jobs, mp_context=pool_context(), initializer=initializer,
                             initargs=initargs) as pool:
        pending: deque = deque()
        for args in arg_tuples:
            pending.append((args, pool.submit(func, *args)))
            while len(pending) > ahead:
                done, future = pending.popleft()
                yield done, future.result()
        for done, future in pending:
            yield done, future.result()


def iter_classifications(reader: AssessmentReader, rulebook: Rulebook, jobs: int = 1) -> Iterator[Classification]:
    """Classify a reader's chunks as they come, over `jobs` processes (one rules host each).

    Raises InputError, after reading the whole input, when any cell is bad.
    """
    for _chunk, classified in ordered_map(_classify_in_worker, ((c,) for c in reader.chunks()), jobs,
                                          _init_worker, (rulebook,), ahead=2 * jobs):
        yield from classified
    if reader.problems:
        raise InputError(str(reader.path), reader.problems)


def classify_file(path: str | Path, rulebook: Rulebook, sheet: str | None = None) -> list[Classification]:
    """Every classification of a file (in memory), or InputError."""
    reader = AssessmentReader(path, rulebook.catalog, sheet)
    return list(iter_classifications(reader, rulebook))

"""Running the (group, level, coefficient) tasks of one `correlate` call: in order, or on
worker threads.

numpy releases the GIL inside its array loops, so two tasks on two threads use two cores. Each
task draws from its own seed (:func:`metaeval.correlation.api.task_seed`) and writes its notes
to its own list, so the numbers, the rows' order and the notes do not depend on the number of
workers or on which task finishes first. With several workers BLAS gets one thread per worker
(``threadpoolctl``), so that workers x BLAS threads do not oversubscribe the cores; the
``--average`` context (:func:`metaeval.stats.grouping.averaging`) is copied into every worker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from metaeval.stats.blocks import run_parallel, usable_cores

T = TypeVar("T")
MAX_DEFAULT_WORKERS = 4  # memory grows with the tasks held at once


def default_workers() -> int:
    """The CPU count (cores this process may use), at most :data:`MAX_DEFAULT_WORKERS`."""
    return max(1, min(MAX_DEFAULT_WORKERS, usable_cores()))


def run_tasks(jobs: Sequence[Callable[[], T]], labels: Sequence[str], workers: int | None = None,
              progress: Callable[[str, int, int], None] | None = None,
              costs: Sequence[float] | None = None) -> list[T]:
    """The results of ``jobs`` in their order; ``progress(label, done, total)`` as they run.
    With several workers the dearest jobs (``costs``, estimated seconds) start first, so that
    the run does not end on one long job with the other cores idle."""
    workers = default_workers() if workers is None else workers
    total = len(jobs)
    if workers <= 1 or total <= 1:
        out = []
        for done, (job, label) in enumerate(zip(jobs, labels)):
            if progress:
                progress(label, done, total)
            out.append(job())
        return out
    from threadpoolctl import threadpool_limits

    start = sorted(range(total), key=lambda i: -(costs[i] if costs else 0.0))
    done = [0]

    def finished(position: int) -> None:
        done[0] += 1
        if progress:
            progress(f"{labels[start[position]]} done", done[0], total)

    if progress:
        progress(f"{labels[start[0]]} (+{min(workers, total) - 1} in parallel)", 0, total)
    with threadpool_limits(limits=1):
        ordered = run_parallel([jobs[i] for i in start], workers, finished)
    results: list = [None] * total
    for position, i in enumerate(start):
        results[i] = ordered[position]
    return results

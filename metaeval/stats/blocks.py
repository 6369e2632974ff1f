"""Independent jobs of one computation on a few threads (numpy releases the GIL inside its
array loops, so jobs on two threads use two cores).

:func:`run_parallel` returns the results in the jobs' order, whatever finishes first; each job
runs in a copy of the caller's context (the ``--average`` setting,
:func:`metaeval.stats.grouping.averaging`). The first failure stops the start of further jobs
and is raised in the caller. The threads are daemons, so Ctrl-C in the caller ends the run at
once instead of waiting for the jobs already running.
"""

from __future__ import annotations

import contextvars
import os
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any


def usable_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_parallel(jobs: Sequence[Callable[[], Any]], workers: int,
                 on_done: Callable[[int], None] | None = None) -> list:
    """Results of ``jobs`` (in order) computed on ``workers`` threads, started in list order;
    ``on_done(i)`` in the caller's thread as job i finishes. One worker: in order, here."""
    if workers <= 1 or len(jobs) <= 1:
        out = []
        for i, job in enumerate(jobs):
            out.append(job())
            if on_done:
                on_done(i)
        return out
    contexts = [contextvars.copy_context() for _ in jobs]
    results: list = [None] * len(jobs)
    finished: queue.Queue = queue.Queue()
    stop = threading.Event()
    lock = threading.Lock()
    upcoming = iter(range(len(jobs)))

    def work() -> None:
        while not stop.is_set():
            with lock:
                i = next(upcoming, None)
            if i is None:
                return
            try:
                results[i] = contexts[i].run(jobs[i])
            except BaseException as error:  # noqa: BLE001 - raised again in the caller
                stop.set()
                finished.put((i, error))
                return
            finished.put((i, None))

    for _ in range(min(workers, len(jobs))):
        threading.Thread(target=work, daemon=True).start()
    try:
        for _ in range(len(jobs)):
            i, error = _next(finished)
            if error is not None:
                raise error
            if on_done:
                on_done(i)
    finally:
        stop.set()  # on a failure or Ctrl-C no further job starts
    return results


def _next(finished: queue.Queue):
    """The next finished job; a timed wait, so that Ctrl-C reaches the caller (a wait without
    a timeout does not see the signal until the queue yields)."""
    while True:
        try:
            return finished.get(timeout=0.2)
        except queue.Empty:
            continue


def run_blocks(blocks: Sequence[Callable[[], None]], workers: int = 2) -> None:
    """Run every block (each writes its own slice of a preallocated result)."""
    run_parallel(blocks, min(workers, usable_cores()))

"""Independent blocks of one vectorised computation on a few threads (numpy releases the GIL
inside its array loops, so blocks on two threads use two cores). Each block writes its own
slice of a preallocated result, so the result does not depend on the number of threads; the
``--average`` context (:func:`metaeval.stats.grouping.averaging`) is copied into each thread."""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor


def usable_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_blocks(blocks: Sequence[Callable[[], None]], workers: int = 2) -> None:
    """Run every block (in order on one thread when ``workers`` <= 1 or there is one block)."""
    workers = min(workers, usable_cores(), len(blocks))
    if workers <= 1:
        for block in blocks:
            block()
        return
    with ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(contextvars.copy_context().run, b) for b in blocks]:
            future.result()

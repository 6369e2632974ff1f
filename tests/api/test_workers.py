"""`correlate` on worker threads (metaeval.correlation.scheduler): the same rows, pairs, notes
and signature whatever the number of workers; the --average context reaches the workers; a
failing task fails the run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metaeval import correlate
from metaeval.correlation import scheduler
from metaeval.data.judgements import JudgementSet


def _judgements(seed=0, systems=6, items=25, metrics=4) -> JudgementSet:
    rng = np.random.default_rng(seed)
    gold = rng.integers(0, 6, (systems, items)).astype(float)
    frame = pd.DataFrame({"item": np.tile(np.arange(items).astype(str), systems),
                          "system": np.repeat([f"s{s}" for s in range(systems)], items),
                          "group": np.tile(np.where(np.arange(items) < 12, "a", "b"), systems),
                          "human": gold.ravel()})
    for m in range(metrics):
        frame[f"m{m}"] = (gold + (m + 1) * rng.normal(size=gold.shape)).ravel()
    frame.loc[3, "m1"] = np.nan
    return JudgementSet(table=frame, human=["human"], metrics=[f"m{m}" for m in range(metrics)],
                        missing="drop")


@pytest.mark.parametrize("average", ["mean", "median"])
def test_rows_pairs_and_notes_do_not_depend_on_the_workers(average):
    js = _judgements()
    options = dict(levels=["item", "none", "system"], coefficients=["pearson", "kendall_b"],
                   group_by="group", k=60, seed=3, significance="all", average=average)
    one = correlate(js, workers=1, **options)
    three = correlate(js, workers=3, **options)
    pd.testing.assert_frame_equal(one.table, three.table)
    pd.testing.assert_frame_equal(one.pairwise, three.pairwise)
    assert one.notes == three.notes
    assert str(one.signature) == str(three.signature)


def test_the_median_average_reaches_the_workers():
    js = _judgements(1)
    options = dict(levels=["item"], coefficients=["pearson"], k=30, seed=0)
    mean = correlate(js, workers=2, average="mean", **options).table
    median = correlate(js, workers=2, average="median", **options).table
    assert not np.allclose(mean["statistic"], median["statistic"])
    alone = correlate(js, workers=1, average="median", **options).table
    np.testing.assert_allclose(median["statistic"], alone["statistic"], rtol=0, atol=0)


def test_a_failing_task_fails_the_run():
    calls = []

    def ok():
        calls.append(1)
        return 1

    def fails():
        raise ValueError("task broke")

    with pytest.raises(ValueError, match="task broke"):
        scheduler.run_tasks([ok, fails, ok], ["a", "b", "c"], workers=2)


def test_results_keep_the_job_order_when_the_dearest_start_first():
    jobs = [lambda i=i: i for i in range(7)]
    seen = []
    out = scheduler.run_tasks(jobs, [str(i) for i in range(7)], workers=2,
                              progress=lambda label, done, total: seen.append(label),
                              costs=[1, 5, 2, 9, 0, 3, 4])
    assert out == list(range(7))
    assert seen[0].startswith("3 ")  # the dearest job is named first


def test_an_interrupt_does_not_wait_for_the_running_jobs():
    """Ctrl-C (here a job raising KeyboardInterrupt) ends the run at once: the job still running
    on the other thread (blocked until released) has not finished when the caller sees the
    interrupt, and queued jobs never start."""
    import threading
    import time

    from metaeval.stats.blocks import run_parallel

    release = threading.Event()
    events = []

    def slow():
        events.append("slow started")
        release.wait(30)
        events.append("slow finished")

    def interrupted():
        time.sleep(0.05)
        raise KeyboardInterrupt

    def queued():
        events.append("queued")

    with pytest.raises(KeyboardInterrupt):
        run_parallel([slow, interrupted, queued], workers=2)
    assert "slow finished" not in events  # not waited for
    release.set()
    time.sleep(0.1)
    assert "queued" not in events


def test_parallel_results_keep_their_order_and_context():
    from metaeval.stats.blocks import run_parallel
    from metaeval.stats.grouping import average_correlations, averaging

    values = np.array([[0.1, 0.2, 0.9]])
    with averaging("median"):
        out = run_parallel([lambda i=i: (i, float(average_correlations(values)[0]))
                            for i in range(6)], workers=3)
    assert out == [(i, 0.2) for i in range(6)]

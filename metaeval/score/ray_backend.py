"""Score on Ray (``backend="ray"``): the same rows, metrics and cache keys, one actor per worker.

The driver plans every (row, metric) as the local backend does and takes what the main cache
already holds; only the rest is sent. Pending rows go out in tasks of ``batch_size`` rows per
metric (default: the metric's ``items_per_call``) (a corpus-level metric: one system's rows per task) to a `ray.util.ActorPool` of
`ScoringWorker` actors, one per device (``num_gpus=1`` each on ``cuda``), each building its
metric objects once and keeping its models loaded across tasks. A worker scores a task with a
:class:`~metaeval.score.run.ScoringRun` of its own and writes new scores to its shard cache
(``cache_dir/shards/<run>/<worker>/<metric>.sqlite``, the keys of :mod:`metaeval.score.cache`)
after every batch. Results come back keyed by (item, system, metric), so the order in which
tasks finish does not matter. On completion each worker hands its shard's entries back and the
driver merges them by key into the main cache, which stays the single source; shards left by an
interrupted run are merged at the start of the next one (:func:`~metaeval.score.cache.merge_shards`).
A cluster address must answer within ``METAEVAL_RAY_TIMEOUT`` seconds (default 30): an address
nobody listens on, or one that is not a Ray cluster, is one line naming it and the fix (Ray
alone would retry for minutes).
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import uuid
from pathlib import Path

from metaeval.errors import DataError, ParameterError
from metaeval.metrics.base import Metric
from metaeval.score.cache import SHARDS, ScoreCache, merge_shards
from metaeval.score.rows import ScoreRow
from metaeval.score.run import ScoringRun

INSTALL = "pip install 'metaeval[distributed]'"
DEFAULT_TIMEOUT_S = 30.0
JOIN_FIX = ("start the cluster with `ray start --head` and give its address ('auto', "
            "'HOST:6379' or 'ray://HOST:10001'); METAEVAL_RAY_TIMEOUT sets the wait in seconds.")


def import_ray():
    """The ``ray`` module, or a one-line error saying how to install it."""
    try:
        import ray
        from ray.util import ActorPool  # noqa: F401  (ray[data]'s util must be importable too)
    except ImportError as error:
        raise ParameterError("backend", "ray", f"needs Ray, which is not installed ({error}).",
                             fix=INSTALL) from error
    return ray


class ScoringWorker:
    """One Ray actor's scorer: metrics built once, a shard cache per metric."""

    def __init__(self, specs, device: str, batch_size: int | None, domain: str,
                 shard_dir: str | None, source_options: dict):
        self.metrics = {column: cls(config=config, device=device, column=column)
                        for cls, config, column in specs}
        self.device, self.batch_size, self.domain = device, batch_size, domain
        self.shard_dir = Path(shard_dir) if shard_dir else None
        self.options = source_options
        self.caches: dict[str, ScoreCache] = {}

    def _cache(self, metric: Metric) -> dict[str, ScoreCache]:
        if self.shard_dir is None or metric.corpus_level:
            return {}
        if metric.name not in self.caches:
            try:
                self.caches[metric.name] = ScoreCache(self.shard_dir, metric.name)
            except DataError:  # a node that cannot write the cache path: a folder of its own
                self.shard_dir = Path(tempfile.mkdtemp(prefix="metaeval-shard-"))
                self.caches[metric.name] = ScoreCache(self.shard_dir, metric.name)
        return {metric.name: self.caches[metric.name]}

    def score(self, column: str, rows: list[ScoreRow]) -> dict:
        """Score ``rows`` with one metric: ``{"computed": n, "results": [(item, system, column,
        value or None, reason or None, details)]}``."""
        metric = self.metrics[column]
        run = ScoringRun(rows, [metric], self.device, self.batch_size, None, self.domain,
                         **self.options)
        run.caches = self._cache(metric)
        for positions, each in run.schedule():
            run.score_batch(each, positions)
        values = run.scores[column]
        results = [(row.item, row.system, column,
                    None if column in run.reasons[i] else float(values[i]),
                    run.reasons[i].get(column), run.details[i].get(column))
                   for i, row in enumerate(rows)]
        return {"computed": run.computed, "results": results}

    def export(self) -> dict[str, list]:
        """Every score in this worker's shards, by metric name (for the driver's merge)."""
        return {name: cache.entries() for name, cache in self.caches.items()}

    def remove_shards(self) -> None:
        """Close and delete the shard files once the driver has merged them."""
        for cache in self.caches.values():
            cache.close()
            cache.path.unlink(missing_ok=True)
        self.caches = {}
        if self.shard_dir is not None and self.shard_dir.is_dir():
            if not any(self.shard_dir.iterdir()):
                self.shard_dir.rmdir()


def plan_tasks(run: ScoringRun) -> tuple[list[tuple[str, list[ScoreRow]]], int]:
    """The (metric column, rows) tasks still to score, and how many (row, metric) pairs were
    settled without a worker (cached, or failed in planning)."""
    tasks, settled = [], 0
    for metric in run.metrics:
        pending = run.pending(metric, range(len(run.rows)))
        settled += len(run.rows) - len(pending)
        if metric.corpus_level:
            systems: dict[str, list[int]] = {}
            for position in pending:
                systems.setdefault(run.rows[position].system, []).append(position)
            chunks = list(systems.values())
        else:
            size = run.size_for(metric)
            chunks = [pending[i:i + size] for i in range(0, len(pending), size)]
        tasks += [(metric.column, [run.rows[p] for p in chunk]) for chunk in chunks if chunk]
    return tasks, settled


def connect_timeout() -> float:
    """Seconds to wait for a Ray cluster to answer: ``METAEVAL_RAY_TIMEOUT``, default 30."""
    text = os.environ.get("METAEVAL_RAY_TIMEOUT", "")
    try:
        return float(text) if text else DEFAULT_TIMEOUT_S
    except ValueError:
        raise ParameterError("METAEVAL_RAY_TIMEOUT", text, "must be a number of seconds.",
                             "e.g. METAEVAL_RAY_TIMEOUT=30.") from None


def _no_cluster(address: str, timeout: float, reason: str) -> ParameterError:
    return ParameterError("ray_address", address, f"no Ray cluster answered there within "
                          f"{timeout:g} s ({reason}).", fix=JOIN_FIX)


def _check_reachable(address: str, timeout: float) -> None:
    """A TCP connection to HOST:PORT of ``address`` (``HOST:PORT`` or ``ray://HOST:PORT``)
    within ``timeout`` seconds; ``auto`` is looked up by Ray itself."""
    if address == "auto":
        return
    host, colon, port = address.removeprefix("ray://").rpartition(":")
    if not colon or not port.isdigit() or not host:
        raise ParameterError("ray_address", address, "is not a Ray address.", fix=JOIN_FIX)
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as error:
        raise _no_cluster(address, timeout, error.strerror or str(error) or "timed out") from None


def _init_within(ray, address: str, timeout: float) -> None:
    """``ray.init(address)`` given at most ``timeout`` seconds (Ray itself retries for minutes
    on an address that accepts connections but is not a Ray cluster)."""
    outcome: dict[str, BaseException] = {}

    def join() -> None:
        try:
            ray.init(address=address, log_to_driver=False)
        except BaseException as error:  # handed to the caller's thread
            outcome["error"] = error

    thread = threading.Thread(target=join, name="metaeval-ray-init", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise _no_cluster(address, timeout, "it accepts connections but did not answer as Ray")
    if "error" in outcome:
        raise outcome["error"]


def _connect(ray, address: str | None, timeout: float | None = None) -> bool:
    """Join (or start) a Ray cluster unless one is joined; True when this call joined it. A
    remote ``address`` that does not answer within ``timeout`` seconds (default
    :func:`connect_timeout`) is one `ParameterError` line, never a hang."""
    if ray.is_initialized():
        return False
    timeout = connect_timeout() if timeout is None else timeout
    try:
        if address in (None, "local"):
            ray.init(address="local", log_to_driver=False, include_dashboard=False)
        else:
            _check_reachable(address, timeout)
            _init_within(ray, address, timeout)
    except (ConnectionError, ValueError) as error:
        raise ParameterError("ray_address", address, f"cannot join this Ray cluster ({error}).",
                             fix=JOIN_FIX) from error
    return True


def _actors(ray, run: ScoringRun, workers: int | None, count: int) -> list:
    """Up to ``workers`` actors (default: one per GPU on cuda, else one per cluster CPU)."""
    gpu = run.device.startswith("cuda")
    if workers is None:
        resources = ray.cluster_resources()
        workers = int(resources.get("GPU" if gpu else "CPU", 1)) or 1
    shard_root = None
    if run.cache_dir is not None:
        shard_root = run.cache_dir.resolve() / SHARDS / uuid.uuid4().hex[:12]
    remote = ray.remote(num_cpus=1, num_gpus=1 if gpu else 0)(ScoringWorker)
    specs = [(type(m), m.config, m.column) for m in run.metrics]
    return [remote.remote(specs, run.device, run.batch_size, run.domain,
                          None if shard_root is None else str(shard_root / f"worker-{i}"),
                          run.source_options)
            for i in range(max(1, min(workers, count)))]


def _absorb(run: ScoringRun, result: dict, where: dict) -> int:
    """Record one task's results by (item, system, metric); return how many."""
    metrics = {m.column: m for m in run.metrics}
    for item, system, column, value, reason, details in result["results"]:
        run.record(where[(item, system)], metrics[column], value, reason, details)
    run.computed += result["computed"]
    return len(result["results"])


def _merge(ray, run: ScoringRun, actors: list) -> None:
    """Merge every worker's shard cache into the main cache by key, then drop the shards."""
    for actor in actors:
        for name, entries in ray.get(actor.export.remote()).items():
            if name in run.caches:
                run.caches[name].merge(entries)
    ray.get([actor.remove_shards.remote() for actor in actors])
    if run.cache_dir is not None:
        merge_shards(run.cache_dir)  # removes the emptied shard folders


def score_on_ray(run: ScoringRun, progress, address: str | None = None,
                 workers: int | None = None, timeout: float | None = None) -> None:
    """Fill ``run`` (planned, cache read, not yet scored) by scoring its pending items on Ray;
    a cluster at ``address`` must answer within ``timeout`` s (:func:`connect_timeout`)."""
    if workers is not None and workers < 1:
        raise ParameterError("ray_workers", workers, "must be at least 1.")
    ray = import_ray()
    from ray.util import ActorPool

    tasks, settled = plan_tasks(run)
    progress.advance(settled, "cache")
    if tasks:
        joined = _connect(ray, address, timeout)
        try:
            actors = _actors(ray, run, workers, len(tasks))
            where = {row.key(): position for position, row in enumerate(run.rows)}
            pool = ActorPool(actors)
            for result in pool.map_unordered(lambda a, task: a.score.remote(*task), tasks):
                progress.advance(_absorb(run, result, where), "ray")
            _merge(ray, run, actors)
        finally:
            if joined:
                ray.shutdown()
    run.order_notes()

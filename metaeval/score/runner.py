"""Score (item, system) rows with audio metrics: batches, cache, per-item failures, progress.

For each batch of ``batch_size`` rows and each metric: look the scores up in the cache; load the
missing items' inputs (mono, resampled to the metric's ``sample_rate``, lengths aligned); call
``metric.score(Batch)``; if the batch raises, retry its items one by one. An item whose inputs
cannot be loaded, or whose metric raises or returns NaN/inf, gets NaN and a reason in ``errors``
(``"metric: reason; ..."``); the run goes on. Finite scores go to the cache after every batch,
so an interrupted run (Ctrl-C) continues where it stopped (``resume=True``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from metaeval.errors import DataError, MetaevalError, MetricError, MetricOptionError, ParameterError
from metaeval.metrics.base import Batch, Metric
from metaeval.metrics.registry import get_metric
from metaeval.score.audio_io import DEFAULT_TOLERANCE_S, AudioLoader, align_lengths
from metaeval.score.cache import ScoreCache, cache_key
from metaeval.score.files import metric_metadata
from metaeval.score.manifest import ScoreRow
from metaeval.score.progress import ScoreProgress

RESERVED = ("item", "system", "errors")
MAX_REASON = 300


def resolve_metrics(metrics: Iterable[str | Metric], device: str = "cpu") -> list[Metric]:
    """Metric instances from requests (``sisdr``, ``sar:filter_length=512``; see
    :mod:`metaeval.metrics.options`) or instances; audio only; one column per configuration."""
    resolved = [m if isinstance(m, Metric) else get_metric(str(m), device=device) for m in metrics]
    if not resolved:
        raise MetricOptionError("no metric chosen. Fix: name them, e.g. metrics=['sisdr', "
                                "'mrstft'] (CLI: --metrics sisdr,mrstft; see `metaeval metrics`).")
    seen: dict[tuple[str, str], str] = {}
    columns = [m.column for m in resolved]
    for metric in resolved:
        if columns.count(metric.column) > 1 or metric.column in RESERVED:
            raise MetricOptionError(f"metric {metric.column!r} is given twice or is reserved "
                              f"({', '.join(RESERVED)}). Fix: list each metric once.")
        same = seen.setdefault((metric.name, metric.config_hash), metric.column)
        if same != metric.column:
            raise MetricOptionError(f"{same!r} and {metric.column!r} are the same configuration of "
                              f"{metric.name!r}. Fix: list it once.")
        if metric.domain != "audio":
            raise MetricOptionError(f"metric {metric.name!r} is a {metric.domain} metric; `metaeval "
                              "score` scores audio. Fix: choose audio metrics (`metaeval metrics "
                              "--domain audio`).")
    return resolved


def needed_inputs(metrics: Sequence[Metric]) -> tuple[str, ...]:
    """The union of the metrics' inputs, in the order estimate, reference, mixture."""
    wanted = {name for m in metrics for name in m.inputs}
    return tuple(n for n in ("estimate", "reference", "mixture") if n in wanted)


def _as_rows(rows) -> list[ScoreRow]:
    if isinstance(rows, pd.DataFrame):
        rows = rows.to_dict("records")
    out = []
    for position, row in enumerate(rows):
        if isinstance(row, ScoreRow):
            out.append(row)
            continue
        paths = {n: Path(row[n]) for n in ("estimate", "reference", "mixture")
                 if row.get(n) is not None and not (isinstance(row[n], float) and np.isnan(row[n]))}
        out.append(ScoreRow(str(row["item"]), str(row["system"]), paths, f"row {position + 1}"))
    seen = set()
    for row in out:
        if row.key() in seen:
            raise DataError(f"{row.origin}: duplicate (item, system) = {row.key()}. Fix: give each "
                            "pair once.")
        seen.add(row.key())
    return out


def _reason(error: BaseException) -> str:
    text = str(error) if isinstance(error, MetaevalError) else f"{type(error).__name__}: {error}"
    text = " ".join(text.split())
    return text if len(text) <= MAX_REASON else text[:MAX_REASON - 3] + "..."


class _Run:
    """State of one `score_items` call."""

    def __init__(self, rows, metrics, device, batch_size, jobs, cache_dir, tolerance_s,
                 loudness_lufs=None):
        self.rows, self.metrics, self.device = rows, metrics, device
        self.batch_size, self.jobs, self.tolerance_s = max(1, int(batch_size)), jobs, tolerance_s
        self.loader = AudioLoader(loudness_lufs=loudness_lufs)
        self.caches = {m.name: ScoreCache(cache_dir, m.name) for m in metrics} if cache_dir else {}
        self.scores = {m.column: np.full(len(rows), np.nan) for m in metrics}
        self.reasons: list[dict[str, str]] = [{} for _ in rows]
        self.from_cache = self.computed = 0

    def key(self, metric: Metric, row: ScoreRow, rate: int | None) -> str:
        hashes = {name: self.loader.sha256(row.paths[name]) for name in metric.inputs}
        return cache_key(metric.name, metric.config_hash, hashes, rate, self.loader.version)

    def rate(self, metric: Metric, row: ScoreRow) -> int:
        return metric.sample_rate or self.loader.native_rate(row.paths["estimate"])

    def fail(self, position: int, metric: Metric, reason: str) -> None:
        self.scores[metric.column][position] = np.nan
        self.reasons[position][metric.column] = reason

    def plan(self, metric: Metric, positions) -> dict[int, tuple[int, str]]:
        """(rate, cache key) of each scorable position; failures recorded for the others."""
        planned = {}
        for position in positions:
            row = self.rows[position]
            absent = [name for name in metric.inputs if name not in row.paths]
            if absent:
                self.fail(position, metric, f"no {', '.join(absent)} given for this row")
                continue
            try:
                rate = self.rate(metric, row)
                planned[position] = (rate, self.key(metric, row, rate))
            except DataError as error:
                self.fail(position, metric, _reason(error))
        return planned

    def cached_count(self) -> int:
        total = 0
        for metric in self.metrics:
            planned = self.plan(metric, range(len(self.rows)))
            if metric.name in self.caches:
                found = self.caches[metric.name].get_many(k for _, k in planned.values())
                total += len(found)
        for reasons in self.reasons:  # planning again during the run records them again
            reasons.clear()
        return total

    def score_batch(self, metric: Metric, positions: Sequence[int]) -> None:
        planned = self.plan(metric, positions)
        cache = self.caches.get(metric.name)
        found = cache.get_many(k for _, k in planned.values()) if cache is not None else {}
        pending = []
        for position, (_, key) in planned.items():
            if key in found:
                self.scores[metric.column][position] = found[key]
                self.from_cache += 1
            else:
                pending.append(position)
        self.loader.prefetch([(self.rows[p].paths[n], planned[p][0])
                              for p in pending for n in metric.inputs], self.jobs)
        by_rate: dict[int, list[tuple[int, dict[str, np.ndarray]]]] = {}
        for position in pending:
            row, rate = self.rows[position], planned[position][0]
            try:
                signals = {n: self.loader.load(row.paths[n], rate) for n in metric.inputs}
                signals = align_lengths(signals, rate, self.tolerance_s,
                                        where=f"item {row.item!r}, system {row.system!r}")
            except DataError as error:
                self.fail(position, metric, _reason(error))
                continue
            by_rate.setdefault(rate, []).append((position, signals))
        new_scores = {}
        for rate, ready in by_rate.items():
            batch = Batch(ids=[f"{self.rows[p].item}/{self.rows[p].system}" for p, _ in ready],
                          inputs={n: [s[n] for _, s in ready] for n in metric.inputs},
                          sample_rate=rate, device=self.device,
                          meta={"items": [self.rows[p].item for p, _ in ready],
                                "systems": [self.rows[p].system for p, _ in ready]})
            for (position, _), outcome in zip(ready, _score_with_retry(metric, batch), strict=True):
                self.computed += 1
                if isinstance(outcome, str):
                    self.fail(position, metric, outcome)
                else:
                    self.scores[metric.column][position] = outcome
                    new_scores[planned[position][1]] = outcome
        if cache is not None:
            cache.put_many(new_scores, metric.config_hash)

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame({"item": [r.item for r in self.rows],
                              "system": [r.system for r in self.rows]})
        for metric in self.metrics:
            frame[metric.column] = self.scores[metric.column]
        frame["errors"] = ["; ".join(f"{m}: {why}" for m, why in reasons.items())
                           for reasons in self.reasons]
        frame.attrs["failures"] = {
            m.column: [(self.rows[i].item, self.rows[i].system, self.reasons[i][m.column])
                       for i in range(len(self.rows)) if m.column in self.reasons[i]]
            for m in self.metrics}
        frame.attrs["from_cache"], frame.attrs["computed"] = self.from_cache, self.computed
        frame.attrs["metrics"] = {m.column: metric_metadata(m, self.loader.version)
                                  for m in self.metrics}
        return frame

    def close(self) -> None:
        for cache in self.caches.values():
            cache.close()


def _call(metric: Metric, batch: Batch) -> np.ndarray:
    values = np.asarray(metric.score(batch), dtype=float).reshape(-1)
    if len(values) != len(batch):
        raise MetricError(f"metric {metric.name!r} returned {len(values)} scores for "
                          f"{len(batch)} items")
    return values


def _score_with_retry(metric: Metric, batch: Batch) -> list[float | str]:
    """One finite score or a failure reason per item; a failed batch is retried item by item."""
    try:
        values = _call(metric, batch)
    except Exception as error:
        if len(batch) == 1:
            return [_reason(error)]
        return [_score_with_retry(metric, batch.subset([i]))[0] for i in range(len(batch))]
    return [float(v) if np.isfinite(v) else f"returned {v} (no defined score)" for v in values]


def score_items(rows, metrics: Sequence[str | Metric], device: str = "cpu", batch_size: int = 8,
                jobs: int = 1, cache_dir: str | Path | None = None, resume: bool = False,
                progress: bool | Callable[[int, int], None] | None = None,
                tolerance_s: float = DEFAULT_TOLERANCE_S,
                loudness_lufs: float | None = None) -> pd.DataFrame:
    """Score every (item, system) row with every metric.

    ``rows``: `ScoreRow` objects (see :mod:`metaeval.score.manifest`), or records / a frame with
    ``item, system, estimate, reference[, mixture]``. ``metrics``: registered names or `Metric`
    instances. ``cache_dir=None`` scores without a cache; ``resume=True`` requires scores of an
    earlier run of these rows in ``cache_dir`` and continues from them. ``progress``: True for a
    progress bar over items x metrics, or a callback ``(done, total)``. ``loudness_lufs``:
    normalise every file to this integrated loudness (ITU-R BS.1770) before scoring, as the GSVS
    listening test played its outputs at -18 LUFS.

    Returns a frame with ``item, system``, one float column per metric (NaN where it failed) and
    ``errors`` (``"metric: reason; ..."``, empty when none); ``attrs["failures"]`` lists
    ``(item, system, reason)`` per metric, ``attrs["from_cache"]``/``attrs["computed"]`` count
    scores, ``attrs["metrics"]`` holds each column's :func:`metric_metadata`.
    """
    rows = _as_rows(rows)
    metrics = resolve_metrics(metrics, device)
    if resume and cache_dir is None:
        raise ParameterError("resume", True, "needs the cache folder of the interrupted run. "
                             "Fix: give cache_dir (CLI: --cache DIR), or do not resume.")
    run = _Run(rows, metrics, device, batch_size, jobs, cache_dir, tolerance_s, loudness_lufs)
    bar = None
    try:
        if resume and run.cached_count() == 0:
            raise DataError(f"nothing to resume in {cache_dir}: it holds no score of these items "
                            "and metrics. Fix: check --cache, or run without --resume.")
        bar = ScoreProgress(progress, len(rows) * len(metrics))
        for start in range(0, len(rows), run.batch_size):
            positions = range(start, min(len(rows), start + run.batch_size))
            for metric in metrics:
                run.score_batch(metric, positions)
                bar.advance(len(positions), metric.column)
    finally:
        if bar is not None:
            bar.close()
        run.close()
    return run.frame()


def failure_summary(frame: pd.DataFrame, examples: int = 3) -> list[str]:
    """Lines like ``sisdr: 2 of 60 items failed - e.g. 3/HTDemucs: reason``; empty when none."""
    failures = frame.attrs.get("failures")
    if failures is None:  # a frame read back from disk: derive from the NaNs
        metric_columns = [c for c in frame.columns if c not in RESERVED]
        failures = {c: [(i, s, "") for i, s, v in zip(frame["item"], frame["system"], frame[c],
                                                      strict=True) if pd.isna(v)]
                    for c in metric_columns}
    lines = []
    for name, failed in failures.items():
        if not failed:
            continue
        shown = "; ".join(f"{item}/{system}: {why}" for item, system, why in failed[:examples])
        more = f" (+{len(failed) - examples} more)" if len(failed) > examples else ""
        lines.append(f"{name}: {len(failed)} of {len(frame)} items failed - {shown}{more}")
    return lines

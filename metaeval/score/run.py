"""`ScoringRun`: the state of one scoring call (scores, reasons, details, cache, counts).

See :mod:`metaeval.score.runner` for the procedure; this module holds its steps: plan each
item's batch group and cache key, take what the cache has, load and score the rest by group,
store the new scores, and build the output frame.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from metaeval.errors import DataError
from metaeval.metrics.base import Batch, Metric
from metaeval.score.cache import ScoreCache, cache_key
from metaeval.score.calls import outcomes, reason_of
from metaeval.score.files import metric_metadata
from metaeval.score.inputs import input_source
from metaeval.score.rows import ScoreRow


class ScoringRun:
    """Scores of ``rows`` x ``metrics`` as they are computed or read from the cache."""

    def __init__(self, rows: list[ScoreRow], metrics: list[Metric], device: str,
                 batch_size: int | None, cache_dir: str | Path | None, domain: str,
                 **source_options):
        self.rows, self.metrics, self.device = rows, metrics, device
        self.batch_size = None if batch_size is None else max(1, int(batch_size))
        options = source_options if domain == "audio" else {}
        self.domain, self.source_options = domain, options
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.source = input_source(domain, **options)
        self.caches = {m.name: ScoreCache(cache_dir, m.name) for m in metrics} if cache_dir else {}
        self.scores = {m.column: np.full(len(rows), np.nan) for m in metrics}
        self.reasons: list[dict[str, str]] = [{} for _ in rows]
        self.details: list[dict[str, object]] = [{} for _ in rows]
        self.from_cache = self.computed = 0

    # ------------------------------------------------------------------ what to score when
    def size_for(self, metric: Metric) -> int:
        """Items per call of ``metric``: the run's ``batch_size``, else the metric's own
        ``items_per_call`` (BERTScore fills its forward passes with many sentences)."""
        return self.batch_size or max(1, int(metric.items_per_call))

    def schedule(self) -> Iterator[tuple[Sequence[int], Metric]]:
        """(positions, metric) batches: :meth:`size_for` rows (the metrics of one size take
        each window in turn), or one system's rows at a time for corpus-level metrics."""
        systems: dict[str, list[int]] = {}
        for position, row in enumerate(self.rows):
            systems.setdefault(row.system, []).append(position)
        sizes: dict[int, list[Metric]] = {}
        for metric in self.metrics:
            if not metric.corpus_level:
                sizes.setdefault(self.size_for(metric), []).append(metric)
        for size, metrics in sizes.items():
            for start in range(0, len(self.rows), size):
                positions = range(start, min(len(self.rows), start + size))
                yield from ((positions, metric) for metric in metrics)
        for metric in self.metrics:
            if metric.corpus_level:
                yield from ((positions, metric) for positions in systems.values())

    def fail(self, position: int, metric: Metric, reason: str) -> None:
        self.scores[metric.column][position] = np.nan
        self.reasons[position][metric.column] = reason

    def plan(self, metric: Metric, positions) -> dict[int, tuple[object, str]]:
        """(batch group, cache key) of each scorable position; failures recorded for the others."""
        planned = {}
        for position in positions:
            row = self.rows[position]
            absent = [name for name in metric.inputs if not row.has(name)]
            if absent:
                self.fail(position, metric, f"no {', '.join(absent)} given for this row")
                continue
            try:
                group = self.source.group(metric, row)
                key = cache_key(metric.name, metric.config_hash, self.source.hashes(metric, row),
                                group, self.source.version_for(metric))
                planned[position] = (group, key)
            except DataError as error:
                self.fail(position, metric, reason_of(error))
        return planned

    def cached_count(self) -> int:
        total = 0
        for metric in self.metrics:
            planned = self.plan(metric, range(len(self.rows)))
            if metric.name in self.caches and not metric.corpus_level:
                total += len(self.caches[metric.name].get_many(k for _, k in planned.values()))
        for reasons in self.reasons:  # planning again during the run records them again
            reasons.clear()
        return total

    # ------------------------------------------------------------------ scoring
    def _cached(self, metric: Metric, planned: dict) -> list[int]:
        """Fill the cached scores in; return the positions still to compute."""
        cache = None if metric.corpus_level else self.caches.get(metric.name)
        found = cache.get_many(k for _, k in planned.values()) if cache is not None else {}
        pending = []
        for position, (_, key) in planned.items():
            if key in found:
                value, details = found[key]
                self.scores[metric.column][position] = value
                if details is not None:
                    self.details[position][metric.column] = details
                self.from_cache += 1
            else:
                pending.append(position)
        return pending

    def pending(self, metric: Metric, positions) -> list[int]:
        """Plan ``positions`` and fill in what the cache has; return the positions to compute."""
        return self._cached(metric, self.plan(metric, positions))

    def record(self, position: int, metric: Metric, value: float | None, reason: str | None,
               details: object = None) -> None:
        """Take one item's outcome computed elsewhere (a Ray worker): a score, or NaN + reason."""
        if details is not None:
            self.details[position][metric.column] = details
        if value is None or reason:
            self.fail(position, metric, reason or "no score")
        else:
            self.scores[metric.column][position] = value

    def order_notes(self) -> None:
        """Put each row's reasons and details in schedule order (sentence-level metrics, then
        corpus-level ones), whatever order they were recorded in."""
        order = [m.column for m in self.metrics if not m.corpus_level]
        order += [m.column for m in self.metrics if m.corpus_level]
        for notes in (self.reasons, self.details):
            for position, held in enumerate(notes):
                notes[position] = {c: held[c] for c in order if c in held}

    def _loaded(self, metric: Metric, planned: dict, pending: list[int]) -> dict:
        """{group: [(position, inputs)]} of the pending items whose inputs load."""
        self.source.prefetch(metric, [(self.rows[p], planned[p][0]) for p in pending])
        groups: dict[object, list[tuple[int, dict]]] = {}
        for position in pending:
            try:
                inputs = self.source.load(metric, self.rows[position], planned[position][0])
            except DataError as error:
                self.fail(position, metric, reason_of(error))
                continue
            groups.setdefault(planned[position][0], []).append((position, inputs))
        return groups

    def _batch(self, metric: Metric, group, ready: list[tuple[int, dict]]) -> Batch:
        names = list(dict.fromkeys(n for _, inputs in ready for n in inputs))
        return Batch(ids=[f"{self.rows[p].item}/{self.rows[p].system}" for p, _ in ready],
                     inputs={n: [inputs.get(n) for _, inputs in ready] for n in names},
                     sample_rate=group, device=self.device,
                     meta={"items": [self.rows[p].item for p, _ in ready],
                           "systems": [self.rows[p].system for p, _ in ready]})

    def score_batch(self, metric: Metric, positions: Sequence[int]) -> None:
        planned = self.plan(metric, positions)
        pending = self._cached(metric, planned)
        new_scores = {}
        for group, ready in self._loaded(metric, planned, pending).items():
            results = outcomes(metric, self._batch(metric, group, ready))
            for (position, _), outcome in zip(ready, results, strict=True):
                self.computed += 1
                if outcome.details is not None:
                    self.details[position][metric.column] = outcome.details
                if outcome.value is None:
                    self.fail(position, metric, outcome.reason)
                else:
                    self.scores[metric.column][position] = outcome.value
                    new_scores[planned[position][1]] = (outcome.value, outcome.details)
        cache = self.caches.get(metric.name)
        if cache is not None and not metric.corpus_level:
            cache.put_many(new_scores, metric.config_hash)

    # ------------------------------------------------------------------ results
    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame({"item": [r.item for r in self.rows],
                              "system": [r.system for r in self.rows]})
        scores = pd.DataFrame({m.column: self.scores[m.column] for m in self.metrics})
        frame = pd.concat([frame, scores], axis=1)
        frame["errors"] = ["; ".join(f"{m}: {why}" for m, why in reasons.items())
                           for reasons in self.reasons]
        if any(self.details):
            frame["details"] = [json.dumps(d, ensure_ascii=False) if d else "" for d in self.details]
        frame.attrs["failures"] = {
            m.column: [(self.rows[i].item, self.rows[i].system, self.reasons[i][m.column])
                       for i in range(len(self.rows)) if m.column in self.reasons[i]]
            for m in self.metrics}
        frame.attrs["from_cache"], frame.attrs["computed"] = self.from_cache, self.computed
        frame.attrs["metrics"] = {m.column: metric_metadata(m, self.source.version_for(m))
                                  for m in self.metrics}
        return frame

    def close(self) -> None:
        for cache in self.caches.values():
            cache.close()

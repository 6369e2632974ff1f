"""Score (item, system) rows with audio or text metrics: batches, cache, per-item failures.

For each batch of ``batch_size`` rows and each metric: look the scores up in the cache; load the
missing items' inputs (:mod:`metaeval.score.inputs`: audio mono and resampled to the metric's
``sample_rate``, lengths aligned; texts as written); call the metric; if the batch raises, retry
its items one by one (:mod:`metaeval.score.calls`). An item whose inputs cannot be loaded, or
whose metric raises or returns NaN/inf, gets NaN and a reason in ``errors`` (``"metric: reason;
..."``); the run goes on. Finite scores (and the metric's details, e.g. TIGERScore's error
analyses, in the ``details`` column) go to the cache after every batch, so an interrupted run
(Ctrl-C) continues where it stopped (``resume=True``). A corpus-level metric (corpus BLEU) gets
all items of a system in one batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pandas as pd

from metaeval.errors import DataError, MetricOptionError, ParameterError
from metaeval.metrics.base import Metric
from metaeval.metrics.registry import get_metric
from metaeval.metrics.spec import INPUT_KINDS
from metaeval.score.audio_io import DEFAULT_TOLERANCE_S
from metaeval.score.cache import merge_shards
from metaeval.score.empty import ScoringSettings, check_empty_outputs, frame_with_policy
from metaeval.score.progress import ScoreProgress
from metaeval.score.ray_backend import score_on_ray
from metaeval.score.rows import as_rows
from metaeval.score.run import ScoringRun

RESERVED = ("item", "system", "errors", "details")
BACKENDS = ("local", "ray")


def resolve_metrics(metrics: Iterable[str | Metric], device: str = "cpu",
                    domain: str | None = None) -> list[Metric]:
    """Metric instances from requests (``sisdr``, ``sar:filter_length=512``; see
    :mod:`metaeval.metrics.options`) or instances; one domain; one column per configuration."""
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
    domains = sorted({m.domain for m in resolved} | ({domain} if domain else set()))
    if len(domains) > 1:
        kinds = ", ".join(f"{m.column} ({m.domain})" for m in resolved)
        raise MetricOptionError(f"the metrics and inputs mix domains {domains}: {kinds}"
                                f"{f'; the rows are {domain}' if domain else ''}. Fix: score one "
                                "domain at a time (`metaeval metrics --domain ...`).")
    return resolved


def needed_inputs(metrics: Sequence[Metric]) -> tuple[str, ...]:
    """The union of the metrics' audio or image inputs (estimate, reference, mixture; image,
    text, reference_image, references), in that order."""
    wanted = {name for m in metrics for name in m.inputs}
    known = INPUT_KINDS["audio"] + INPUT_KINDS["image"]
    return tuple(n for n in known if n in wanted)


def check_backend(backend: str, ray_address, ray_workers) -> None:
    """A known backend; Ray's options only with ``backend="ray"``."""
    if backend not in BACKENDS:
        raise ParameterError("backend", backend, f"is not one of {', '.join(BACKENDS)}.")
    if backend == "local" and (ray_address is not None or ray_workers is not None):
        raise ParameterError("backend", backend, "does not use ray_address or ray_workers.",
                             fix="add backend='ray' (CLI: --backend ray), or drop them.")


def score_items(rows, metrics: Sequence[str | Metric], device: str = "cpu",
                batch_size: int | None = None,
                jobs: int = 1, cache_dir: str | Path | None = None, resume: bool = False,
                progress: bool | Callable[[int, int], None] | None = None,
                tolerance_s: float = DEFAULT_TOLERANCE_S,
                loudness_lufs: float | None = None, backend: str = "local",
                ray_address: str | None = None, ray_workers: int | None = None,
                empty_output: str = "nan") -> pd.DataFrame:
    """Score every (item, system) row with every metric.

    ``rows``: `ScoreRow` objects (:mod:`metaeval.score.manifest`,
    :mod:`metaeval.score.text_manifest`), or records / a frame with ``item, system, estimate,
    reference[, mixture]`` (audio) or ``item, system, hypothesis[, reference, source]`` (text). ``metrics``: registered names or `Metric`
    instances. ``batch_size``: items per metric call (None: each metric's ``items_per_call``,
    8 for most, more for BERTScore and sacrebleu). ``cache_dir=None`` scores without a cache; ``resume=True`` requires scores of an
    earlier run of these rows in ``cache_dir`` and continues from them. ``progress``: True for a
    progress bar over items x metrics, or a callback ``(done, total)``. ``loudness_lufs``:
    normalise every file to this integrated loudness (ITU-R BS.1770) before scoring, as the GSVS
    listening test played its outputs at -18 LUFS. ``backend="ray"`` scores the uncached items on
    Ray actors (:mod:`metaeval.score.ray_backend`; ``ray_address`` of the cluster, default a local
    one; ``ray_workers`` actors, default one per GPU or CPU), with the same values and cache.
    ``empty_output``: an empty hypothesis's score (nan, zero, error; :mod:`metaeval.score.empty`).

    Returns a frame with ``item, system``, one float column per metric (NaN where it failed),
    ``errors`` (``"metric: reason; ..."``, empty when none) and, when a metric gives details,
    ``details`` (JSON: metric column -> details); ``attrs["failures"]`` lists
    ``(item, system, reason)`` per metric, ``attrs["from_cache"]``/``attrs["computed"]`` count
    scores, ``attrs["metrics"]`` holds each column's :func:`metric_metadata`.
    """
    check_backend(backend, ray_address, ray_workers)
    rows, policy = as_rows(rows), ScoringSettings(empty_output=empty_output).empty_output
    domain = rows[0].domain if rows else None
    metrics = resolve_metrics(metrics, device, domain)
    check_empty_outputs(rows, policy, metrics)
    if resume and cache_dir is None:
        raise ParameterError("resume", True, "needs the cache folder of the interrupted run. "
                             "Fix: give cache_dir (CLI: --cache DIR), or do not resume.")
    run = ScoringRun(rows, metrics, device, batch_size, cache_dir, domain or "audio",
                     jobs=jobs, tolerance_s=tolerance_s, loudness_lufs=loudness_lufs)
    bar = None
    try:
        if cache_dir is not None:
            merge_shards(cache_dir)  # what an interrupted Ray run left in its shards
        if resume and run.cached_count() == 0:
            raise DataError(f"nothing to resume in {cache_dir}: it holds no score of these items "
                            "and metrics. Fix: check --cache, or run without --resume.")
        bar = ScoreProgress(progress, len(rows) * len(metrics))
        if backend == "ray":
            score_on_ray(run, bar, address=ray_address, workers=ray_workers)
        else:
            for positions, metric in run.schedule():
                run.score_batch(metric, positions)
                bar.advance(len(positions), metric.column)
    finally:
        if bar is not None:
            bar.close()
        run.close()
    return frame_with_policy(run, policy)


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

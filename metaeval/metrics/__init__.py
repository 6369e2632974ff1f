"""Metric adapters: the `Metric` interface, the registry and the built-in catalogue."""

from metaeval.metrics.base import Batch, Metric, MetricConfig
from metaeval.metrics.registry import MetricSpec, all_specs, get_metric, get_spec

__all__ = ["Batch", "Metric", "MetricConfig", "MetricSpec", "all_specs", "get_metric", "get_spec"]

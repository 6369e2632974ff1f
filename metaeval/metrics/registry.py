"""Registry of metrics: built-in adapters (imported lazily) and plugins (entry points).

Built-ins are declared as `MetricSpec` rows naming their module, so ``import metaeval`` imports
no torch and no metric back-end. A metric whose optional dependency is missing is listed as
unavailable with the exact install hint. Third-party packages register metrics under the
entry-point group ``metaeval.metrics``; an entry point may load a `Metric` subclass or a
`MetricSpec`.
"""

from __future__ import annotations

from dataclasses import replace
from importlib.metadata import entry_points

from metaeval.errors import MetricOptionError, did_you_mean
from metaeval.metrics.base import Metric
from metaeval.metrics.catalog import BUILTIN
from metaeval.metrics.options import EMPTY_OUTPUT, EMPTY_OUTPUTS, parse_metric_request
from metaeval.metrics.spec import MetricSpec

ENTRY_POINT_GROUP = "metaeval.metrics"


_BUILTIN: dict[str, MetricSpec] = {spec.name: spec for spec in BUILTIN}


def _spec_from_class(cls: type[Metric], source: str) -> MetricSpec:
    return MetricSpec(name=cls.name, domain=cls.domain, target=f"{cls.__module__}:{cls.__qualname__}",
                      inputs=tuple(cls.inputs), higher_is_better=cls.higher_is_better,
                      citation=cls.citation, description=cls.description, source=source)


def _broken_spec(ep, source: str, error: str) -> MetricSpec:
    return MetricSpec(ep.name, "unknown", ep.value, (), source=source, error=error,
                      description=f"failed to load: {error}")


def plugin_specs() -> dict[str, MetricSpec]:
    """Metrics registered by installed packages under the ``metaeval.metrics`` entry points.

    A plugin that fails to import, or whose entry point is not a `Metric` subclass or a
    `MetricSpec`, is listed as unavailable with the reason (``spec.error``) instead of breaking
    the listing.
    """
    specs: dict[str, MetricSpec] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep, "dist", None)
        source = dist.name if dist is not None else ep.value
        try:
            obj = ep.load()
            if isinstance(obj, MetricSpec):
                spec = obj if obj.source != "built-in" else replace(obj, source=source)
            elif isinstance(obj, type) and issubclass(obj, Metric):
                spec = _spec_from_class(obj, source)
            else:
                spec = _broken_spec(ep, source, "entry point is not a Metric subclass or MetricSpec")
        except Exception as error:  # a broken plugin must not break the registry
            spec = _broken_spec(ep, source, f"{type(error).__name__}: {error}")
        specs[spec.name] = spec
    return specs


def all_specs(domain: str | None = None) -> list[MetricSpec]:
    """Built-in and plugin metrics (a plugin of the same name replaces a built-in)."""
    specs = {**_BUILTIN, **plugin_specs()}
    return [s for s in specs.values() if domain is None or s.domain == domain]


def get_spec(name: str) -> MetricSpec:
    specs = {s.name: s for s in all_specs()}
    if name not in specs:
        raise MetricOptionError(f"unknown metric {name!r}. Fix: {did_you_mean(name, specs)}"
                                f"choose from {', '.join(sorted(specs))} (see `metaeval "
                                "metrics`).")
    return specs[name]


def get_metric(name: str, device: str = "cpu", **config) -> Metric:
    """Instantiate a registered metric by name or request text, with any config field.

    ``get_metric("sisdr")``, ``get_metric("sar", filter_length=512)`` and
    ``get_metric("sar:filter_length=512")`` are the same; ``preset=`` (or a bare word in the
    text, ``"sar:bss_eval_v3"``) applies a named configuration first. The metric's ``column``
    is the canonical request text (``sar:filter_length=512``), so two configurations of one
    metric write distinct columns. Unknown fields raise `MetricError` naming the valid ones.
    """
    request = parse_metric_request(name)
    extra = config.pop("preset", ())
    presets = request.presets + ((extra,) if isinstance(extra, str) else tuple(extra))
    options = {**request.options, **config}
    column = ":".join([request.name, *presets,
                       *(f"{k}={_option_text(v)}" for k, v in options.items())])
    empty = options.pop(EMPTY_OUTPUT, None)
    metric = get_spec(request.name).load()(device=device, preset=presets, column=column, **options)
    if empty is not None:
        metric.empty_output = _checked_empty_output(metric, str(empty))
    return metric


def _checked_empty_output(metric: Metric, value: str) -> str:
    """A request's ``empty_output`` (what an empty system output scores for this metric,
    :mod:`metaeval.score.empty`): one of :data:`EMPTY_OUTPUTS`, for a metric that reads a
    hypothesis."""
    if value not in EMPTY_OUTPUTS:
        raise MetricOptionError(f"metric {metric.name!r}, option empty_output={value}: choose "
                                f"{', '.join(EMPTY_OUTPUTS)}.")
    if "hypothesis" not in metric.inputs:
        raise MetricOptionError(f"metric {metric.name!r}, option empty_output: applies to a "
                                "metric that reads a system output text (hypothesis). Fix: "
                                "leave it out.")
    return value


def _option_text(value) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(map(str, value)) + "]"
    return "none" if value is None else str(value).lower() if isinstance(value, bool) else str(value)

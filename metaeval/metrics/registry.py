"""Registry of metrics: built-in adapters (imported lazily) and plugins (entry points).

Built-ins are declared as `MetricSpec` rows naming their module, so ``import metaeval`` imports
no torch and no metric back-end. A metric whose optional dependency is missing is listed as
unavailable with the exact install hint. Third-party packages register metrics under the
entry-point group ``metaeval.metrics``; an entry point may load a `Metric` subclass or a
`MetricSpec`.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, replace
from importlib.metadata import entry_points

from metaeval.errors import MetricError
from metaeval.metrics.base import Metric

ENTRY_POINT_GROUP = "metaeval.metrics"


@dataclass(frozen=True)
class MetricSpec:
    """What the registry knows about a metric before importing it."""

    name: str
    domain: str
    target: str  # "package.module:ClassName"
    inputs: tuple[str, ...]
    higher_is_better: bool = True
    requires: tuple[str, ...] = ()  # importable module names the adapter needs
    extra: str = ""  # pip extra that installs them
    citation: str = ""
    description: str = ""
    source: str = "built-in"  # or the plugin's distribution name
    error: str = ""  # why a plugin entry point could not be loaded ("" when it loaded)

    @property
    def install_hint(self) -> str:
        if self.extra:
            return f"pip install 'metaeval[{self.extra}]'"
        if self.requires:
            return "pip install " + " ".join(self.requires)
        if self.source != "built-in":
            return f"pip install --force-reinstall {self.source}"
        return "pip install --force-reinstall metaeval"

    def missing_modules(self) -> list[str]:
        missing = []
        for module in self.requires:
            try:
                found = importlib.util.find_spec(module) is not None
            except (ImportError, ValueError):  # a parent package is missing or broken
                found = False
            if not found:
                missing.append(module)
        return missing

    @property
    def available(self) -> bool:
        return not self.error and not self.missing_modules()

    def load(self) -> type[Metric]:
        if self.error:
            raise MetricError(f"metric {self.name!r} from {self.source} is broken: {self.error}. "
                              f"Fix: {self.install_hint}, or remove the entry point.")
        missing = self.missing_modules()
        if missing:
            raise MetricError(f"metric {self.name!r} needs {', '.join(missing)}, which is not "
                              f"installed. Fix: {self.install_hint}")
        module_name, _, attr = self.target.partition(":")
        try:
            return getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as error:
            raise MetricError(f"metric {self.name!r} could not be loaded from {self.target}: "
                              f"{error}. Fix: {self.install_hint}") from error


_BUILTIN: dict[str, MetricSpec] = {}


def register_builtin(spec: MetricSpec) -> MetricSpec:
    _BUILTIN[spec.name] = spec
    return spec


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
    _load_builtin_tables()
    specs = {**_BUILTIN, **plugin_specs()}
    return [s for s in specs.values() if domain is None or s.domain == domain]


def get_spec(name: str) -> MetricSpec:
    specs = {s.name: s for s in all_specs()}
    if name not in specs:
        raise MetricError(f"unknown metric {name!r}. Fix: choose from {', '.join(sorted(specs))} "
                          "(see `metaeval metrics`).")
    return specs[name]


def get_metric(name: str, device: str = "cpu", **config) -> Metric:
    """Instantiate a registered metric by name, e.g. ``get_metric("sisdr")``."""
    return get_spec(name).load()(device=device, **config)


def _load_builtin_tables() -> None:
    """Import the light modules that declare the built-in specs (no heavy imports there)."""
    importlib.import_module("metaeval.metrics.catalog")

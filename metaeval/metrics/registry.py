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
from dataclasses import dataclass
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

    @property
    def install_hint(self) -> str:
        if self.extra:
            return f"pip install 'metaeval[{self.extra}]'"
        return "pip install " + " ".join(self.requires)

    def missing_modules(self) -> list[str]:
        return [m for m in self.requires if importlib.util.find_spec(m) is None]

    @property
    def available(self) -> bool:
        return not self.missing_modules()

    def load(self) -> type[Metric]:
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


def plugin_specs() -> dict[str, MetricSpec]:
    """Metrics registered by installed packages under the ``metaeval.metrics`` entry points."""
    specs: dict[str, MetricSpec] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        source = ep.dist.name if ep.dist is not None else ep.value
        try:
            obj = ep.load()
        except Exception as error:  # a broken plugin must not break the registry
            specs[ep.name] = MetricSpec(ep.name, "unknown", ep.value, (), source=source,
                                        description=f"failed to load: {error}")
            continue
        if isinstance(obj, MetricSpec):
            specs[obj.name] = obj
        elif isinstance(obj, type) and issubclass(obj, Metric):
            specs[obj.name] = _spec_from_class(obj, source)
        else:
            specs[ep.name] = MetricSpec(ep.name, "unknown", ep.value, (), source=source,
                                        description="entry point is not a Metric subclass or MetricSpec")
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

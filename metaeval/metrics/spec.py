"""`MetricSpec`: what the registry knows about a metric before importing its adapter.

Built-ins are declared as `MetricSpec` rows naming their module (:mod:`metaeval.metrics.catalog`),
so ``import metaeval`` imports no torch and no metric back-end; availability is checked with
``importlib.util.find_spec``.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass

from metaeval.errors import MetricError
from metaeval.metrics.base import Metric

# The inputs a metric of each domain may declare. Image metrics: ``image`` and
# ``reference_image`` arrive decoded (PIL RGB images), ``text`` as a string, ``references`` as
# a list of strings.
INPUT_KINDS = {
    "audio": ("estimate", "reference", "mixture"),
    "text": ("hypothesis", "reference", "source", "instruction", "context"),
    "image": ("image", "text", "reference_image", "references"),
}
IMAGE_FILES = ("image", "reference_image")  # image inputs read from files


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

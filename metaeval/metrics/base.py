"""The `Metric` interface every adapter (built-in or plugin) implements.

A metric declares what it needs (``inputs``: ``estimate``, ``reference``, ``mixture`` for audio;
``hypothesis``, ``reference``, ``source`` for text; ``image``, ``text`` for images), its direction,
its sample rate (audio), a config dataclass and its citation. Every field of the config can be set
by name (``get_metric("sar", filter_length=512)``, ``metaeval score --metrics
sar:filter_length=512``); ``presets`` name published configurations. The metric's
:attr:`Metric.signature` is ``name@<12 hex digits>``, the hash of the config fields and of
:meth:`Metric.backend_versions` (the installed version of every package that computes the score,
as the adapter declares them in ``backends``), so upgrading pesq, torch or transformers changes
the signature and recomputes the cached scores; it keys the score cache and travels with the
scores into every report. Each option's allowed range is declared in its definition
(``option(0.1, doc, valid=at_least(0))``, :mod:`metaeval.metrics.valid`) and checked whenever a
metric is built.
``score(batch)`` returns one float per item; the runner turns an exception or a NaN for one item
into a missing value with a recorded reason, never a 0.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass
from importlib import metadata
from typing import Any, ClassVar

import numpy as np

from metaeval.metrics.options import make_config
from metaeval.metrics.valid import Valid, check_options

NOT_INSTALLED = "not installed"

DOMAINS = ("audio", "text", "image")


@dataclass(frozen=True)
class MetricConfig:
    """Base class of metric configurations (frozen dataclasses with JSON-able fields)."""


def option(default: Any, doc: str, valid: Valid | None = None) -> Any:
    """A config field with its one-line documentation and its allowed values (``valid``:
    :func:`~metaeval.metrics.valid.at_least`, ``greater_than``, ``between``, ``one_of``), both
    shown by ``metaeval metrics --show``; a value outside ``valid`` is refused when the metric is
    built."""
    return field(default=default, metadata={"doc": doc, "valid": valid})


def package_version(distribution: str) -> str:
    """The installed version of a distribution (pip name), or ``not installed``."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return NOT_INSTALLED


def package_versions(distributions: Iterable[str]) -> dict[str, str]:
    """``{distribution: version}`` of each named distribution, sorted by name."""
    return {name: package_version(name) for name in sorted(set(distributions))}


def config_hash(config: Any) -> str:
    """Short stable hash of a config dataclass (key order independent)."""
    payload = asdict(config) if is_dataclass(config) else dict(config or {})
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass
class Batch:
    """Inputs of a batch of items, aligned by position.

    ``inputs`` maps an input name to one entry per item: mono float32 arrays at
    ``sample_rate`` for audio, strings for text, images for image metrics.
    """

    ids: list[str]
    inputs: dict[str, list[Any]]
    sample_rate: int | None = None
    device: str = "cpu"
    meta: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> list[Any]:
        return self.inputs[name]

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, positions: Sequence[int]) -> Batch:
        return Batch([self.ids[i] for i in positions],
                     {k: [v[i] for i in positions] for k, v in self.inputs.items()},
                     self.sample_rate, self.device, self.meta)


class Metric(ABC):
    """A metric adapter. Subclasses set the class attributes and implement :meth:`score`."""

    name: ClassVar[str]
    domain: ClassVar[str]
    inputs: ClassVar[tuple[str, ...]]
    higher_is_better: ClassVar[bool] = True
    sample_rate: ClassVar[int | None] = None  # audio: the rate the metric is defined at
    citation: ClassVar[str] = ""
    description: ClassVar[str] = ""
    Config: ClassVar[type] = MetricConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = {}  # published configurations by name
    optional_inputs: ClassVar[tuple[str, ...]] = ()  # passed when the row gives them
    # distributions (pip names) that may compute the score; backend_versions(): those used
    backends: ClassVar[tuple[str, ...]] = ()
    # items per call the runner gives the metric unless the user sets a batch size
    items_per_call: ClassVar[int] = 8

    def __init__(self, config: Any | None = None, device: str = "cpu", *,
                 preset: str | tuple[str, ...] = (), column: str | None = None,
                 **overrides: Any):
        chosen = (preset,) if isinstance(preset, str) else tuple(preset)
        if config is None:
            config = make_config(self.name, self.Config, self.presets, chosen, overrides)
        check_options(self.name, config)
        self.config = config
        self.device = device
        self.column = column or self.name
        self.empty_output: str | None = None  # a request's own policy (score.empty), else the run's
        self._config_hash: str | None = None

    def backend_versions(self) -> dict[str, str]:
        """``{distribution: installed version}`` of every package that computes this metric's
        scores (``backends``; an adapter whose packages depend on its config overrides this).
        Part of :attr:`config_hash`, so an upgrade recomputes cached scores."""
        return package_versions(self.backends)

    def signature_fields(self) -> dict[str, Any]:
        """What the config hash covers: the config fields and the backend versions (an adapter
        adds its back-end's own signature, or leaves out fields that change no score)."""
        fields = asdict(self.config) if is_dataclass(self.config) else dict(self.config or {})
        return {**fields, "backend_versions": self.backend_versions()}

    @property
    def config_hash(self) -> str:
        """Hash of :meth:`signature_fields` (computed once per instance)."""
        if getattr(self, "_config_hash", None) is None:
            self._config_hash = config_hash(self.signature_fields())
        return self._config_hash

    @property
    def signature(self) -> str:
        """``name@<config hash>``: identifies the configuration that produced a score column."""
        return f"{self.name}@{self.config_hash}"

    def caveats(self) -> list[str]:
        """One-line warnings about what this configuration's scores mean on the given inputs
        (BERTScore: an English-only model on German text); `metaeval score` prints them on
        stderr, they travel in the score metadata (option ``caveat``) and `correlate` adds them
        to the result's notes (stderr and report). None by default."""
        return []

    @property
    def corpus_level(self) -> bool:
        """True when one score describes a whole system (e.g. corpus BLEU): the runner then
        gives the metric all items of a system in one batch, and every item gets that score."""
        return False

    @abstractmethod
    def score(self, batch: Batch) -> np.ndarray:
        """One score per item of ``batch`` (NaN where the metric is undefined)."""

    def score_with_details(self, batch: Batch) -> tuple[np.ndarray, list[Any]]:
        """Scores and, per item, JSON-able details kept with the score (None: no details).

        A metric that explains its scores (TIGERScore's error analysis) overrides this; a
        detail ``{"error": reason, ...}`` with a NaN score is the reason of a missing value.
        """
        return self.score(batch), [None] * len(batch)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config!r})"

"""The `Metric` interface every adapter (built-in or plugin) implements.

A metric declares what it needs (``inputs``: ``estimate``, ``reference``, ``mixture`` for audio;
``hypothesis``, ``reference``, ``source`` for text; ``image``, ``text`` for images), its direction,
its sample rate (audio), a config dataclass and its citation. Every field of the config can be set
by name (``get_metric("sar", filter_length=512)``, ``metaeval score --metrics
sar:filter_length=512``); ``presets`` name published configurations. The metric's
:attr:`Metric.signature` is ``name@<12 hex digits>``, the hash of the config fields (sorted JSON),
which also keys the score cache and travels with the scores into every report.
``score(batch)`` returns one float per item; the runner turns an exception or a NaN for one item
into a missing value with a recorded reason, never a 0.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, is_dataclass
from typing import Any, ClassVar

import numpy as np

from metaeval.metrics.options import make_config

DOMAINS = ("audio", "text", "image")


@dataclass(frozen=True)
class MetricConfig:
    """Base class of metric configurations (frozen dataclasses with JSON-able fields)."""


def option(default: Any, doc: str) -> Any:
    """A config field with its one-line documentation (shown by ``metaeval metrics --show``)."""
    return field(default=default, metadata={"doc": doc})


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

    def __init__(self, config: Any | None = None, device: str = "cpu", *,
                 preset: str | tuple[str, ...] = (), column: str | None = None,
                 **overrides: Any):
        chosen = (preset,) if isinstance(preset, str) else tuple(preset)
        if config is None:
            config = make_config(self.name, self.Config, self.presets, chosen, overrides)
        self.config = config
        self.device = device
        self.column = column or self.name

    @property
    def config_hash(self) -> str:
        return config_hash(self.config)

    @property
    def signature(self) -> str:
        """``name@<config hash>``: identifies the configuration that produced a score column."""
        return f"{self.name}@{self.config_hash}"

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

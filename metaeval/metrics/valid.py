"""The allowed values of a metric option, declared in its definition and checked once.

A config field declares its range with ``option(default, doc, valid=...)``: :func:`at_least`,
:func:`greater_than`, :func:`between` (closed or open ends) or :func:`one_of` (choices). Every
way of building a metric (``get_metric``, ``metaeval score --metrics bleu:smooth_value=-1``, a
Python config, a dataset card, a plugin's ``Metric(config=...)``) goes through
``Metric.__init__``, which calls :func:`check_options`; a value outside its range is a one-line
`MetricOptionError` naming the metric, the option, the value and the allowed range::

    >>> at_least(0).problem(-1.0)
    'must be >= 0'
    >>> between(0, 1).describe()
    '0 <= value <= 1'
    >>> one_of("F1", "P", "R").problem("G")
    "must be one of 'F1', 'P', 'R'"

A tuple-valued option (``fft_sizes=[512,1024]``) is checked element by element; ``None`` (an
optional field left unset) is not checked. ``metaeval metrics --show NAME`` prints each range.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from metaeval.errors import MetricOptionError


@dataclass(frozen=True)
class Valid:
    """An allowed set of values: ``low``/``high`` bounds (``None``: open) with their strictness,
    or ``choices``."""

    low: float | None = None
    high: float | None = None
    low_strict: bool = False
    high_strict: bool = False
    choices: tuple[Any, ...] = ()

    def describe(self) -> str:
        """The range in words: ``value >= 1``, ``0 < value <= 1``, ``one of F1, P, R``."""
        if self.choices:
            return "one of " + ", ".join(map(str, self.choices))
        left = "" if self.low is None else f"{_num(self.low)} {'<' if self.low_strict else '<='} "
        right = "" if self.high is None else (f" {'<' if self.high_strict else '<='} "
                                              f"{_num(self.high)}")
        if self.high is None:
            return f"value {'>' if self.low_strict else '>='} {_num(self.low)}"
        return f"{left}value{right}"

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not allowed (None when it is)."""
        if self.choices:
            return None if value in self.choices else "must be one of " + ", ".join(
                repr(c) for c in self.choices)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be a number ({self.describe()})"
        if math.isnan(value):
            return f"must be a number, not NaN ({self.describe()})"
        if self.low is not None and (value < self.low or (self.low_strict and value == self.low)):
            return f"must be {'>' if self.low_strict else '>='} {_num(self.low)}"
        if self.high is not None and (value > self.high or
                                      (self.high_strict and value == self.high)):
            return f"must be {'<' if self.high_strict else '<='} {_num(self.high)}"
        return None

    def outside(self) -> Any:
        """A value this range refuses (what the tests feed every declared option)."""
        if self.choices:
            return "not-a-choice" if all(isinstance(c, str) for c in self.choices) else -12345
        if self.low is not None:
            return self.low if self.low_strict else self.low - 1
        return self.high if self.high_strict else self.high + 1


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def at_least(low: float) -> Valid:
    """``value >= low``."""
    return Valid(low=low)


def greater_than(low: float) -> Valid:
    """``value > low``."""
    return Valid(low=low, low_strict=True)


def between(low: float, high: float, *, open_low: bool = False, open_high: bool = False) -> Valid:
    """``low <= value <= high`` (``open_low``/``open_high``: strict at that end)."""
    return Valid(low=low, high=high, low_strict=open_low, high_strict=open_high)


def one_of(*choices: Any) -> Valid:
    """One of ``choices``."""
    return Valid(choices=tuple(choices))


def declared(config_class: type) -> dict[str, Valid]:
    """The declared range of each option of a config dataclass that has one."""
    return {f.name: f.metadata["valid"] for f in dataclasses.fields(config_class)
            if f.metadata.get("valid") is not None}


def check_options(metric: str, config: Any) -> None:
    """Refuse the first option of ``config`` outside its declared range (one-line fix)."""
    if not dataclasses.is_dataclass(config):
        return
    for name, valid in declared(type(config)).items():
        value = getattr(config, name)
        for item in value if isinstance(value, (tuple, list)) else (value,):
            problem = None if item is None else valid.problem(item)
            if problem is None:
                continue
            shown = repr(item) if value is item else f"{item!r} (in {name}={list(value)!r})"
            if valid.choices:
                raise MetricOptionError(f"metric {metric!r}: unknown {name} {shown}. Fix: choose "
                                        f"one of {', '.join(map(str, valid.choices))}.")
            raise MetricOptionError(f"metric {metric!r}, option {name}={shown}: {problem}. Fix: "
                                    f"set {name} so that {valid.describe()} (see `metaeval "
                                    f"metrics --show {metric}`).")

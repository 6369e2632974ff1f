"""Settings of the judge diagnostics that correlate runs do not have, each defined once
(:func:`metaeval.spec.setting`: Python keyword of :func:`metaeval.judge.judge_diagnostics`, the
``metaeval judge`` option, validation and signature key). ``k``, ``seed`` and ``ci`` are the
correlate settings of the same names.

The signature (layout ``judge``): ``verdicts`` (file name and hash of the validated verdicts),
``position`` (where the order came from: a ``first`` column, or ``system_a`` shown first),
``lengths`` (``given`` columns, counted from ``text``, or ``none``), ``length-unit`` (``n/a``
unless lengths were counted from texts), ``ci``, ``k``, ``seed``, then the package versions.
"""

from __future__ import annotations

from dataclasses import dataclass

from metaeval.correlation.settings import Settings
from metaeval.judge.verdicts import LENGTH_UNITS
from metaeval.provenance import Key, Layout, register_layout
from metaeval.spec import CheckedSettings, setting, spec_fields


@dataclass(frozen=True, kw_only=True)
class JudgeSettings(CheckedSettings):
    """The judge-only settings (see the module docstring)."""

    length_unit: str = setting(
        "chars", "How answer lengths are counted from text_a/text_b: characters or "
        "whitespace-separated words (length_a/length_b columns are used as given).",
        key="length-unit", short="lu", choices=LENGTH_UNITS, noun="length unit",
        panel="Data")


def _keys(cls, names=None) -> list[Key]:
    return [Key(f.name, spec.key, spec.short, spec.kind, f.default, spec.omit)
            for f, spec in spec_fields(cls) if names is None or f.name in names]


LAYOUT = register_layout(Layout("judge", (
    Key("verdicts", "verdicts", "vd"), Key("position", "position", "pos"),
    Key("lengths", "lengths", "len"), *_keys(JudgeSettings),
    *_keys(Settings, ("k", "seed", "ci"))), required=("verdicts",)))

"""The words the statistics engine understands, shared by the Python API, the settings and the CLI.

Each vocabulary is a ``Literal`` type (for type checkers) and the tuple of its values (for
validation, ``--help`` and the choices of the command line).
"""

from __future__ import annotations

from typing import Literal, get_args

Level = Literal["system", "item", "sys", "none"]
LEVELS: tuple[str, ...] = get_args(Level)
"""``system``: one score per system; ``item``: correlate across systems within each item, then
average; ``sys``: across items within each system, then average; ``none``: pool all cells."""

CIMethod = Literal["percentile", "bca"]
CI_METHODS: tuple[str, ...] = get_args(CIMethod)

Resample = Literal["items", "systems", "both"]
RESAMPLE_UNITS: tuple[str, ...] = get_args(Resample)

Average = Literal["mean", "median"]
AVERAGES: tuple[str, ...] = get_args(Average)
"""How the ``item`` and ``sys`` levels combine their per-group correlations."""

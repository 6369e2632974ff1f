"""Diagnostics of pairwise judges (an LLM judge, or a metric that outputs choices): swap
consistency, first-position win rate, length preference and self-preference, each with an
interval (:mod:`metaeval.judge.diagnostics`), from a verdict file
(:mod:`metaeval.judge.verdicts`)."""

from metaeval.judge.api import JudgeResult, judge_diagnostics
from metaeval.judge.verdicts import VerdictTable, read_verdicts

__all__ = ["JudgeResult", "VerdictTable", "judge_diagnostics", "read_verdicts"]

"""Span-F1 of SPAN-ACES: predicted error spans against the spans marked ``<v>...</v>`` in the
annotated incorrect translation (Amrhein et al., WMT 2023).

Per example, F1 between the set of predicted span strings and the set of gold span strings
(exact match after stripping spaces); an example with neither predicted nor gold spans scores 1;
the result is the mean over examples. The gold spans are parsed from the annotation (the public
script compares against the raw annotated string instead, which never matches a span).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

SPAN = re.compile(r"<v>(.*?)</v>", re.S)


def gold_spans(annotated: str) -> set[str]:
    """The ``<v>...</v>`` spans of an annotated translation."""
    return {s.strip() for s in SPAN.findall(str(annotated)) if s.strip()}


def example_f1(predicted: Iterable[str], gold: set[str]) -> float:
    """F1 of two span sets; 1 when both are empty, 0 when only one is."""
    predicted = {str(p).strip() for p in predicted if str(p).strip()}
    if not predicted and not gold:
        return 1.0
    hits = len(predicted & gold)
    if hits == 0:
        return 0.0
    precision, recall = hits / len(predicted), hits / len(gold)
    return 2 * precision * recall / (precision + recall)


def span_f1(predicted: Sequence[Iterable[str]], annotated: Sequence[str]) -> float:
    """Mean Span-F1 over examples (``predicted[i]`` the spans predicted for ``annotated[i]``)."""
    scores = [example_f1(p, gold_spans(a)) for p, a in zip(predicted, annotated)]
    return float(sum(scores) / len(scores)) if scores else float("nan")

"""ACES categories and the ACES-Score (Amrhein, Moghe, Guillou, WMT 2022; EdinburghNLP/ACES).

``aces_phenomena.json`` maps each of the 68 ACES phenomena to one of ten error categories (from
the ACES repository). A category's score is the unweighted mean of its phenomena's taus;

    ACES-Score = 5 (addition + omission + mistranslation + overtranslation + undertranslation)
               + 1 (untranslated + do not translate + real-world knowledge + wrong language)
               + 0.1 punctuation,                                   range [-29.1, 29.1].

A category with no phenomenon in the set is absent: it is left out of the sum (and reported as
absent) rather than turning the score into NaN. The paper's COMET-22 categories give 16.41.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

WEIGHTS = {"addition": 5.0, "omission": 5.0, "mistranslation": 5.0, "overtranslation": 5.0,
           "undertranslation": 5.0, "untranslated": 1.0, "do not translate": 1.0,
           "real-world knowledge": 1.0, "wrong language": 1.0, "punctuation": 0.1}
ACES_SCORE = "ACES-Score"


@lru_cache(maxsize=1)
def phenomenon_categories() -> dict[str, str]:
    """ACES phenomenon -> category."""
    return json.loads((Path(__file__).parent / "aces_phenomena.json").read_text(encoding="utf-8"))


def category_of(phenomenon: str) -> str:
    """The ACES category of a phenomenon, or ``other`` for a phenomenon ACES does not list."""
    return phenomenon_categories().get(phenomenon, "other")


def aces_score(category_means: dict[str, float]) -> tuple[float, list[str]]:
    """(ACES-Score over the categories present, the ACES categories absent)."""
    present = {c: v for c, v in category_means.items() if c in WEIGHTS and v == v}
    absent = [c for c in WEIGHTS if c not in present]
    if not present:
        return float("nan"), absent
    return float(sum(WEIGHTS[c] * v for c, v in present.items())), absent

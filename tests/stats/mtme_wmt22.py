"""The WMT22 zh-en MQM matrices that ``shared/reference/wmt22_zhen_mtme.json`` was computed on.

Files of ``datasets/wmt22_zhen_mtme/wmt22``: ``human-scores/zh-en.mqm.seg.score`` and
``metric-scores/zh-en/<NAME>.seg.score``, lines ``system<TAB>score`` (``None`` = missing), one
line per segment in order. Systems: every system with at least one MQM score except the standard
reference refA (15, refB included), sorted by name. Metrics: the reference JSON's, read from
``NAME-refA`` files, or ``NAME-src`` for the QE metrics (keys ending in ``[noref]``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

STANDARD_REFERENCE = "refA"
NOREF = "[noref]"


def read_scores(path: Path) -> dict[str, list[float]]:
    """system -> segment scores in file order (NaN for ``None``)."""
    scores: dict[str, list[float]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        system, value = line.split("\t")
        scores[system].append(np.nan if value == "None" else float(value))
    return scores


def load(datasets_dir: Path) -> dict:
    """``{"gold": (15, 1875), "metrics": {key: (15, 1875)}, "systems": [...], "reference": {...}}``
    (skips the test when the data or the reference JSON is absent)."""
    root = datasets_dir / "wmt22_zhen_mtme" / "wmt22"
    reference_file = datasets_dir.parent / "reference" / "wmt22_zhen_mtme.json"
    if not root.is_dir() or not reference_file.exists():
        pytest.skip(f"WMT22 zh-en MTME data or reference absent ({root}, {reference_file})")
    reference = json.loads(reference_file.read_text())
    gold = read_scores(root / "human-scores" / "zh-en.mqm.seg.score")
    systems = sorted(s for s, v in gold.items()
                     if s != STANDARD_REFERENCE and np.isfinite(v).any())
    metrics = {}
    for key in reference["tasks"]["sys_spa"]["values"]:
        name = (key.removesuffix(NOREF) + "-src" if key.endswith(NOREF)
                else f"{key}-{STANDARD_REFERENCE}")
        scores = read_scores(root / "metric-scores" / "zh-en" / f"{name}.seg.score")
        metrics[key] = np.array([scores[s] for s in systems])
    return {"gold": np.array([gold[s] for s in systems]), "metrics": metrics,
            "systems": systems, "reference": reference}

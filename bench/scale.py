"""Scale cases of the statistics engine on synthetic MQM-like data (2 cores, 24 GB machine).

Usage: ``.venv/bin/python bench/scale.py CASE`` with CASE one of :data:`CASES`; each case runs
`metaeval.correlate` once in this process and prints wall time and peak resident memory.
Gold: per cell an MQM-like score (0 for 55% of the cells, else -(1 + Poisson(3)) x 1 or 5:
heavy ties, as WMT MQM); metrics: gold plus noise of different sizes. Targets (issue "No
crash, no silent wrong number", section 7) are printed next to each result.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metaeval import correlate  # noqa: E402
from metaeval.data.judgements import JudgementSet  # noqa: E402

# name: (systems, items, metrics, settings, target seconds, target GB)
CASES = {
    "metrics200": (20, 20, 200, dict(levels=["none"], coefficients=["pearson"],
                                     significance="primary"), 60, None),
    "metrics200_default": (20, 20, 200, dict(levels=["none"], coefficients=["spearman", "pearson"],
                                             significance="primary"), 60, None),
    "cells1e6": (100, 10_000, 2, dict(levels=["none"], coefficients=["pearson"]), 60, None),
    "wmt23": (15, 2000, 40, dict(levels=["item", "none"],
                                 coefficients=["pearson", "spearman", "kendall_b"]), 120, 8),
    "wmt23_tiny": (15, 2000, 4, dict(levels=["item", "none"],
                                     coefficients=["pearson", "spearman", "kendall_b"], k=200),
                   None, None),
    "wmt23_small": (15, 2000, 10, dict(levels=["item", "none"],
                                       coefficients=["pearson", "spearman", "kendall_b"]),
                    None, None),
    "pooled50_small": (50, 2_000, 30, dict(levels=["none"], coefficients=["pearson"], k=100),
                       None, None),
    "pooled50": (50, 10_000, 30, dict(levels=["none"], coefficients=["pearson"], k=100), None,
                 8),
}


def synthetic(systems: int, items: int, metrics: int, seed: int = 0) -> JudgementSet:
    rng = np.random.default_rng(seed)
    shape = (systems, items)
    errors = rng.poisson(3, shape) + 1
    gold = np.where(rng.random(shape) < 0.55, 0.0, -errors * rng.choice([1.0, 5.0], shape))
    frame = pd.DataFrame({"item": np.tile(np.arange(items).astype(str), systems),
                          "system": np.repeat([f"sys{s}" for s in range(systems)], items),
                          "mqm": gold.ravel()})
    noise = np.linspace(0.5, 5.0, metrics)
    columns = {f"m{m:03d}": (gold + noise[m] * rng.normal(size=shape)).ravel()
               for m in range(metrics)}
    frame = pd.concat([frame, pd.DataFrame(columns)], axis=1)
    return JudgementSet(table=frame, human=["mqm"], metrics=list(columns))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("--k", type=int, default=None)
    args = parser.parse_args()
    systems, items, metrics, settings, seconds, gigabytes = CASES[args.case]
    settings = {"k": 1000, "seed": 0, "chance": True, **settings}
    if args.k:
        settings["k"] = args.k
    js = synthetic(systems, items, metrics)
    start = time.perf_counter()
    result = correlate(js, **settings)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    verdict = []
    if seconds:
        verdict.append(f"time target < {seconds} s: {'met' if wall < seconds else 'MISSED'}")
    if gigabytes:
        verdict.append(f"memory target < {gigabytes} GB: {'met' if peak < gigabytes else 'MISSED'}")
    print(f"{args.case}: {systems} systems x {items} items x {metrics} metrics, "
          f"{settings['levels']} {settings['coefficients']} k={settings['k']}: {wall:.1f} s, "
          f"peak {peak:.2f} GiB; {len(result.table)} rows, {len(result.pairwise)} pairs. "
          + "; ".join(verdict))


if __name__ == "__main__":
    main()

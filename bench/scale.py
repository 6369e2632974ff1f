"""Scale cases of the statistics engine on synthetic data (2 cores, 24 GB machine).

Usage: ``.venv/bin/python bench/scale.py CASE`` with CASE one of :data:`CASES`; each case runs
`metaeval.correlate` in this process (once per human column for the HANNA cases) and prints
wall time, peak resident memory and the run-time estimate of `metaeval.correlation.budget`.
MQM-like cases: per cell an MQM-like gold (0 for 55% of the cells, else -(1 + Poisson(3)) x 1
or 5: heavy ties, as WMT MQM); metrics: gold plus noise of different sizes (targets: issue "No
crash, no silent wrong number", section 7). HANNA cases (issue 18, "wide tables with ties"):
96 items x 11 systems, 72 metrics, human scores as means of three 1..5 ratings, the default
coefficients (spearman, pearson) at levels system and item, k=1000; ``hanna`` has metrics with
ties and zeros, ``hanna_continuous`` continuous values, ``hanna_real`` is the published HANNA
table (``$METAEVAL_DATA_DIR/hanna``, all 11 systems, its 6 criteria).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metaeval import correlate  # noqa: E402
from metaeval.correlation.budget import estimate_cost, shape_of  # noqa: E402
from metaeval.correlation.settings import Settings  # noqa: E402
from metaeval.data.judgements import JudgementSet  # noqa: E402

HANNA = dict(levels=["system", "item"], coefficients=["spearman", "pearson"])
# name: (data, systems, items, metrics, settings, target seconds (per human column), target GB)
CASES = {
    "metrics200": ("mqm", 20, 20, 200, dict(levels=["none"], coefficients=["pearson"],
                                            significance="primary"), 60, None),
    "metrics200_default": ("mqm", 20, 20, 200, dict(levels=["none"],
                                                    coefficients=["spearman", "pearson"],
                                                    significance="primary"), 60, None),
    "cells1e6": ("mqm", 100, 10_000, 2, dict(levels=["none"], coefficients=["pearson"]), 60,
                 None),
    "wmt23": ("mqm", 15, 2000, 40, dict(levels=["item", "none"],
                                        coefficients=["pearson", "spearman", "kendall_b"]), 120, 8),
    "wmt23_tiny": ("mqm", 15, 2000, 4, dict(levels=["item", "none"],
                                            coefficients=["pearson", "spearman", "kendall_b"],
                                            k=200), None, None),
    "wmt23_small": ("mqm", 15, 2000, 10, dict(levels=["item", "none"],
                                              coefficients=["pearson", "spearman", "kendall_b"]),
                    None, None),
    "pooled50_small": ("mqm", 50, 2_000, 30, dict(levels=["none"], coefficients=["pearson"],
                                                  k=100), None, None),
    "pooled50": ("mqm", 50, 10_000, 30, dict(levels=["none"], coefficients=["pearson"], k=100),
                 None, 8),
    "hanna": ("hanna_tied", 11, 96, 72, HANNA, 60, None),
    "hanna_continuous": ("hanna_continuous", 11, 96, 72, HANNA, 60, None),
    "hanna_real": ("hanna_real", 11, 96, 72, HANNA, 60, None),
}


def synthetic(systems: int, items: int, metrics: int, seed: int = 0) -> JudgementSet:
    """MQM-like gold and metrics (see the module docstring)."""
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


def hanna_synthetic(systems: int, items: int, metrics: int, tied: bool,
                    seed: int = 0) -> JudgementSet:
    """HANNA-shaped data: two human columns, each the mean of three integer ratings 1..5 of a
    latent story quality; metrics follow the quality with noise. ``tied``: like HANNA's
    n-gram overlaps, a third of the metrics are 0 wherever the signal is low (ties at 0 in most
    items) and every metric is rounded to 1, 2 or 3 decimals (ties between systems and between
    metrics); else the human scores and metrics are continuous."""
    rng = np.random.default_rng(seed)
    shape = (systems, items)
    quality = rng.normal(size=(systems, 1)) * 0.6 + rng.normal(size=shape)
    humans = {}
    for h in ("criterion1", "criterion2"):
        latent = quality + 0.7 * rng.normal(size=shape)
        if tied:
            ratings = np.clip(np.rint(3 + latent[None] + 0.8 * rng.normal(size=(3,) + shape)), 1, 5)
            humans[h] = ratings.mean(0)
        else:
            humans[h] = 3 + latent
    columns = {}
    noise = np.linspace(0.3, 3.0, metrics)
    for m in range(metrics):
        value = quality + noise[m] * rng.normal(size=shape)
        if tied:
            if m % 3 == 0:
                value = np.maximum(value - 0.5, 0.0)  # about half of the cells 0
            value = np.round(value, 1 + m % 3)
        columns[f"m{m:02d}"] = value.ravel()
    frame = pd.DataFrame({"item": np.tile([f"prompt{i:02d}" for i in range(items)], systems),
                          "system": np.repeat([f"sys{s:02d}" for s in range(systems)], items),
                          **{h: v.ravel() for h, v in humans.items()}, **columns})
    return JudgementSet.from_frame(frame, item="item", system="system", human=list(humans),
                                   metrics=list(columns))


def hanna_real() -> JudgementSet:
    """The published HANNA table, all 11 systems (the reference story ``Human`` included: the
    96 x 11 shape of the issue), 6 criteria and 72 metrics, one row per (prompt, system)."""
    root = Path(os.environ.get("METAEVAL_DATA_DIR", "../shared/datasets")) / "hanna"
    table = pd.read_csv(root / "hanna_metric_scores.csv")
    columns = [c for c in table.columns if c != "Model"]
    rows = []
    for _, row in table.iterrows():
        cells = {c: json.loads(row[c]) for c in columns}
        n = len(cells[columns[0]])
        rows.append(pd.DataFrame({"item": [f"prompt{i:02d}" for i in range(n)],
                                  "system": [row["Model"]] * n, **cells}))
    frame = pd.concat(rows, ignore_index=True)
    criteria = columns[:6]
    return JudgementSet.from_frame(frame, item="item", system="system", human=criteria,
                                   metrics=columns[6:])


def build(kind: str, systems: int, items: int, metrics: int) -> JudgementSet:
    if kind == "mqm":
        return synthetic(systems, items, metrics)
    if kind == "hanna_real":
        return hanna_real()
    return hanna_synthetic(systems, items, metrics, tied=kind == "hanna_tied")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("--k", type=int, default=None)
    parser.add_argument("--levels", default=None,
                        help="comma-separated levels instead of the case's (e.g. none)")
    parser.add_argument("--humans", default=None,
                        help="comma-separated human columns to run (default: all)")
    args = parser.parse_args()
    kind, systems, items, metrics, settings, seconds, gigabytes = CASES[args.case]
    settings = {"k": 1000, "seed": 0, "chance": True, **settings}
    if args.k:
        settings["k"] = args.k
    if args.levels:
        settings["levels"] = args.levels.split(",")
    js = build(kind, systems, items, metrics)
    humans = args.humans.split(",") if args.humans else js.human
    walls = []
    for human in humans:
        gold = js.matrices(js.metric_names[:1], human)[0]
        estimate = estimate_cost([shape_of(gold)], len(js.metric_names),
                                 Settings(**settings)).seconds
        start = time.perf_counter()
        result = correlate(js, human=human, **settings)
        walls.append(time.perf_counter() - start)
        print(f"  {human}: {walls[-1]:.1f} s (estimate {estimate:.1f} s, "
              f"ratio {estimate / walls[-1]:.2f}); {len(result.table)} rows, "
              f"{len(result.pairwise)} pairs", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    worst = max(walls)
    verdict = []
    if seconds:
        verdict.append(f"time target < {seconds} s per human column: "
                       f"{'met' if worst < seconds else 'MISSED'}")
    if gigabytes:
        verdict.append(f"memory target < {gigabytes} GB: {'met' if peak < gigabytes else 'MISSED'}")
    print(f"{args.case}: {systems} systems x {items} items x {len(js.metric_names)} metrics, "
          f"{len(humans)} human column(s), {settings['levels']} {settings['coefficients']} "
          f"k={settings['k']}: {sum(walls):.1f} s in all, slowest column {worst:.1f} s, "
          f"peak {peak:.2f} GiB. " + "; ".join(verdict))


if __name__ == "__main__":
    main()

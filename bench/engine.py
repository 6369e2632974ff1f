"""Benchmark of the statistics engine on the TED en-de matrix (13 systems x 529 segments).

Run: ``.venv/bin/python bench/engine.py``. Builds the matrix with the reference script
(``shared/reference/build_ted_matrix.py``, found at ``$METAEVAL_DATA_DIR/../reference`` or
``../shared/reference``), caches it under ``.cache/``, times the inference tasks and checks the
values against the mt-metrics-eval reference JSON where keys exist. See bench/README.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from itertools import combinations
from pathlib import Path

import numpy as np

from metaeval.stats.levels import correlation_at_level
from metaeval.stats.permutation import perm_both
from metaeval.stats.resampling import bootstrap_ci
from metaeval.stats.williams import williams_matrix

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".cache" / "ted_ende.npz"


def reference_dir() -> Path:
    configured = os.environ.get("METAEVAL_DATA_DIR")
    path = Path(configured).parent / "reference" if configured else REPO.parent / "shared" / "reference"
    if not (path / "build_ted_matrix.py").exists():
        sys.exit(f"reference folder not found at {path}; set METAEVAL_DATA_DIR (see README).")
    return path


def load_matrix(ref: Path) -> tuple[np.ndarray, list[str], np.ndarray]:
    if not CACHE.exists():
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        print(f"building {CACHE} (about 30 s) ...", flush=True)
        subprocess.run([sys.executable, str(ref / "build_ted_matrix.py"), "ende", str(CACHE)], check=True)
    z = np.load(CACHE)
    names = [str(n) for n in z["names"]]
    return z["gold"], names, np.stack([z[f"m_{n}"] for n in names])


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def max_diff(got: dict[str, float], expected: dict[str, float]) -> float:
    keys = [k for k in got if k in expected]
    return max(abs(got[k] - expected[k]) for k in keys) if keys else float("nan")


MTME_PERM_BOTH_SECONDS = 6000.0  # task (a) in mt-metrics-eval: ~40 s a pair at k=100, 15 pairs
CLI_TARGET_SPEEDUP = 1000.0


def cli_run(gold: np.ndarray, names: list[str], scores: np.ndarray) -> float:
    """Seconds of the whole CLI run (start-up included) on the matrix written as a CSV:
    group-by-item Pearson, 95% CIs, chance baseline and PERM-BOTH for all pairs, k=1000."""
    import tempfile

    import pandas as pd

    systems, items = np.indices(gold.shape)
    present = np.isfinite(gold)
    frame = pd.DataFrame({"system": systems[present], "item": items[present],
                          "mqm": gold[present], **{n: m[present] for n, m in zip(names, scores)}})
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "ted_ende.csv"
        frame.to_csv(data, index=False)
        command = [sys.executable, "-m", "metaeval.cli", "correlate", "--data", str(data),
                   "--item", "item", "--system", "system", "--human", "mqm", "--level", "item",
                   "--coef", "pearson", "--k", "1000", "--significance", "all",
                   "--out", str(Path(tmp) / "report"), "--format", "csv", "--quiet"]
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=REPO)
        return time.perf_counter() - start


def main() -> None:
    ref = reference_dir()
    reference = json.loads((ref / "ted_ende_mtme.json").read_text())
    gold, names, scores = load_matrix(ref)
    metrics_ref = reference["metrics"]
    rows = []  # (task, seconds, target, check)

    def ref_values(key):
        return {n: metrics_ref[n][key] for n in names if key in metrics_ref.get(n, {})}

    # (a) PERM-BOTH, group-by-item Pearson, k = 1000, all 15 pairs of the 6 metrics
    perm, seconds = timed(lambda: perm_both(gold, scores, "pearson", "item", k=1000, seed=0))
    values = correlation_at_level(gold, scores, "pearson", "item")
    check = max_diff(dict(zip(names, values)), ref_values("pearson_item"))
    rows.append((f"(a) PERM-BOTH item Pearson k=1000, {len(list(combinations(names, 2)))} pairs",
                 seconds, 5.0, f"pearson_item max|diff| {check:.1e}"))

    # (b) bootstrap 95% CIs, k = 1000, items resampled, percentile; item-level and pooled Pearson
    boots = {}
    for level, key in [("item", "pearson_item"), ("none", "pearson_none")]:
        boot, seconds = timed(lambda level=level: bootstrap_ci(gold, scores, "pearson", level, k=1000,
                                                               seed=0, resample="items"))
        boots[level] = boot
        check = max_diff(dict(zip(names, boot.statistic)), ref_values(key))
        rows.append((f"(b) bootstrap CI Pearson level={level} k=1000 (6 metrics)", seconds, 5.0,
                     f"{key} max|diff| {check:.1e}"))

    # (c) tie-calibrated acc23 at level none (6,877 points, 23.6 M pairs) and item, per metric
    tiecal_lines = []
    try:
        from metaeval.stats.tiecal import tie_calibrate
    except ImportError:  # provided by the Kendall/tie-calibration module
        tie_calibrate = None
    if tie_calibrate is not None:
        for level, target in [("none", 10.0), ("item", None)]:
            got, worst = {}, 0.0
            for n, m in zip(names, scores):
                cal, seconds = timed(lambda m=m, level=level: tie_calibrate(gold, m, level))
                worst = max(worst, seconds)
                got[n] = cal.statistic
                tiecal_lines.append(f"  {level:4s} {n:8s} acc23={cal.statistic:.4f} eps={cal.epsilon:.4g} "
                                    f"all-ties={cal.ties_all_pairs} pairs={cal.n_pairs:,} {seconds:.2f}s")
            check = max_diff(got, ref_values(f"acc23_tiecal_{level}"))
            note = (f"acc23_tiecal_{level} max|diff| {check:.1e}" if np.isfinite(check)
                    else f"no acc23_tiecal_{level} key in the reference")
            rows.append((f"(c) acc23_tiecal level={level}, slowest of 6 metrics", worst, target, note))
    else:
        rows.append(("(c) acc23_tiecal", float("nan"), 10.0, "metaeval.stats.tiecal missing"))

    # (d) the whole CLI run against the mt-metrics-eval PERM-BOTH part alone (extrapolated)
    seconds = min(cli_run(gold, names, scores) for _ in range(3))
    rows.append((f"(d) whole CLI run, item Pearson + CIs + chance + PERM-BOTH, k=1000 "
                 f"({MTME_PERM_BOTH_SECONDS / seconds:,.0f}x mt-metrics-eval)", seconds,
                 MTME_PERM_BOTH_SECONDS / CLI_TARGET_SPEEDUP, "best of 3, start-up included"))

    # Williams (no timing target): p-values against the reference
    for level, key in [("none", "williams_none_pearson_one_sided_p"),
                       ("system", "williams_system_pearson_one_sided_p")]:
        res, seconds = timed(lambda level=level: williams_matrix(gold, scores, level))
        got = {f"{a} vs {b}": res.pvalue[names.index(a), names.index(b)]
               for a, b in combinations(names, 2)}
        rows.append((f"Williams level={level}, 15 pairs", seconds, None,
                     f"{key} max|diff| {max_diff(got, reference[key]):.1e}"))

    print(f"TED en-de: {gold.shape[0]} systems x {gold.shape[1]} segments, "
          f"{int(np.isfinite(gold).sum())} gold cells; metrics {', '.join(names)}")
    print(f"{'task':62s} {'seconds':>8s} {'target':>8s} {'met':>8s}  reference check")
    for task, seconds, target, check in rows:
        met = "-" if target is None else ("met" if seconds < target else "NOT met")
        tgt = "-" if target is None else f"< {target:g}s"
        print(f"{task:62s} {seconds:8.2f} {tgt:>8s} {met:>8s}  {check}")
    print("\nPERM-BOTH p[a, b] (a better than b), item-level Pearson:")
    print("          " + " ".join(f"{n:>8s}" for n in names))
    for n, row in zip(names, perm.pvalue):
        print(f"{n:>9s} " + " ".join("       -" if np.isnan(v) else f"{v:8.3f}" for v in row))
    for level, boot in boots.items():
        print(f"\nBootstrap 95% CI, Pearson level={level} (items resampled, percentile):")
        for n, v, lo, hi in zip(names, boot.statistic, *boot.confidence_interval):
            print(f"  {n:8s} {v:+.4f} [{lo:+.4f}, {hi:+.4f}]")
    if tiecal_lines:
        print("\nTie calibration:")
        print("\n".join(tiecal_lines))


if __name__ == "__main__":
    main()

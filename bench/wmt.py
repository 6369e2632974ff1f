"""Benchmark of a whole WMT24 run on the WMT22 zh-en evalset, side by side with mt-metrics-eval.

Run: ``.venv/bin/python bench/wmt.py [--mtme DIR] [--mtme-python PYTHON] [--k 1000]``.

metaeval: ``metaeval correlate --data-format mtme --data ROOT/wmt22 --lp zh-en --protocol wmt24
--k 1000`` as a user runs it (start-up, loading, system-level SPA and segment-level acc_eq of
10 metrics with bootstrap intervals where affordable, chance baselines, PERM-BOTH / pair-outcome
tests of all 45 pairs, clusters, the weighted average with its significance, every report), and
the same run without chance baselines (mt-metrics-eval computes none; the bootstrap
intervals stay), with one more metric that misses one segment (``--scores --missing drop``: SPA
compares its system pairs on their shared segments, :mod:`metaeval.stats.spaholes`; was over
25 min) and with ``--k 0`` (the point values); the values are checked against mt-metrics-eval's
(``reference/wmt22_zhen_mtme.json``).

mt-metrics-eval: with ``--mtme DIR`` (a folder holding its ``mt_metrics_eval`` package;
``--mtme-python``: an interpreter with its dependencies), ``bench/mtme_wmt24.py`` times its
points and one pair's significance of each statistic at a few draws and extrapolates to every
pair at k = 1000 (see that file). Without it, the mt-metrics-eval time is not measured.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 30.0
TARGET_SPEEDUP = 1000.0
SPA = "coef=spa;level=system;group=zh-en;gold=mqm;table=cells"
ACC_EQ = "coef=acc23_tiecal;level=item;group=zh-en;gold=mqm;table=cells"


def data_dir() -> Path:
    configured = os.environ.get("METAEVAL_DATA_DIR")
    path = Path(configured) if configured else REPO.parent / "shared" / "datasets"
    if not (path / "wmt22_zhen_mtme" / "wmt22").is_dir():
        sys.exit(f"WMT22 zh-en evalset not found under {path}; set METAEVAL_DATA_DIR (README).")
    return path


def metaeval_run(evalset: Path, k: int, out: Path, *more: str) -> float:
    """Seconds of the whole CLI run (start-up included)."""
    command = [sys.executable, "-m", "metaeval.cli", "correlate", "--data-format", "mtme",
               "--data", str(evalset), "--lp", "zh-en", "--protocol", "wmt24", "--k", str(k),
               "--out", str(out), "--quiet", "--force", *more]
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=REPO)
    return time.perf_counter() - start


def holed_scores(evalset: Path, out: Path) -> Path:
    """A user's metric that misses one segment (as chrF on an empty output): the released
    BLEU-refA segment scores as ``holed`` (``item`` = segment number from 1, as ``metaeval data
    texts`` writes it), one Online-W cell left empty; for ``--scores ... --missing drop``."""
    frame = pd.read_csv(evalset / "metric-scores" / "zh-en" / "BLEU-refA.seg.score", sep="\t",
                        header=None, names=["system", "holed"])
    frame["item"] = frame.groupby("system").cumcount() + 1
    frame.loc[(frame["system"] == "Online-W") & (frame["item"] == 1479), "holed"] = float("nan")
    frame[["item", "system", "holed"]].to_csv(out, index=False)
    return out


def max_diff(out: Path, reference: dict) -> str:
    table = pd.read_csv(out / "results.csv")
    worst = []
    for task, key in ((SPA, "sys_spa"), (ACC_EQ, "seg_acc_eq_item")):
        got = table[table["task"] == task].set_index("metric")["statistic"]
        worst.append(max(abs(got[m] - v) for m, v in reference["tasks"][key]["values"].items()))
    averages = pd.read_csv(out / "averages.csv").set_index("metric")["average"]
    worst.append(max(abs(averages[m] - v)
                     for m, v in reference["wmt24_style_average"]["values"].items()))
    return "SPA {:.1e}, acc_eq {:.1e}, average {:.1e}".format(*worst)


def mtme_seconds(mtme: Path, python: str, root: Path) -> dict:
    command = [python, str(REPO / "bench" / "mtme_wmt24.py"), str(mtme), str(root), "wmt22",
               "zh-en"]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mtme", type=Path, help="folder holding the mt_metrics_eval package")
    parser.add_argument("--mtme-python", default=sys.executable)
    parser.add_argument("--k", type=int, default=1000)
    args = parser.parse_args()
    root = data_dir() / "wmt22_zhen_mtme"
    reference_file = root.parent.parent / "reference" / "wmt22_zhen_mtme.json"
    reference = json.loads(reference_file.read_text())
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        load = os.getloadavg()[0]
        seconds = metaeval_run(root / "wmt22", args.k, Path(tmp) / "k")
        rows.append((f"metaeval wmt24, k={args.k} (whole CLI run)", seconds, load,
                     max_diff(Path(tmp) / "k", reference)))
        load = os.getloadavg()[0]
        tests = metaeval_run(root / "wmt22", args.k, Path(tmp) / "tests", "--no-chance")
        rows.append((f"metaeval wmt24, k={args.k}, no chance baselines (closer to mt-metrics-"
                     "eval's work)", tests, load, max_diff(Path(tmp) / "tests", reference)))
        load = os.getloadavg()[0]
        scores = holed_scores(root / "wmt22", Path(tmp) / "holed.csv")
        holed = metaeval_run(root / "wmt22", args.k, Path(tmp) / "holed", "--scores",
                             str(scores), "--missing", "drop")
        rows.append((f"metaeval wmt24, k={args.k}, + a metric missing one segment (--scores)",
                     holed, load, max_diff(Path(tmp) / "holed", reference)))
        load = os.getloadavg()[0]
        point = metaeval_run(root / "wmt22", 0, Path(tmp) / "k0")
        rows.append(("metaeval wmt24, k=0 (point values)", point, load,
                     max_diff(Path(tmp) / "k0", reference)))
    if args.mtme:
        mtme = mtme_seconds(args.mtme, args.mtme_python, root)
        rows.append((f"mt-metrics-eval wmt24, k=1000 (extrapolated from k={mtme['k_spa']} SPA "
                     f"and k={mtme['k_acc']} acc_eq draws of one pair)", mtme["total_s"],
                     mtme["load_average"], "no SPA pair stops early"))
        rows.append(("  the same if every SPA pair stopped at 100 draws (its early stop)",
                     mtme["total_if_every_spa_pair_stops_at_100_s"], mtme["load_average"], ""))
    print(f"{'run':78s} {'seconds':>9s} {'load':>5s}  check against mt-metrics-eval")
    for name, secs, load, check in rows:
        print(f"{name:78s} {secs:9.1f} {load:5.1f}  {check}")
    met = "met" if seconds < TARGET_SECONDS else "NOT met"
    print(f"\ntarget: the whole k={args.k} run under {TARGET_SECONDS:g} s: {seconds:.1f} s, {met}")
    if args.mtme:
        low = mtme["total_if_every_spa_pair_stops_at_100_s"] / seconds
        high = mtme["total_s"] / seconds
        print(f"target: at least {TARGET_SPEEDUP:,.0f}x mt-metrics-eval: {low:,.0f}x to "
              f"{high:,.0f}x ({'met' if low >= TARGET_SPEEDUP else 'NOT met'}); without the "
              f"chance baselines {mtme['total_if_every_spa_pair_stops_at_100_s'] / tests:,.0f}x "
              f"to {mtme['total_s'] / tests:,.0f}x")
    else:
        print("mt-metrics-eval not timed: give --mtme DIR (and --mtme-python) for the ratio.")


if __name__ == "__main__":
    main()

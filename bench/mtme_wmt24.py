"""Times google-research/mt-metrics-eval on a WMT24 task set of one language pair (run by
bench/wmt.py in the interpreter that has mt-metrics-eval; prints one JSON object).

Usage: ``python bench/mtme_wmt24.py MTME_DIR ROOT TESTSET LP [--k-spa 20] [--k-acc 5]``;
MTME_DIR holds the ``mt_metrics_eval`` package, ROOT the folder with TESTSET in its layout.

What mt-metrics-eval does for ``tasks.WMT24`` with k draws (its ``Task.Run``):
- system-level SPA (``corr_fcn='pce'``): one ``PairwiseConfidenceError`` per metric, then
  ``ComputeSigMatrix`` runs ``PermutationSigDiff`` separately for every metric pair (each draw
  two SPA computations; early stop every 100 draws when p < 0.02 or p > 0.5);
- segment-level acc_eq (``KendallWithTiesOpt``, item, ``perm_test='pairs'``): one calibration
  per metric, then ``PairwisePermutationSigDiff`` for every pair, which re-calibrates both
  metrics and runs k draws (its early-stop check almost never fires).

Measured here: one SPA point, SPA significance of one pair at ``--k-spa`` draws, one acc_eq
point, acc_eq significance of one pair at ``--k-acc`` draws with the epsilons given (the draw
cost) and without (the pair's set-up); extrapolated to every pair at k = 1000, with SPA's
early stopping as a range (no pair stops / every pair stops at 100 draws).
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
import types


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def main() -> None:
    args = sys.argv[1:]
    options = {"--k-spa": 20, "--k-acc": 5}
    for flag in options:
        if flag in args:
            i = args.index(flag)
            options[flag] = int(args[i + 1])
            del args[i:i + 2]
    mtme_dir, root, testset, lp = args
    sys.path.insert(0, mtme_dir)
    try:
        import apache_beam  # noqa: F401  (mt-metrics-eval's data.py imports it at the top)
    except ImportError:  # only its parallel file reading uses it; not taken here
        sys.modules["apache_beam"] = types.ModuleType("apache_beam")
    from mt_metrics_eval import data, stats, tasks

    k_spa, k_acc, K = options["--k-spa"], options["--k-acc"], 1000
    evs, load_s = timed(data.EvalSet, testset, lp, read_stored_metric_scores=True, path=root)
    common = {"test_set": testset, "lang": lp, "k": 0, "primary": False}
    spa_task = tasks.Task(level="sys", corr_fcn="pce", **common)
    acc_task = tasks.Task(level="seg", avg_by="item", corr_fcn="KendallWithTiesOpt",
                          perm_test="pairs", corr_fcn_args={"sample_rate": 1.0}, **common)

    def correlations(task, level):
        return data.GetCorrelations(evs, level, task.refs, task.close_refs, task.human,
                                    task.use_outliers, task.gold, task.primary, task.domain,
                                    metric_format="spreadsheet")

    params = stats.PermutationSigDiffParams(100, 0.02, 0.5)
    spa = correlations(spa_task, "seg")
    names = sorted(spa)
    a, b = names[0], names[1]
    first = spa[a]
    pce = functools.partial(stats.PairwiseConfidenceError, num_sys=first.num_sys,
                            filter_nones=first.none_count > 0)
    _, spa_point = timed(pce, first.gold_scores, first.metric_scores)
    (_, _, used, _), spa_sig = timed(stats.PermutationSigDiff, spa[b], spa[a], pce, "none",
                                     k_spa, params, False)
    spa_draw = spa_sig / (used + 1)

    acc = correlations(acc_task, "seg")
    c = acc[a]
    calibrate = stats.AverageCorrelation(stats.KendallWithTiesOpt, c.num_sys, average_by="item",
                                         filter_nones=c.none_count,
                                         replace_nans_with_zeros=False, sample_rate=1.0)
    _, acc_point = timed(calibrate, c.gold_scores, c.metric_scores)
    eps = [stats.KendallWithTiesOpt(x.gold_scores, x.metric_scores, "acc23", x.num_sys, "item",
                                    1.0)[1] for x in (acc[b], acc[a])]
    (_, _, used, _), acc_sig = timed(stats.PairwisePermutationSigDiff, acc[b], acc[a], "acc23",
                                     "item", k_acc, params, epsilon1=eps[0], epsilon2=eps[1],
                                     sample_rate=1.0)
    acc_draw = acc_sig / used
    n = len(names)
    pairs = n * (n - 1) // 2
    spa_all = n * spa_point + pairs * (K + 1) * spa_draw
    spa_early = n * spa_point + pairs * 101 * spa_draw
    acc_all = n * acc_point + pairs * (2 * acc_point + K * acc_draw)
    print(json.dumps({
        "metrics": n, "pairs": pairs, "k_spa": k_spa, "k_acc": k_acc,
        "load_s": load_s, "spa_point_s": spa_point, "spa_draw_s": spa_draw,
        "acc_point_s": acc_point, "acc_draw_s": acc_draw,
        "total_s": load_s + spa_all + acc_all,
        "total_if_every_spa_pair_stops_at_100_s": load_s + spa_early + acc_all,
        "load_average": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()

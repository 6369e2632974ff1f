"""The global-accuracy task: ``pairwise_acc`` at level ``system`` over several language pairs.

When a task's selection holds the system-level scores of several groups (the ``lp`` column of
mt-metrics-eval evalsets, :class:`metaeval.correlation.sources.EvalSetData`), pairwise accuracy
counts the pairs of systems within each group and pools the counts
(:mod:`metaeval.stats.grouped_accuracy`), as WMT21-23 did. Rows: value, no bootstrap interval
(a handful of systems per group; the note says so), no chance baseline, PERM-BOTH pairs and
clusters as in every task.
"""

from __future__ import annotations

import numpy as np

from metaeval.correlation.seeds import seed_labels, task_seed
from metaeval.correlation.settings import Settings
from metaeval.correlation.tasks import TaskOutput
from metaeval.correlation.taskset import Task
from metaeval.data.judgements import JudgementSet
from metaeval.stats.clusters import significance_clusters
from metaeval.stats.grouped_accuracy import grouped_accuracy, grouped_accuracy_perm_both
from metaeval.stats.multitest import benjamini_hochberg, holm

NAN = float("nan")
NOTE = ("global accuracy over several language pairs: pairs of systems within each pair, "
        "pooled; no bootstrap interval or chance baseline")


def is_global_accuracy(task: Task, part: JudgementSet) -> bool:
    """``pairwise_acc`` at level system on the system tables of several language pairs."""
    return (task.coefficient == "pairwise_acc" and task.level == "system" and "lp" in part.groups
            and part.table["lp"].nunique() > 1)


def global_accuracy_rows(task: Task, part: JudgementSet, metrics: list[str], settings: Settings,
                         keep_null: bool):
    """The task's :class:`~metaeval.correlation.tasks.TaskOutput`."""
    gold, scores, systems, _ = part.matrices(metrics, task.gold or part.gold)
    gold, scores = gold[:, 0], scores[:, :, 0]
    table = part.table.drop_duplicates("system").set_index("system")
    groups = np.array([str(table.loc[s, "lp"]) for s in systems])
    values = grouped_accuracy(gold, scores, groups)
    pairs = sum(int(np.isfinite(gold[groups == g]).sum()) * (
        int(np.isfinite(gold[groups == g]).sum()) - 1) // 2 for g in dict.fromkeys(groups))
    out = TaskOutput(notes=[f"{task.label}: {NOTE}."])
    extra = {"task": task.name, "group": task.group, "level": "system",
             "coefficient": "pairwise_acc"}
    out.rows = [{"metric": m, **extra, "statistic": float(values[i]), "ci_low": NAN,
                 "ci_high": NAN, "pvalue": NAN, "cluster": NAN, "n": pairs, "chance_low": NAN,
                 "chance_high": NAN, "epsilon": NAN, "note": NOTE, "ceiling": NAN,
                 "ceiling_low": NAN, "ceiling_high": NAN} for i, m in enumerate(metrics)]
    if settings.k > 0 and settings.tests_significance("pairwise_acc") and len(metrics) > 1:
        delta, p, null = grouped_accuracy_perm_both(gold, scores, groups, settings.k,
                                                    task_seed(settings.seed, *seed_labels(task)))
        out.null = null if keep_null else {}
        ranks = significance_clusters(values, p, alpha=settings.alpha)
        for row, rank in zip(out.rows, ranks):
            row["cluster"] = int(rank) if np.isfinite(rank) else NAN
        off = ~np.eye(len(metrics), dtype=bool)
        p_holm, p_bh = np.full_like(p, NAN), np.full_like(p, NAN)
        p_holm[off], p_bh[off] = holm(p[off]), benjamini_hochberg(p[off])
        out.pairs = [{**extra, "metric_a": metrics[a], "metric_b": metrics[b],
                      "delta": float(delta[a, b]), "pvalue": float(p[a, b]),
                      "p_holm": float(p_holm[a, b]), "p_bh": float(p_bh[a, b]),
                      "p_williams": NAN, "test": "perm-both"}
                     for a in range(len(metrics)) for b in range(len(metrics)) if a != b]
    return out

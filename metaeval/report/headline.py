"""The two-group headline figure: coefficient in group 1 (x) against group 2 (y), per metric.

The headline figure of Bereuter et al. (WASPAA 2025): metrics above the diagonal agree better
with listeners on the second group than on the first. Only the best metric of each significance
cluster (in either group) is labelled, placed where it overlaps no other label or marker; every
metric is listed in the legend table under the figure (:func:`headline_rows`).
"""

from __future__ import annotations

import numpy as np

from metaeval.correlation.result import CorrelationResult
from metaeval.report import labels
from metaeval.report.figures import PALETTE, figure, render_svg
from metaeval.report.placement import freeze_layout, place_labels
from metaeval.report.plotdata import MAX_LABELS, interval_lines, rows_of

LABEL_FONT = 7.5


def group_vs_group_svg(result: CorrelationResult, level: str, coefficient: str) -> str | None:
    """The headline figure as SVG; None unless there are exactly two non-pooled groups."""
    real = labels.real_groups(result)
    if len(real) != 2:
        return None
    return render_svg(draw_group_vs_group, f"gvg-{level}-{coefficient}",
                      f"{labels.coefficient_name(coefficient)}: {real[0]} against {real[1]}",
                      result, level, coefficient, real)


def _pair(result: CorrelationResult, level: str, coefficient: str, real: list[str]):
    rows = rows_of(result, level, coefficient)
    first = rows[rows["group"] == real[0]].set_index("metric")
    second = rows[rows["group"] == real[1]].set_index("metric")
    metrics = [m for m in labels.metrics(result) if m in first.index and m in second.index]
    return first, second, metrics


def cluster_best(result: CorrelationResult, level: str, coefficient: str,
                 real: list[str]) -> list[str]:
    """The best metric of every significance cluster of either group, best value first (at most
    :data:`MAX_LABELS`); without clusters, the metrics best in either group."""
    first, second, metrics = _pair(result, level, coefficient, real)
    best: dict[str, float] = {}
    for side in (first, second):
        known = side.loc[metrics]
        known = known[known["statistic"].notna()]
        if known["cluster"].notna().any():
            picks = known[known["cluster"].notna()].sort_values("statistic", ascending=False)
            picks = picks[~picks["cluster"].duplicated()]
        else:
            picks = known.sort_values("statistic", ascending=False).head(MAX_LABELS)
        for metric, value in picks["statistic"].items():
            best[metric] = max(best.get(metric, -np.inf), float(value))
    return sorted(best, key=lambda m: -best[m])[:MAX_LABELS]


def headline_rows(result: CorrelationResult, level: str, coefficient: str) -> list[dict] | None:
    """The legend table of the headline figure: every metric's value in both groups, the
    difference (group 2 - group 1), best of the two first; None without exactly two groups."""
    real = labels.real_groups(result)
    if len(real) != 2:
        return None
    first, second, metrics = _pair(result, level, coefficient, real)
    labelled = set(cluster_best(result, level, coefficient, real))
    out = []
    for m in metrics:
        x, y = first.loc[m, "statistic"], second.loc[m, "statistic"]
        missing = labels.is_missing(x) or labels.is_missing(y)
        out.append({"metric": m, "label": labels.metric_label(result, m), "x": labels.fmt(x),
                    "y": labels.fmt(y), "delta": "\u2013" if missing else f"{y - x:+.3f}",
                    "labelled": m in labelled, "direction": result.metrics.get(m, "higher"),
                    "sort": -np.nanmax([x, y, -np.inf])})
    return sorted(out, key=lambda r: r["sort"])


def _draw_points(ax, first, second, metrics, flipped) -> list[float]:
    values = []
    for metric in metrics:
        a, b = first.loc[metric], second.loc[metric]
        x, y = float(a["statistic"]), float(b["statistic"])
        colour = PALETTE[1] if metric in flipped else PALETTE[0]
        interval_lines(ax, [y], [a["ci_low"]], [a["ci_high"]], colour, True, cap=0.006)
        interval_lines(ax, [x], [b["ci_low"]], [b["ci_high"]], colour, False, cap=0.006)
        ax.plot([x], [y], "o", ms=5, color=colour, alpha=0.9)
        values += [v for v in (x, y, a["ci_low"], a["ci_high"], b["ci_low"], b["ci_high"])
                   if not labels.is_missing(v)]
    return values


def draw_group_vs_group(result: CorrelationResult, level: str, coefficient: str,
                        real: list[str]):
    """The headline ``Figure``: points with both intervals, the diagonal, cluster-best labels."""
    first, second, metrics = _pair(result, level, coefficient, real)
    flipped = {m for m, d in result.metrics.items() if d == "lower"}
    fig, axes = figure(6.2, 5.6)
    ax = axes[0, 0]
    values = _draw_points(ax, first, second, metrics, flipped)
    low, high = min(values + [0.0]), max(values + [0.0])
    pad = 0.05 * (high - low or 1.0)
    low, high = low - pad, high + pad
    ax.plot([low, high], [low, high], color="#999999", lw=0.9, ls="--", zorder=0)
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_aspect("equal")
    name = labels.coefficient_name(coefficient)
    ax.set_xlabel(f"{name} ({real[0]})")
    ax.set_ylabel(f"{name} ({real[1]})")
    if flipped:
        from matplotlib.lines import Line2D

        fig.legend([Line2D([], [], marker="o", ls="", color=PALETTE[0]),
                    Line2D([], [], marker="o", ls="", color=PALETTE[1])],
                   ["higher is better", "lower is better (sign-flipped)"],
                   loc="outside lower center", ncols=2)
    freeze_layout(fig)
    shown = cluster_best(result, level, coefficient, real)
    place_labels(ax, [(labels.metric_label(result, m), float(first.loc[m, "statistic"]),
                       float(second.loc[m, "statistic"])) for m in shown
                      if not (labels.is_missing(first.loc[m, "statistic"])
                              or labels.is_missing(second.loc[m, "statistic"]))],
                 LABEL_FONT, marker_pt=6.0)
    return fig

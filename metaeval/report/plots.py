"""The figures of the correlation report (forest plot, scatter grid, p-value heatmap, group
versus group), as inline SVG strings made with :mod:`metaeval.report.figures`."""

from __future__ import annotations

import math

import numpy as np

from metaeval.correlation.result import POOLED, CorrelationResult
from metaeval.report import labels
from metaeval.report.figures import PALETTE, POOLED_COLOUR, figure, render_svg

MAX_SCATTER_POINTS = 3000  # per panel; larger data are subsampled with a fixed seed
MAX_PANELS = 24  # scatter panels: the best metrics by the pooled primary value
MAX_HEATMAP = 40  # metrics in the pairwise p-value heatmap (the best ones)
MAX_LABELS = 12  # labelled points of the group-vs-group figure (the best by either group)

def group_colours(result: CorrelationResult) -> dict[str, str]:
    """One fixed colour per group (pooled in dark grey), the same in every figure."""
    colours = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(labels.real_groups(result))}
    if labels.is_pooled(result, POOLED):
        colours[POOLED] = POOLED_COLOUR
    return colours


def _rows(result: CorrelationResult, level: str, coefficient: str):
    t = result.table
    return t[(t["level"] == level) & (t["coefficient"] == coefficient)]


def _pooled_order(rows, metrics: list[str], pooled_name: str | None = POOLED) -> list[str]:
    """Metrics sorted by the pooled value (or the mean over groups), best first."""
    pooled = rows[rows["group"] == pooled_name]
    source = pooled if len(pooled) else rows
    means = source.groupby("metric")["value"].mean()
    return sorted(metrics, key=lambda m: -(means.get(m, -np.inf) if not
                                           math.isnan(means.get(m, np.nan)) else -np.inf))


def interval_lines(ax, at, low, high, colour: str, horizontal: bool, cap: float = 0.08) -> None:
    """Confidence intervals as line segments from ``low`` to ``high`` (with end caps) at the
    positions ``at``; a missing bound draws nothing. A percentile interval need not contain its
    point estimate (e.g. at small k or a low CI level), so no error-bar arithmetic is used."""
    keep = [(p, lo, hi) for p, lo, hi in zip(at, low, high)
            if not (labels.is_missing(lo) or labels.is_missing(hi))]
    if not keep:
        return
    at, low, high = (list(v) for v in zip(*keep))
    lines = ax.hlines if horizontal else ax.vlines
    caps = ax.vlines if horizontal else ax.hlines
    lines(at, low, high, colors=colour, linewidth=1.1)
    for bound in (low, high):  # end caps, ``cap`` data units long across the interval
        caps(bound, [p - cap for p in at], [p + cap for p in at], colors=colour, linewidth=0.8)


def forest_plot_svg(result: CorrelationResult, level: str, coefficient: str) -> str:
    """Point estimate and CI per metric (rows) and group (colours)."""
    return render_svg(_draw_forest, f"forest-{level}-{coefficient}",
                     f"{labels.coefficient_name(coefficient)} with confidence intervals per metric "
                     f"and group", result, level, coefficient)


def _draw_forest(result: CorrelationResult, level: str, coefficient: str):
    rows = _rows(result, level, coefficient)
    metrics = _pooled_order(rows, labels.metrics(result),
                            POOLED if labels.is_pooled(result, POOLED) else None)
    groups = [g for g in labels.groups(result) if g in set(rows["group"])]
    colours = group_colours(result)
    fig, axes = figure(7.2, 0.5 + 0.32 * len(metrics) * max(1, len(groups)) ** 0.5 + 0.6)
    ax = axes[0, 0]
    step = 0.8 / max(1, len(groups))
    for gi, group in enumerate(groups):
        sub = rows[rows["group"] == group].set_index("metric")
        ys, xs, lo, hi = [], [], [], []
        for mi, metric in enumerate(metrics):
            if metric not in sub.index:
                continue
            r = sub.loc[metric]
            ys.append(mi - 0.4 + step * (gi + 0.5))
            xs.append(r["value"])
            lo.append(r["ci_low"])
            hi.append(r["ci_high"])
        interval_lines(ax, ys, lo, hi, colours[group], horizontal=True)
        ax.plot(xs, ys, "o", ms=4, color=colours[group],
                label="pooled" if labels.is_pooled(result, group) else group)
    ax.axvline(0.0, color="#999999", lw=0.8, zorder=0)
    ax.set_yticks(range(len(metrics)), metrics)
    ax.set_ylim(len(metrics) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(f"{labels.coefficient_name(coefficient)} with {result.human}")
    if len(groups) > 1:
        ax.legend(loc="lower left", bbox_to_anchor=(1.0, 0.0))
    return fig


def scatter_grid_svg(result: CorrelationResult) -> str:
    """Small multiples: human score (y) against each metric (x, oriented), coloured by group."""
    return render_svg(_draw_scatter, "scatter", f"{result.human} against each metric",
                     result)


def best_metrics(result: CorrelationResult, limit: int) -> list[str]:
    """The ``limit`` metrics with the best pooled (or group-mean) primary value, in that order."""
    table = result.table
    primary = labels.primary_coefficient(result)
    rows = table[(table["coefficient"] == primary)
                 & (table["level"] == labels.levels(result)[0])]
    pooled = POOLED if labels.is_pooled(result, POOLED) else None
    return _pooled_order(rows, labels.metrics(result), pooled)[:limit]


def _draw_scatter(result: CorrelationResult):
    points = result.points
    metrics = [m for m in best_metrics(result, MAX_PANELS) if m in points.columns]
    if len(points) > MAX_SCATTER_POINTS:
        points = points.sample(MAX_SCATTER_POINTS, random_state=0)
    ncols = min(4, max(1, len(metrics)))
    nrows = math.ceil(len(metrics) / ncols)
    fig, axes = figure(2.0 * ncols + 0.6, 1.9 * nrows + 0.5, nrows, ncols)
    colours = group_colours(result)
    has_group = "group" in points.columns and len(labels.real_groups(result)) > 0
    flipped = {m for m, d in result.metrics.items() if d == "lower"}
    for i, ax in enumerate(axes.flat):
        if i >= len(metrics):
            ax.set_visible(False)
            continue
        metric = metrics[i]
        if has_group:
            for group in labels.real_groups(result):
                sub = points[points["group"].astype(str) == group]
                ax.scatter(sub[metric], sub[result.human], s=7, alpha=0.55, lw=0,
                           color=colours[group], label=group)
        else:
            ax.scatter(points[metric], points[result.human], s=7, alpha=0.55, lw=0,
                       color=PALETTE[0])
        ax.set_title(metric + (" (\u2212)" if metric in flipped else ""), fontsize=8.5)
        if i % ncols == 0:
            ax.set_ylabel(result.human)
        ax.tick_params(labelsize=7)
        ax.locator_params(nbins=4)  # few ticks: no colliding labels in small panels
    if has_group:
        handles, names = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, names, loc="outside upper center", ncols=len(names),
                   markerscale=2.0)
    return fig


def pairwise_heatmap_svg(result: CorrelationResult, level: str, coefficient: str) -> str | None:
    """One panel per group: p-value that the row metric correlates better than the column metric."""
    pw = result.pairwise
    if pw is None or pw.empty:
        return None
    pw = pw[(pw["level"] == level) & (pw["coefficient"] == coefficient)]
    if pw.empty:
        return None
    return render_svg(_draw_heatmap, f"pairwise-{level}-{coefficient}",
                     f"pairwise p-values of {labels.coefficient_name(coefficient)}", result, pw,
                     level, coefficient)


def _draw_heatmap(result: CorrelationResult, pw, level: str, coefficient: str):
    import matplotlib

    rows = _rows(result, level, coefficient)
    groups = [g for g in labels.groups(result) if g in set(pw["group"].astype(str))]
    metrics = best_metrics(result, MAX_HEATMAP)
    n = len(metrics)
    ncols = min(3 if n <= 12 else 1, len(groups))  # many metrics: one full-width panel a row
    nrows = math.ceil(len(groups) / ncols)
    side = 0.9 + 0.36 * n
    fig, axes = figure(side * ncols + 0.8, side * nrows * 0.92, nrows, ncols)
    alpha = float(result.settings.get("alpha", 0.05))
    cmap = matplotlib.colormaps["Blues_r"].with_extremes(bad="#f3f3f3")
    image = None
    for i, ax in enumerate(axes.flat):
        if i >= len(groups):
            ax.set_visible(False)
            continue
        group = groups[i]
        order = _pooled_order(rows[rows["group"] == group], metrics)
        index = {m: j for j, m in enumerate(order)}
        matrix = np.full((n, n), np.nan)
        for r in pw[pw["group"].astype(str) == group].itertuples():
            if r.metric_a in index and r.metric_b in index:
                matrix[index[r.metric_a], index[r.metric_b]] = r.p_value
        image = ax.imshow(matrix, cmap=cmap, vmin=0.0, vmax=1.0, aspect="equal")
        ax.grid(False)
        ax.set_xticks(range(n), order, rotation=55, ha="right", rotation_mode="anchor",
                      fontsize=7)
        ax.set_yticks(range(n), order if i % ncols == 0 else [""] * n, fontsize=7)
        ax.set_title("pooled" if labels.is_pooled(result, group) else group)
        if n <= 14:
            for (a, b), p in np.ndenumerate(matrix):
                if not math.isnan(p):
                    ax.text(b, a, f"{p:.2f}".lstrip("0") if p < 1 else "1",
                            ha="center", va="center", fontsize=6,
                            weight="bold" if p < alpha else "normal",
                            color="white" if p < 0.35 else "#222222")
    if image is not None:
        fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.6,
                     label="p (row better than column)")
    return fig


def group_vs_group_svg(result: CorrelationResult, level: str, coefficient: str) -> str | None:
    """Coefficient in group 1 (x) against group 2 (y), one labelled point per metric.

    The headline figure of Bereuter et al. (WASPAA 2025): metrics above the diagonal agree
    better with listeners on the second group than on the first. None unless there are exactly
    two non-pooled groups.
    """
    real = labels.real_groups(result)
    if len(real) != 2:
        return None
    return render_svg(_draw_group_vs_group, f"gvg-{level}-{coefficient}",
                     f"{labels.coefficient_name(coefficient)}: {real[0]} against {real[1]}",
                     result, level, coefficient, real)


def _draw_group_vs_group(result: CorrelationResult, level: str, coefficient: str,
                         real: list[str]):
    rows = _rows(result, level, coefficient)
    first = rows[rows["group"] == real[0]].set_index("metric")
    second = rows[rows["group"] == real[1]].set_index("metric")
    metrics = [m for m in labels.metrics(result) if m in first.index and m in second.index]
    flipped = {m for m, d in result.metrics.items() if d == "lower"}
    fig, axes = figure(6.2, 5.6)
    ax = axes[0, 0]
    values, points = [], []
    labelled = set(sorted(metrics, key=lambda m: -np.nanmax(
        [first.loc[m, "value"], second.loc[m, "value"], -np.inf]))[:MAX_LABELS])
    for metric in metrics:
        a, b = first.loc[metric], second.loc[metric]
        x, y = float(a["value"]), float(b["value"])
        colour = PALETTE[1] if metric in flipped else PALETTE[0]
        interval_lines(ax, [y], [a["ci_low"]], [a["ci_high"]], colour, True, cap=0.006)
        interval_lines(ax, [x], [b["ci_low"]], [b["ci_high"]], colour, False, cap=0.006)
        ax.plot([x], [y], "o", ms=5, color=colour, alpha=0.9)
        if metric in labelled:
            points.append((metric, x, y))
        values += [v for v in (x, y, a["ci_low"], a["ci_high"], b["ci_low"], b["ci_high"])
                   if not labels.is_missing(v)]
    low, high = min(values + [0.0]), max(values + [0.0])
    pad = 0.05 * (high - low or 1.0)
    low, high = low - pad, high + pad
    for metric, x, y, label_y in _spread_labels(points, high - low):
        right = x > low + 0.7 * (high - low)  # labels near the right edge go left of the point
        ax.annotate(metric, (x, y), xytext=(x + (-0.015 if right else 0.012) * (high - low),
                                            label_y),
                    textcoords="data", fontsize=7.5, color="#222222", va="center",
                    ha="right" if right else "left",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
                    arrowprops={"arrowstyle": "-", "color": "#bbbbbb", "lw": 0.5}
                    if abs(label_y - y) > 0.01 * (high - low) else None)
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
    return fig


def _spread_labels(points: list[tuple[str, float, float]], span: float):
    """Label heights for (name, x, y) points: labels of nearby points are pushed apart vertically."""
    gap, near = 0.035 * span, 0.2 * span
    merged: dict[tuple[float, float], list[str]] = {}  # coinciding points share one label
    for name, x, y in points:
        merged.setdefault((round(x, 3), round(y, 3)), []).append(name)
    placed: list[tuple[str, float, float, float]] = []
    for (x, y), names in sorted(merged.items(), key=lambda p: p[0][1]):
        name = ", ".join(names)
        label_y = y
        for _, px, _, py in placed:
            if abs(px - x) < near and label_y - py < gap:
                label_y = py + gap
        placed.append((name, x, y, label_y))
    return placed

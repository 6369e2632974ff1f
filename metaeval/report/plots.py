"""The figures of the correlation report (forest plot, scatter grid, p-value heatmap, group
versus group), as inline SVG strings made with :mod:`metaeval.report.figures`."""

from __future__ import annotations

import math
import textwrap

from metaeval.correlation.result import POOLED, CorrelationResult
from metaeval.report import labels
from metaeval.report.figures import PALETTE, figure, render_svg
from metaeval.report.headline import draw_group_vs_group, group_vs_group_svg
from metaeval.report.heatmap import draw_heatmap, pairwise_heatmap_svg
from metaeval.report.placement import drawn_ticklabels, overlapping, text_boxes
from metaeval.report.plotdata import (
    MAX_HEATMAP,
    MAX_LABELS,
    MAX_PANELS,
    MAX_SCATTER_POINTS,
    best_metrics,
    group_colours,
    interval_lines,
    pooled_order,
    rows_of,
)

__all__ = ["MAX_HEATMAP", "MAX_LABELS", "MAX_PANELS", "MAX_SCATTER_POINTS", "best_metrics",
           "draw_forest", "draw_group_vs_group", "draw_heatmap", "draw_scatter",
           "forest_plot_svg", "group_colours", "group_vs_group_svg", "pairwise_heatmap_svg",
           "scatter_grid_svg"]
TITLE_CHARS = 24  # a scatter panel title wraps (then shortens) beyond this width


def forest_plot_svg(result: CorrelationResult, level: str, coefficient: str) -> str:
    """Point estimate and CI per metric (rows) and group (colours)."""
    return render_svg(draw_forest, f"forest-{level}-{coefficient}",
                     f"{labels.coefficient_name(coefficient)} with confidence intervals per metric "
                     f"and group", result, level, coefficient)


def draw_forest(result: CorrelationResult, level: str, coefficient: str):
    """The forest ``Figure``: one row per metric (display names), best pooled value first."""
    rows = rows_of(result, level, coefficient)
    metrics = pooled_order(rows, labels.metrics(result),
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
            xs.append(r["statistic"])
            lo.append(r["ci_low"])
            hi.append(r["ci_high"])
        interval_lines(ax, ys, lo, hi, colours[group], horizontal=True)
        ax.plot(xs, ys, "o", ms=4, color=colours[group],
                label="pooled" if labels.is_pooled(result, group) else group)
    ax.axvline(0.0, color="#999999", lw=0.8, zorder=0)
    ax.set_yticks(range(len(metrics)), [labels.metric_label(result, m) for m in metrics])
    ax.set_ylim(len(metrics) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(f"{labels.coefficient_name(coefficient)} with {result.human}")
    if len(groups) > 1:
        ax.legend(loc="lower left", bbox_to_anchor=(1.0, 0.0))
    return fig


def scatter_grid_svg(result: CorrelationResult) -> str:
    """Small multiples: human score (y) against each metric (x, oriented), coloured by group."""
    return render_svg(draw_scatter, "scatter", f"{result.human} against each metric",
                     result)


def panel_title(result: CorrelationResult, metric: str, flipped: bool) -> str:
    """The display name (with the sign-flip mark) on at most two lines of :data:`TITLE_CHARS`."""
    text = labels.metric_label(result, metric) + (" (\u2212)" if flipped else "")
    lines = textwrap.wrap(text.replace("_", "_\u200b"), TITLE_CHARS, break_on_hyphens=False)
    lines = [line.replace("\u200b", "") for line in lines]
    return "\n".join(lines[:1] + [labels.shorten("".join(lines[1:]), TITLE_CHARS)]
                      if len(lines) > 1 else lines)


def _ticks(ax, x_bins: int) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(nbins=x_bins))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, prune="lower"))  # clear of the x labels
    ax.tick_params(labelsize=7)


def panel_texts(ax) -> list:
    """The texts of a scatter panel a reader sees: drawn tick labels, offsets and the title."""
    return drawn_ticklabels(ax) + [ax.xaxis.get_offset_text(), ax.yaxis.get_offset_text(),
                                   ax.title]


def fit_ticks(fig, axes) -> None:
    """Fewer x ticks in every panel whose texts touch (drawn, measured, redrawn)."""
    for x_bins in (3, 2):
        fig.canvas.draw()
        crowded = [ax for ax in axes if ax.get_visible()
                   and overlapping(text_boxes(fig, panel_texts(ax)))]
        if not crowded:
            return
        for ax in crowded:
            _ticks(ax, x_bins)


def _panel(ax, result: CorrelationResult, points, metric: str, colours, has_group: bool):
    if has_group:
        for group in labels.real_groups(result):
            sub = points[points["group"].astype(str) == group]
            ax.scatter(sub[metric], sub[result.human], s=7, alpha=0.55, lw=0,
                       color=colours[group], label=group)
    else:
        ax.scatter(points[metric], points[result.human], s=7, alpha=0.55, lw=0,
                   color=PALETTE[0])


def draw_scatter(result: CorrelationResult):
    """Small multiples, best metrics first; tick labels that would collide are thinned out."""
    points = result.points
    metrics = [m for m in best_metrics(result, MAX_PANELS) if m in points.columns]
    if len(points) > MAX_SCATTER_POINTS:
        points = points.sample(MAX_SCATTER_POINTS, random_state=0)
    ncols = min(4, max(1, len(metrics)))
    nrows = math.ceil(len(metrics) / ncols)
    fig, axes = figure(2.1 * ncols + 0.6, 2.0 * nrows + 0.5, nrows, ncols)
    colours = group_colours(result)
    has_group = "group" in points.columns and len(labels.real_groups(result)) > 0
    flipped = {m for m, d in result.metrics.items() if d == "lower"}
    for i, ax in enumerate(axes.flat):
        if i >= len(metrics):
            ax.set_visible(False)
            continue
        _panel(ax, result, points, metrics[i], colours, has_group)
        ax.set_title(panel_title(result, metrics[i], metrics[i] in flipped), fontsize=8.5)
        if i % ncols == 0:
            ax.set_ylabel(result.human)
        _ticks(ax, 4)
    if has_group:
        handles, names = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, names, loc="outside upper center", ncols=len(names),
                   markerscale=2.0)
    fit_ticks(fig, list(axes.flat))
    return fig

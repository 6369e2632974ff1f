"""The pairwise p-value heatmap: one panel per group, sized so that its labels stay readable.

The figure is at most :data:`~metaeval.report.figures.CONTENT_WIDTH` wide (so the HTML page
shows it unscaled) and every tick label is :data:`~metaeval.report.figures.MIN_FONT` points:
panels go side by side while they fit, and with many metrics the cells shrink to fit one panel
per row (column labels are vertical, one text line per cell).

A cell with p < alpha is framed at every size; where the cells are wide enough to print their
p-value (:func:`p_label`: two significant digits, ``<.001`` below 0.001), it is also in bold.
"""

from __future__ import annotations

import math

import numpy as np

from metaeval.correlation.result import CorrelationResult
from metaeval.report import labels
from metaeval.report.figures import CONTENT_WIDTH, MIN_FONT, figure, render_svg
from metaeval.report.plotdata import MAX_HEATMAP, best_metrics, pooled_order, rows_of

CELL = 0.36  # inches per cell when there is room
MIN_CELL = 0.16  # inches: a 7 pt label line with room to spare
COLORBAR = 1.0  # inches for the colour bar and its label
LABEL_CHARS = 26  # tick labels longer than this are shortened (the table has the full name)
VALUES_FROM = 0.3  # cells at least this wide (inches) print their p-value
FRAME_LABEL = "_p below alpha"  # the frames of the significant cells (not in a legend)


def label_margin(names: list[str]) -> float:
    """Inches the longest tick label needs at :data:`MIN_FONT` (DejaVu Sans, ~0.6 em a char)."""
    longest = max((len(n) for n in names), default=1)
    return 0.25 + longest * MIN_FONT * 0.6 / 72


def heatmap_grid(n: int, n_groups: int, names: list[str]) -> tuple[int, int, float, float]:
    """(ncols, nrows, cell, margin): panels side by side while they fit the content width."""
    margin = label_margin(names)
    panel = margin + n * CELL
    ncols = max(1, min(n_groups, int((CONTENT_WIDTH - COLORBAR) // panel)))
    cell = CELL
    if ncols == 1 and panel + COLORBAR > CONTENT_WIDTH:
        cell = max(MIN_CELL, (CONTENT_WIDTH - COLORBAR - margin) / n)
    return ncols, math.ceil(n_groups / ncols), cell, margin


def pairwise_heatmap_svg(result: CorrelationResult, level: str, coefficient: str) -> str | None:
    """One panel per group: p-value that the row metric correlates better than the column metric."""
    pw = result.pairwise
    if pw is None or pw.empty:
        return None
    pw = pw[(pw["level"] == level) & (pw["coefficient"] == coefficient)]
    if pw.empty:
        return None
    return render_svg(draw_heatmap, f"pairwise-{level}-{coefficient}",
                      f"pairwise p-values of {labels.coefficient_name(coefficient)}", result, pw,
                      level, coefficient)


def _matrix(pw, group: str, index: dict[str, int]) -> np.ndarray:
    matrix = np.full((len(index), len(index)), np.nan)
    for r in pw[pw["group"].astype(str) == group].itertuples():
        if r.metric_a in index and r.metric_b in index:
            matrix[index[r.metric_a], index[r.metric_b]] = r.pvalue
    return matrix


def p_label(p: float) -> str:
    """A p-value in a heatmap cell: ``<.001`` below 0.001, else two significant digits without
    the leading zero (``.0012``, ``.05``, ``.47``), ``1`` for 1."""
    if p < 0.001:
        return "<.001"
    text = f"{float(f'{p:.2g}'):f}".rstrip("0").rstrip(".")
    return text.removeprefix("0") if text != "0" else "0"


def _values(ax, matrix: np.ndarray, alpha: float) -> None:
    for (a, b), p in np.ndenumerate(matrix):
        if not math.isnan(p):
            ax.text(b, a, p_label(p), ha="center", va="center",
                    fontsize=MIN_FONT, weight="bold" if p < alpha else "normal",
                    color="white" if p < 0.35 else "#222222")


def _frames(ax, matrix: np.ndarray, alpha: float, cell: float) -> None:
    """A frame around every cell with p < alpha (visible whether or not values are printed)."""
    from matplotlib.patches import Rectangle

    width = max(0.6, min(1.4, cell * 4.0))  # points: thinner frames on smaller cells
    for (a, b), p in np.ndenumerate(matrix):
        if not math.isnan(p) and p < alpha:
            ax.add_patch(Rectangle((b - 0.5, a - 0.5), 1.0, 1.0, fill=False, edgecolor="#d9480f",
                                   linewidth=width, label=FRAME_LABEL))


def draw_heatmap(result: CorrelationResult, pw, level: str, coefficient: str):
    """The heatmap ``Figure`` (see the module docstring for its size)."""
    import matplotlib

    rows = rows_of(result, level, coefficient)
    groups = [g for g in labels.groups(result) if g in set(pw["group"].astype(str))]
    metrics = best_metrics(result, MAX_HEATMAP)
    names = {m: labels.shorten(labels.metric_label(result, m), LABEL_CHARS) for m in metrics}
    n = len(metrics)
    ncols, nrows, cell, margin = heatmap_grid(n, len(groups), list(names.values()))
    fig, axes = figure(ncols * (margin + n * cell) + COLORBAR,
                       nrows * (margin + n * cell + 0.35), nrows, ncols)
    alpha = float(result.settings.get("alpha", 0.05))
    cmap = matplotlib.colormaps["Blues_r"].with_extremes(bad="#f3f3f3")
    image = None
    for i, ax in enumerate(axes.flat):
        if i >= len(groups):
            ax.set_visible(False)
            continue
        order = pooled_order(rows[rows["group"] == groups[i]], metrics)
        matrix = _matrix(pw, groups[i], {m: j for j, m in enumerate(order)})
        image = ax.imshow(matrix, cmap=cmap, vmin=0.0, vmax=1.0, aspect="equal")
        ax.grid(False)
        ax.set_xticks(range(n), [names[m] for m in order], rotation=90, fontsize=MIN_FONT)
        ax.set_yticks(range(n), [names[m] for m in order] if i % ncols == 0 else [""] * n,
                      fontsize=MIN_FONT)
        ax.set_title("pooled" if labels.is_pooled(result, groups[i]) else groups[i])
        _frames(ax, matrix, alpha, cell)
        if cell >= VALUES_FROM and n <= 14:
            _values(ax, matrix, alpha)
    if image is not None:
        fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.6,
                     label="p (row better than column)")
    return fig

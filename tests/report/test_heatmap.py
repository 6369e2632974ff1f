"""The pairwise p-value heatmap marks what its caption says: every cell with p < alpha is framed
at any size (the 24-metric heatmaps print no values, so bold alone marked nothing), and printed
p-values keep their digits (p = 1/201 was printed as ".00")."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pytest

from metaeval.report import plots
from metaeval.report.figures import STYLE
from metaeval.report.heatmap import FRAME_LABEL, _matrix, p_label
from metaeval.report.plotdata import pooled_order, rows_of


def _drawn(result, coefficient: str = "spearman"):
    pw = result.pairwise
    with matplotlib.rc_context(STYLE):
        fig = plots.draw_heatmap(result, pw[pw["coefficient"] == coefficient], "none",
                                 coefficient)
        fig.canvas.draw()
    return fig


def _panels(fig):
    return [ax for ax in fig.axes if ax.get_visible() and ax.get_images()]


def _significant(result, alpha: float) -> dict[str, int]:
    pw = result.pairwise[result.pairwise["coefficient"] == "spearman"]
    return {str(g): int((part["pvalue"] < alpha).sum()) for g, part in pw.groupby("group")}


@pytest.mark.parametrize("p, text", [(1 / 1001, "<.001"), (0.001, ".001"), (1 / 201, ".005"),
                                     (0.0123, ".012"), (0.0476, ".048"), (0.47, ".47"),
                                     (0.999, "1"), (1.0, "1")])
def test_p_label_keeps_two_significant_digits(p, text):
    assert p_label(p) == text


def test_every_significant_cell_is_framed_at_24_metrics(gsvs24):
    alpha = float(gsvs24.settings["alpha"])
    fig = _drawn(gsvs24)
    panels = _panels(fig)
    expected = _significant(gsvs24, alpha)
    assert sum(expected.values()) > 0
    framed = [sum(1 for p in ax.patches if p.get_label() == FRAME_LABEL) for ax in panels]
    titles = [ax.get_title() for ax in panels]
    assert dict(zip(titles, framed)) == {("pooled" if g == "all" else g): n
                                         for g, n in expected.items()}
    assert all(not ax.texts for ax in panels)  # cells too small to print the values


def test_printed_values_are_the_p_values_with_their_digits(gensvs_result):
    """8 metrics, k = 200: the smallest p is 1/201, which printed as ".00" before."""
    result = gensvs_result
    alpha = float(result.settings["alpha"])
    fig = _drawn(result)
    rows = rows_of(result, "none", "spearman")
    pw = result.pairwise[(result.pairwise["coefficient"] == "spearman")
                         & (result.pairwise["level"] == "none")]
    metrics = list(dict.fromkeys(pw["metric_a"]))
    smallest = pw["pvalue"].min()
    assert smallest == pytest.approx(1 / 201)
    for ax in _panels(fig):
        group = "all" if ax.get_title() == "pooled" else ax.get_title()
        order = pooled_order(rows[rows["group"] == group], metrics)
        matrix = _matrix(pw, group, {m: j for j, m in enumerate(order)})
        shown = {(round(t.get_position()[1]), round(t.get_position()[0])): t for t in ax.texts}
        cells = [(a, b) for (a, b), p in np.ndenumerate(matrix) if not math.isnan(p)]
        assert set(shown) == set(cells)
        for a, b in cells:
            assert shown[(a, b)].get_text() == p_label(matrix[a, b])
            assert (shown[(a, b)].get_fontweight() == "bold") == (matrix[a, b] < alpha)
        assert ".00" not in {t.get_text() for t in ax.texts}
        framed = sum(1 for p in ax.patches if p.get_label() == FRAME_LABEL)
        assert framed == int(np.sum(np.nan_to_num(matrix, nan=1.0) < alpha))

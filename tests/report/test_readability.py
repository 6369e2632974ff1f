"""Figures stay readable at 24 and 40 metrics: text sizes at the rendered size and no
overlapping text boxes, measured with matplotlib's renderer on the drawn figures."""

from __future__ import annotations

import matplotlib
import pytest

from metaeval.report import plots
from metaeval.report.headline import cluster_best
from metaeval.report.placement import drawn_ticklabels, overlapping, text_boxes

# The HTML content column: 1080 px less 2 x 28 px padding, at 96 px per inch. A wider SVG is
# scaled down by the browser (max-width: 100%).
PAGE_INCHES = (1080 - 2 * 28) / 96


def _drawn(draw, *args):
    from metaeval.report.figures import STYLE

    with matplotlib.rc_context(STYLE):
        fig = draw(*args)
        fig.canvas.draw()
    return fig


@pytest.fixture(params=["gsvs24", "gsvs40"])
def result(request):
    return request.getfixturevalue(request.param)


def test_heatmap_tick_labels_are_7pt_at_the_rendered_size(result):
    """At 40 metrics the heatmap was 16.1 in wide: its 7 pt labels showed at 4.6 pt."""
    pw = result.pairwise
    fig = _drawn(plots.draw_heatmap, result, pw[pw["coefficient"] == "spearman"], "none",
                 "spearman")
    scale = min(1.0, PAGE_INCHES / fig.get_figwidth())
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_images()]
    assert len(panels) == 3
    ticks = [t for ax in panels for t in drawn_ticklabels(ax) if t.get_text()]
    assert len(ticks) >= 2 * min(40, len(result.metrics)) * 3 - 1
    assert min(t.get_fontsize() for t in ticks) * scale >= 7.0
    for ax in panels:
        assert overlapping(text_boxes(fig, ax.get_xticklabels())) == []
        assert overlapping(text_boxes(fig, ax.get_yticklabels())) == []


def test_headline_labels_do_not_overlap(result):
    """Only the clusters' best are labelled, and no two label boxes (nor a label and the axes
    edge) collide; before, 12 labels were stacked and 'sar'/'sdr' sat on each other."""
    fig = _drawn(plots.draw_group_vs_group, result, "none", "spearman",
                 ["discriminative", "generative"])
    ax = fig.axes[0]
    boxes = text_boxes(fig, ax.texts)
    best = {result.display_name(m) for m in cluster_best(result, "none", "spearman",
                                                           ["discriminative", "generative"])}
    assert {name for name, _ in boxes} == best and len(best) >= 4
    assert overlapping(boxes) == []
    frame = ax.get_window_extent()
    assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1
               for _, b in boxes)


def test_scatter_panel_texts_do_not_collide(result):
    """Tick labels, offsets and titles of every panel, across panels: no two boxes overlap
    (at 40 metrics the long titles ran into their neighbours)."""
    fig = _drawn(plots.draw_scatter, result)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == min(24, len(result.metrics))
    texts = [t for ax in panels for t in plots.panel_texts(ax)]
    boxes = text_boxes(fig, texts)
    assert len(boxes) > 5 * len(panels)
    assert overlapping(boxes) == []
    assert min(t.get_fontsize() for t in texts if t.get_text()) >= 7.0


def test_scatter_titles_use_display_names(gsvs24):
    fig = _drawn(plots.draw_scatter, gsvs24)
    titles = {ax.get_title() for ax in fig.axes if ax.get_visible()}
    assert "M-L12 MSE (\u2212)" in titles and "SI-SDR" in titles


def test_long_titles_wrap_and_shorten(gsvs40):
    title = plots.panel_title(gsvs40, "fad_song2song_music2latent_df_variant_1", True)
    lines = title.split("\n")
    assert len(lines) == 2 and all(len(line) <= plots.TITLE_CHARS for line in lines)
    assert lines[0].startswith("fad_song2song_")

"""Static figures as inline SVG: the figure factory and SVG post-processing every report uses.

matplotlib is imported lazily inside each function and used through its object API
(``Figure`` + the Agg canvas), never through pyplot, so rendering touches no global backend
state. Ids inside each SVG get a unique prefix so that several SVGs can share one HTML page.
"""

from __future__ import annotations

import html
import io
import re

PALETTE = ["#1f6fb4", "#d1495b", "#2a9d58", "#8e5bb5", "#e08a1e", "#7b5a43", "#d36bb0",
           "#1aa6b7"]
POOLED_COLOUR = "#4a4a4a"
# Width (inches) of the HTML report's content column: 1080 px less 2 x 28 px padding at 96 px/in.
# A wider SVG is scaled down by the browser (max-width: 100%), its text with it.
CONTENT_WIDTH = 10.6
MIN_FONT = 7.0  # points: the smallest text of any figure at its rendered size
STYLE = {
    "svg.fonttype": "none", "svg.hashsalt": "metaeval", "font.size": 9,
    "font.family": "DejaVu Sans", "axes.spines.top": False, "axes.spines.right": False,
    "axes.titlesize": 10, "axes.labelsize": 9, "xtick.labelsize": 8, "ytick.labelsize": 8,
    "legend.fontsize": 8, "legend.frameon": False, "axes.grid": True, "grid.color": "#e6e6e6",
    "grid.linewidth": 0.6, "axes.axisbelow": True, "axes.edgecolor": "#888888",
}


def figure(width: float, height: float, nrows: int = 1, ncols: int = 1):
    """A constrained-layout ``Figure`` on the Agg canvas and its (nrows, ncols) axes array."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def render_svg(draw, prefix: str, label: str, *args) -> str:
    """``draw(*args) -> Figure`` rendered in the report style as inline SVG (see :func:`inline_svg`)."""
    import matplotlib

    with matplotlib.rc_context(STYLE):
        fig = draw(*args)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return inline_svg(buffer.getvalue(), prefix, label)


def inline_svg(text: str, prefix: str, label: str) -> str:
    """Strip the XML prolog and metadata, prefix every id, add a class and an accessible name."""
    text = text[text.index("<svg"):]
    text = prefix_ids(re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S), prefix)
    return text.replace("<svg ", f'<svg class="plot" role="img" aria-label="{html.escape(label)}" ',
                        1).strip()


def prefix_ids(svg: str, prefix: str) -> str:
    """Every id of ``svg`` and every reference to one (``href="#..."``, ``url(#...)``) with
    ``prefix-`` in front, so that the SVG shares a page with others made alike."""
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    return re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)

"""Text boxes on a drawn figure: overlap tests and label placement without collisions.

Works in display coordinates on a figure whose layout is drawn (and frozen, so that nothing
moves afterwards): each label tries offsets around its point, nearest first, and takes the first
whose box stays inside the axes and overlaps no earlier label and no marker.
"""

from __future__ import annotations

import itertools
import math

RADII = (4, 9, 16, 25, 36, 50, 66)  # points between a marker and its label, nearest first
ANGLES = (20, -20, 60, -60, 110, -110, 160, -160, 90, -90, 0, 180)  # degrees, right first


def text_boxes(fig, texts) -> list[tuple[str, object]]:
    """(text, display bbox) of the visible, non-empty texts, on the figure as drawn."""
    renderer = fig.canvas.get_renderer()
    return [(t.get_text(), t.get_window_extent(renderer)) for t in texts
            if t.get_visible() and t.get_text().strip()]


def overlapping(boxes) -> list[tuple[str, str]]:
    """Pairs of (text, bbox) whose boxes overlap."""
    return [(a, b) for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2)
            if box_a.overlaps(box_b)]


def freeze_layout(fig) -> None:
    """Draw once so the layout engine places everything, then keep those positions."""
    fig.canvas.draw()
    fig.set_layout_engine("none")


def _offset(radius: float, angle: float) -> tuple[float, float, str, str]:
    dx, dy = radius * math.cos(math.radians(angle)), radius * math.sin(math.radians(angle))
    ha = "left" if dx > 1e-9 else "right" if dx < -1e-9 else "center"
    va = "bottom" if dy > 1e-9 else "top" if dy < -1e-9 else "center"
    return dx, dy, ha, va


def place_labels(ax, points, fontsize: float, marker_pt: float = 6.0) -> list:
    """Annotate (name, x, y) points of ``ax`` (layout frozen) without overlapping boxes.

    Labels are placed in the given order (most important first); a label moved away from its
    point gets a thin leader line; a label with no free place is left out. Returns the
    annotations made.
    """
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    half = renderer.points_to_pixels(marker_pt) / 2
    from matplotlib.transforms import Bbox

    taken = [Bbox.from_extents(px - half, py - half, px + half, py + half)
             for px, py in (ax.transData.transform((x, y)) for _, x, y in points)]
    made = []
    for name, x, y in points:
        note = _first_free(ax, name, x, y, fontsize, renderer, frame, taken)
        if note is not None:
            taken.append(note.get_window_extent(renderer).padded(1.5))
            made.append(note)
    return made


def _first_free(ax, name, x, y, fontsize, renderer, frame, taken):
    for radius, angle in itertools.product(RADII, ANGLES):
        dx, dy, ha, va = _offset(radius, angle)
        note = ax.annotate(
            name, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
            fontsize=fontsize, color="#222222", annotation_clip=False,
            arrowprops={"arrowstyle": "-", "color": "#aaaaaa", "lw": 0.5, "shrinkA": 0,
                        "shrinkB": 2} if radius > RADII[1] else None)
        box = note.get_window_extent(renderer).padded(1.5)
        inside = (box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0
                  and box.y1 <= frame.y1)
        if inside and not any(box.overlaps(other) for other in taken):
            return note
        note.remove()
    return None


def drawn_ticklabels(ax) -> list:
    """The major tick labels of ``ax`` inside its view limits (the ones a reader sees)."""
    out = []
    for axis in (ax.xaxis, ax.yaxis):
        low, high = sorted(axis.get_view_interval())
        slack = 1e-9 * max(1.0, abs(high - low))
        out += [label for loc, label in zip(axis.get_majorticklocs(), axis.get_majorticklabels())
                if low - slack <= loc <= high + slack]
    return out

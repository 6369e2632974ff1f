"""Power curves (:func:`metaeval.correlation.power.power_analysis`) as a figure: power against
the number of items (and of raters), one line per metric pair with +-1 Monte Carlo SE bars,
the 80% target and alpha as reference lines. The same figure is saved as SVG and PNG by
`metaeval power` and inlined (with a table of the sizes needed for 80% power) in the power
section of the `correlate` HTML report (``--power``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from metaeval.correlation.result import CorrelationResult
from metaeval.csvio import csv_text
from metaeval.io import write_set
from metaeval.report import labels
from metaeval.report.figures import STYLE, figure, render_svg
from metaeval.stats.power import TARGET


def power_figure(table: pd.DataFrame, label=str):
    """One panel per unit (items, raters); ``label`` maps a metric to its shown name."""
    units = list(pd.unique(table["unit"]))
    pairs = table[["metric_a", "metric_b"]].drop_duplicates().shape[0]
    fig, axes = figure(4.2 * len(units), 3.0 + 0.18 * min(pairs, 8), 1, len(units))
    for ax, unit in zip(axes[0], units):
        part = table[table["unit"] == unit]
        for (a, b), rows in part.groupby(["metric_a", "metric_b"], sort=False):
            ax.errorbar(rows["n"], rows["power"], yerr=rows["se"], marker="o", ms=3,
                        capsize=2, label=f"{label(a)} > {label(b)}")
        ax.axhline(TARGET, color="#555555", ls="--", lw=0.8)
        ax.axhline(float(part["alpha"].iloc[0]), color="#999999", ls=":", lw=0.8)
        ax.set_xlabel(f"number of {unit}" + (" per cell" if unit == "raters" else ""))
        ax.set_ylabel("power (share significant)")
        ax.set_ylim(-0.03, 1.03)
    handles, names = axes[0][0].get_legend_handles_labels()
    if len(names) <= 8:  # one legend under the panels, clear of the curves
        fig.legend(handles, names, loc="outside lower center", ncols=1 if len(names) > 2 else 2)
    return fig


POWER_FILES = ("power.csv", "power.svg", "power.png")


def power_files(table: pd.DataFrame) -> dict[str, bytes | str]:
    """The files of `metaeval power` (:data:`POWER_FILES`), rendered: the curves as CSV
    (through the one CSV writer) and the figure as SVG and PNG."""
    import io

    import matplotlib

    files: dict[str, bytes | str] = {"power.csv": csv_text(table)}
    with matplotlib.rc_context(STYLE):
        fig = power_figure(table)
        for fmt in ("svg", "png"):
            buffer = io.BytesIO()
            fig.savefig(buffer, format=fmt, dpi=150, metadata={"Date": None} if fmt == "svg"
                        else None)
            files[f"power.{fmt}"] = buffer.getvalue()
    return files


def write_power_files(table: pd.DataFrame, folder: Path) -> dict[str, Path]:
    """Render every file first, then write them as one set into ``folder``
    (:func:`metaeval.io.write_set`): never a CSV without its figure."""
    return write_set(Path(folder), power_files(table), owned=POWER_FILES)


def _needed(value) -> str:
    return "\u2013" if labels.is_missing(value) else f"{value:g}"


def power_context(result: CorrelationResult) -> dict | None:
    """What the template's power section shows; None without a power record."""
    record = getattr(result, "power", None)
    if not record:
        return None
    table = pd.DataFrame(record["curves"])

    def name(metric: str) -> str:
        return labels.metric_label(result, metric)

    plot = (render_svg(power_figure, "power", "power against the number of items and raters",
                       table, name) if len(table) else None)
    rows = [{"a": name(p["metric_a"]), "b": name(p["metric_b"]),
             "items": _needed(p["items_needed_80"]), "raters": _needed(p["raters_needed_80"]),
             "note": p["note"]} for p in record["pairs"]]
    return {**{key: record[key] for key in ("method", "variance", "alpha", "seed", "reps", "k")},
            "coefficient": labels.coefficient_name(record["coefficient"]),
            "level": labels.LEVEL_DESCRIPTIONS.get(record["level"], record["level"]),
            "grid": ", ".join(map(str, record["grid"])),
            "raters": ", ".join(map(str, record["raters"])), "plot": plot, "rows": rows,
            "has_raters": bool(record["raters"])}

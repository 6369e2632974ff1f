"""Power curves (:func:`metaeval.correlation.power.power_analysis`) as a figure: power against
the number of items (and of raters), one line per metric pair with +-1 Monte Carlo SE bars,
the 80% target and alpha as reference lines; saved as SVG and PNG."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from metaeval.io import write_atomic
from metaeval.report.figures import STYLE, figure
from metaeval.stats.power import TARGET


def power_figure(table: pd.DataFrame):
    """One panel per unit (items, raters)."""
    units = list(pd.unique(table["unit"]))
    fig, axes = figure(4.2 * len(units), 3.2, 1, len(units))
    for ax, unit in zip(axes[0], units):
        part = table[table["unit"] == unit]
        for (a, b), rows in part.groupby(["metric_a", "metric_b"], sort=False):
            ax.errorbar(rows["n"], rows["power"], yerr=rows["se"], marker="o", ms=3,
                        capsize=2, label=f"{a} > {b}")
        ax.axhline(TARGET, color="#555555", ls="--", lw=0.8)
        ax.axhline(float(part["alpha"].iloc[0]), color="#999999", ls=":", lw=0.8)
        ax.set_xlabel(f"number of {unit}" + (" per cell" if unit == "raters" else ""))
        ax.set_ylabel("power (share significant)")
        ax.set_ylim(-0.03, 1.03)
        if part[["metric_a", "metric_b"]].drop_duplicates().shape[0] <= 8:
            ax.legend(loc="lower right")
    return fig


def write_power_plots(table: pd.DataFrame, folder: Path) -> list[Path]:
    """power.svg and power.png in ``folder``."""
    import io

    import matplotlib

    written = []
    with matplotlib.rc_context(STYLE):
        fig = power_figure(table)
        for fmt in ("svg", "png"):
            buffer = io.BytesIO()
            fig.savefig(buffer, format=fmt, dpi=150, metadata={"Date": None} if fmt == "svg"
                        else None)
            written.append(write_atomic(Path(folder) / f"power.{fmt}", buffer.getvalue()))
    return written

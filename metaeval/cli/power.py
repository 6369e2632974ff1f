"""`metaeval power`: power of "A correlates better than B" against the number of items/raters.

Prints the curve per metric pair (plain table) and the items needed for 80% power; writes
power.csv, power.svg and power.png into ``--out`` (the figure the `correlate --power` HTML
section inlines). ``--method simulate`` draws each panel from the fitted rater variance
instead of subsampling the real ratings, so ``--raters`` may exceed the real panel.
"""

from __future__ import annotations

from pathlib import Path

import typer

from metaeval.cli.app import app
from metaeval.cli.common import choice_enum, cli_errors, echo, ints, split, value_of
from metaeval.cli.correlate import DATA_OPTION, Domain
from metaeval.cli.options import (
    DOMAIN_OPTION,
    ITEM_OPTION,
    LOWER_OPTION,
    RATER_OPTION,
    SEED_OPTION,
    SYSTEM_OPTION,
)
from metaeval.cli.text import text_table
from metaeval.correlation import judgements
from metaeval.correlation.power import METHODS, power_analysis
from metaeval.io import check_output_folder
from metaeval.report.formatting import fmt
from metaeval.report.power import POWER_FILES, write_power_files
from metaeval.stats.rater_variance import VARIANCES

Method = choice_enum("PowerMethod", METHODS)
Variance = choice_enum("RaterVariance", VARIANCES)


@app.command("power")
def power_command(
    domain: Domain = DOMAIN_OPTION,
    data: Path = DATA_OPTION,
    item: str = ITEM_OPTION,
    system: str = SYSTEM_OPTION,
    human: str = typer.Option(None, help="Human score column (default: the first)."),
    rater: str = RATER_OPTION,
    metrics: str = typer.Option(None, help="Comma-separated metrics; every ordered pair is "
                                           "tested (two metrics: both directions)."),
    lower_is_better: str = LOWER_OPTION,
    grid: str = typer.Option("10,20,40", help="Item counts (subsamples without replacement)."),
    raters: str = typer.Option(None, help="Ratings per cell to subsample or simulate (needs "
                                          "individual ratings), e.g. 3,6,12."),
    method: Method = typer.Option("subsample", help="subsample the real ratings, or simulate "
                                                    "panels from the fitted rater variance."),
    variance: Variance = typer.Option("cell", help="simulate: per-stimulus (cell) or pooled "
                                                   "rater variance (one-way ANOVA)."),
    panel: int = typer.Option(None, help="simulate: raters per cell on the items curve "
                                         "(default: the real median panel)."),
    reps: int = typer.Option(200, help="Subsamples per grid point."),
    k: int = typer.Option(100, help="PERM-BOTH draws per subsample."),
    alpha: float = typer.Option(0.05, help="Significance level."),
    coef: str = typer.Option("pearson", help="Coefficient."),
    level: str = typer.Option("none", help="Level (none, item, sys, system)."),
    seed: int = SEED_OPTION,
    out: Path = typer.Option(Path("reports/power"), help="Folder for power.csv/svg/png."),
) -> None:
    """Estimate the power of the paired metric comparison by subsampling items and raters
    (or simulating raters)."""
    with cli_errors({"grid": "--grid", "raters": "--raters", "coefficient": "--coef",
                     "method": "--method", "variance": "--variance", "panel": "--panel"}):
        folder = check_output_folder(out, owned=POWER_FILES)
        scoring = domain is not None and data is None
        js, _ = judgements(domain=value_of(domain), data=data, item=item, system=system,
                           human=human, rater=rater,
                           metrics=None if scoring else (split(metrics) or None),
                           score_metrics=split(metrics) or None if scoring else None,
                           lower_is_better=split(lower_is_better), progress=False)
        table = power_analysis(js, split(metrics) or None, human, ints(grid, "grid"),
                               ints(raters, "raters"), reps, k, alpha, coef, level, seed,
                               value_of(method), value_of(variance), panel)
        written = write_power_files(table, folder)
        print_curves(table)
        echo("wrote " + ", ".join(str(p) for p in written.values()))


def print_curves(table) -> None:
    """One plain table per ordered pair and unit, then the size needed for 80% power."""
    for (a, b, unit), part in table.groupby(["metric_a", "metric_b", "unit"], sort=False):
        drawn = "subsamples" if part["method"].iloc[0] == "subsample" else "simulations"
        echo(f"{a} better than {b} ({unit}; PERM-BOTH k={part['k'].iloc[0]}, "
             f"alpha={part['alpha'].iloc[0]}, {part['reps'].iloc[0]} {drawn})")
        rows = [[str(r["n"]), fmt(r["power"]), fmt(r["se"])] for r in part.to_dict("records")]
        echo(text_table([unit, "power", "se"], rows, right=(0, 1, 2)))
        needed = part["needed_80"].iloc[0]
        echo(f"{unit} needed for 80% power: "
             + (str(int(needed)) if needed == needed else f"n/a ({part['note'].iloc[0]})"))
        echo()

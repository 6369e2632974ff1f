"""The --power options of `metaeval correlate` and their settings (:class:`PowerSettings`)."""

from __future__ import annotations

import typer

from metaeval.cli.common import choice_enum, ints, split, value_of
from metaeval.correlation.power import METHODS
from metaeval.correlation.power_curves import PowerSettings
from metaeval.errors import ParameterError

POWER_OPTION = typer.Option(
    False, "--power/--no-power",
    help="Also power curves: the probability that 'top metric better than the next 3' is "
         "significant for n items / m ratings per cell, and the items needed for 80% power "
         "(report section 'Power', results.json 'power'; small grids, 100 draws each).",
    rich_help_panel="Power")
POWER_PAIR_OPTION = typer.Option(None, help="With --power (implies it): only this pair, A,B "
                                            "(is A better than B?).", rich_help_panel="Power")
PowerMethod = choice_enum("PowerMethod", METHODS)
POWER_METHOD_OPTION = typer.Option("subsample", help="--power: subsample the real items and "
                                   "ratings, or simulate panels from the fitted per-stimulus "
                                   "rater variance (ratings per cell beyond the real panel).",
                                   rich_help_panel="Power")
POWER_GRID_OPTION = typer.Option(None, help="--power item counts (default 20%, 40%, ..., 100% "
                                            "of the items).", rich_help_panel="Power")
POWER_RATERS_OPTION = typer.Option(None, help="--power ratings per cell (default 1, 2, 4, ... "
                                              "up to the panel; twice it when simulating).",
                                  rich_help_panel="Power")
POWER_REPS_OPTION = typer.Option(100, help="--power subsamples (simulations) per grid point.",
                                 rich_help_panel="Power")


def power_settings(power, power_pair, power_method, power_grid, power_raters,
                   power_reps) -> PowerSettings | None:
    """The --power options as settings (None without --power or --power-pair)."""
    pair = split(power_pair)
    if not (power or pair):
        return None
    if power_pair is not None and len(pair) != 2:
        raise ParameterError("power_pair", power_pair, "give two metrics as A,B.",
                             "e.g. --power-pair visqol,sisdr.")
    return PowerSettings(pair=tuple(pair) or None, method=value_of(power_method),
                         grid=tuple(ints(power_grid, "power_grid")),
                         raters=tuple(ints(power_raters, "power_raters")), reps=power_reps)

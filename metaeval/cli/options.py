"""Options that several commands share (`correlate`, `explain`, `power`, `challenge`): one
definition, one help text."""

from __future__ import annotations

import typer

DOMAIN_OPTION = typer.Option(None, help="Use the bundled data set of a domain.")
ITEM_OPTION = typer.Option(None, help="Column naming the item (stimulus / segment).")
SYSTEM_OPTION = typer.Option(None, help="Column naming the system (model / condition).")
RATER_OPTION = typer.Option(None, help="Column with the rater id when rows are single ratings.")
LOWER_OPTION = typer.Option(None, help="Metrics where lower is better (sign-flipped).")
SEED_OPTION = typer.Option(0, help="Seed of every random draw.")

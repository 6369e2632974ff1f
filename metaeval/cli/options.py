"""Options that several commands share (`correlate`, `explain`, `power`, `challenge`): one
definition, one help text, one ``--help`` panel."""

from __future__ import annotations

import typer

DATA = "Data"
DOMAIN_OPTION = typer.Option(None, help="Use the real study of a domain (audio: GSVS, mt: WMT21 "
                                        "TED en-de MQM, text: SummEval).", rich_help_panel=DATA)
ITEM_OPTION = typer.Option(None, help="Column naming the item (stimulus / segment); default: "
                                      "the dataset card's, else the column named item.",
                           rich_help_panel=DATA)
SYSTEM_OPTION = typer.Option(None, help="Column naming the system (model / condition); default: "
                                        "the dataset card's, else the column named system.",
                             rich_help_panel=DATA)
RATER_OPTION = typer.Option(None, help="Column with the rater id when rows are single ratings.",
                            rich_help_panel=DATA)
LOWER_OPTION = typer.Option(None, help="Metrics where lower is better (sign-flipped).",
                            rich_help_panel=DATA)
SEED_OPTION = typer.Option(0, help="Seed of every random draw.", rich_help_panel="Statistics")

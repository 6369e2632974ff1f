"""`metaeval correlate --data-format pairwise|best-of-n`: metrics against human choices.

The choices (one file) and the metric scores (``--scores``: item, system, metric columns) are
read and checked first, then :func:`metaeval.correlation.preferences.correlate_choices` runs and
the reports are written (index.html with the preference section, results.csv/json,
table.tex, per_item.csv, bradley_terry.csv, vote_shares.csv). The terminal shows one table per
level (every statistic and metric: value, interval, cluster, chance, human ceiling, epsilon)
and the Bradley-Terry ranks.
"""

from __future__ import annotations

from pathlib import Path

import typer

from metaeval.cli.common import echo, note
from metaeval.cli.text import text_table
from metaeval.correlation.preference_inputs import load_choices
from metaeval.correlation.preference_settings import SHARED, PreferenceSettings
from metaeval.correlation.preferences import correlate_choices
from metaeval.correlation.settings import Settings
from metaeval.data.preferences import CHOICE_FORMATS  # noqa: F401 (re-exported)
from metaeval.errors import ParameterError
from metaeval.io import check_output_folder, safe_name
from metaeval.report import FORMATS, write_reports
from metaeval.report.formatting import fmt, fmt_interval, is_missing
from metaeval.spec import defaults

DATA = "Data"
SYSTEM_A_OPTION = typer.Option(None, help="Pairwise choices: column of the first system "
                                          "(default system_a).", rich_help_panel=DATA)
SYSTEM_B_OPTION = typer.Option(None, help="Pairwise choices: column of the second system "
                                          "(default system_b).", rich_help_panel=DATA)
WINNER_OPTION = typer.Option(None, help="Pairwise choices: column with a, b or tie (default "
                                        "winner).", rich_help_panel=DATA)
PICKED_OPTION = typer.Option(None, help="Best-of-N choices: column with 1 for the picked "
                                        "candidate, 0 for the others (default picked).",
                             rich_help_panel=DATA)
NOT_FOR_CHOICES = {"domain": None, "human": (), "image": None, "images": None,
                   "exclude_systems": (), "mqm_weights": None, "protocol_name": None,
                   "power": None, "missing": "error", "lp": (), "gold": None, "ref": None}


def refuse_choice_options(options: dict) -> None:
    """Pops the choice-only options of a rating run; one that was given is refused."""
    options.pop("choice_options", None)
    for name in ("system_a", "system_b", "winner", "picked"):
        if options.pop(name, None) is not None:
            raise ParameterError(name, True, "applies to --data-format pairwise or best-of-n.",
                                 f"leave out --{name.replace('_', '-')}.")


def _refuse_others(options: dict, chosen: dict) -> None:
    """Options that do not apply to choices are refused, never silently ignored."""
    for name, default in NOT_FOR_CHOICES.items():
        value = options.get(name, default)
        if value not in (default, None) and not (isinstance(default, tuple) and not value):
            shown = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else value
            raise ParameterError(name, shown, "does not apply to choice data.",
                                 f"leave out --{name.replace('_name', '').replace('_', '-')}.")
    default = defaults(Settings)
    other = sorted(k for k in set(chosen) - set(SHARED) if chosen[k] != default.get(k))
    if other:
        raise ParameterError(other[0], chosen[other[0]], "applies to rating tables, not to "
                             "choice data.", f"leave out --{other[0].replace('_', '-')}.")
    if options.get("media") and any(options["media"].get(k) for k in ("manifest", "embed")):
        raise ParameterError("manifest", options["media"].get("manifest"), "does not apply to "
                             "choice data.", "leave out --manifest / --embed-media.")


def _level_table(result, level: str) -> str:
    rows = result.table[result.table["level"] == level]
    ci = round(100 * float(result.settings["ci"]))
    body = [[r["coefficient"], result.display_name(r["metric"]), fmt(r["statistic"]),
             fmt_interval(r["ci_low"], r["ci_high"]),
             "" if is_missing(r["cluster"]) else str(int(r["cluster"])),
             fmt_interval(r["chance_low"], r["chance_high"]), fmt(r["ceiling"]),
             "" if is_missing(r["epsilon"]) else fmt(r["epsilon"])]
            for r in rows.to_dict(orient="records")]
    headers = ["statistic", "metric", "value", f"{ci}% CI", "cl.", "chance", "ceiling", "eps"]
    return f"level {level}\n" + text_table(headers, body, right=(2, 4, 6, 7))


def _strengths_table(result) -> str:
    bt = result.preferences["bradley_terry"]
    sources = list(dict.fromkeys(bt["source"]))
    systems = list(dict.fromkeys(bt["system"]))
    cell = {(r["source"], r["system"]): r for r in bt.to_dict(orient="records")}
    body = [[system, *[(f"{fmt(cell[(s, system)]['strength'])} "
                        f"({'' if is_missing(cell[(s, system)]['rank']) else int(cell[(s, system)]['rank'])})")
                       if (s, system) in cell else "" for s in sources]]
            for system in systems]
    return ("Bradley-Terry log-strengths (rank)\n"
            + text_table(["system", *[result.display_name(s) if s != "humans" else s
                                      for s in sources]], body, right=tuple(range(1, 1 + len(sources)))))


def print_choice_summary(result, written: dict) -> None:
    for level in dict.fromkeys(result.table["level"]):
        echo(_level_table(result, level))
        echo()
    echo(_strengths_table(result))
    echo()
    echo("cl.: PERM-BOTH significance cluster (1 = best); chance: metric scores shuffled within "
         "items; ceiling: one held-out rater against the majority of the others; eps: the "
         "calibrated tie threshold.")
    for message in result.notes:
        note(f"warning: {message}")
    for name, path in written.items():
        echo(f"{name:>5}: {path}")
    echo(f"signature: {result.signature}")


def run_choices(options: dict) -> Path:
    """Load the choices and scores, run, write the reports, print the summary (``options``:
    `run_correlate`'s keywords)."""
    chosen = dict(options.get("settings_options") or {})
    _refuse_others(options, chosen)
    chosen = {k: v for k, v in chosen.items() if k in SHARED}
    data = list(options.get("data") or [])
    if len(data) != 1:
        raise ParameterError("data", ",".join(map(str, data)), "choices are read from one file.",
                             "give one --data FILE.")
    out = check_output_folder(Path(options["out"]) if options.get("out") else
                              Path("reports") / safe_name(Path(data[0]).stem))
    pset = load_choices(data[0], options["data_format"], options.get("scores"),
                        item=options.get("item"), system=options.get("system"),
                        rater=options.get("rater"), system_a=options.get("system_a"),
                        system_b=options.get("system_b"), winner=options.get("winner"),
                        picked=options.get("picked"), metrics=options.get("metrics") or None,
                        lower_is_better=options.get("lower_is_better") or ())
    result = correlate_choices(pset, settings=Settings(**chosen),
                               choices=PreferenceSettings(**(options.get("choice_options") or {})))
    written = write_reports(result, out, formats=options.get("formats") or list(FORMATS),
                            latex_layout=options["latex_layout"])
    if not options.get("quiet"):
        print_choice_summary(result, written)
    return out

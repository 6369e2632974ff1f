"""`metaeval judge --data verdicts.csv`: diagnostics of a pairwise judge (swap consistency,
first-position win rate, length preference, self-preference), a table on stdout and the report
folder (``results.csv``, ``results.json``, ``index.html``). One call of
:func:`metaeval.judge.judge_diagnostics`."""

from __future__ import annotations

from pathlib import Path

import typer

from metaeval.cli.app import app
from metaeval.cli.common import cli_errors, echo, note
from metaeval.cli.settings import settings_flags, with_settings_options
from metaeval.cli.text import text_table
from metaeval.data.datasets import expand
from metaeval.io import check_output_folder, safe_name
from metaeval.judge.api import check_judge_options, judge_diagnostics
from metaeval.judge.settings import JudgeSettings
from metaeval.report.formatting import fmt, fmt_interval, fmt_p
from metaeval.report.judge import JUDGE_FILES, LABELS, write_judge_report


@app.command("judge")
@with_settings_options(JudgeSettings)
def judge_command(
    data: Path = typer.Option(..., "--data", help="Verdict file: item, system_a, system_b, "
                              "winner (a|b|tie), optional first, length_a/length_b or "
                              "text_a/text_b, judge, judge_system."),
    out: Path = typer.Option(None, help="Report folder (default reports/judge/<file name>)."),
    k: int = typer.Option(1000, help="Bootstrap draws over items."),
    seed: int = typer.Option(0, help="Seed of the bootstrap draws."),
    ci: float = typer.Option(0.95, help="Confidence level of the intervals."),
    quiet: bool = typer.Option(False, help="No table on the terminal."),
    settings_options: dict | None = None,
) -> None:
    """Position, length and self-preference biases of a pairwise judge, each with a CI."""
    with cli_errors(settings_flags(JudgeSettings)):
        run_judge(data=data, out=out, k=k, seed=seed, ci=ci, quiet=quiet,
                  **(settings_options or {}))


def run_judge(*, data, out=None, k=1000, seed=0, ci=0.95, quiet=False, length_unit="chars"):
    """Check the options, read the verdicts, compute, write the report; returns (result,
    written files)."""
    check_judge_options(k, seed, ci, length_unit)
    check_output_folder(out if out else Path("reports"), owned=JUDGE_FILES if out else None)
    result = judge_diagnostics(expand(data), k=k, seed=seed, ci=ci, length_unit=length_unit)
    folder = Path(out) if out else Path("reports") / "judge" / safe_name(result.verdicts.name)
    written = write_judge_report(result, folder)
    if not quiet:
        print_judge(result, written)
    return result, written


def print_judge(result, written) -> None:
    ci = round(100 * result.settings["ci"])
    c = result.counts
    echo(f"{result.verdicts.name}: {c['verdicts']} verdicts, {c['judges']} judge(s), "
         f"{c['items']} items, {c['systems']} systems")
    rows = [[r["judge"], LABELS[r["diagnostic"]], fmt(r["statistic"]),
             fmt_interval(r["ci_low"], r["ci_high"]), fmt_p(r["pvalue"], missing=""),
             str(r["n"])] for r in result.table.to_dict(orient="records")]
    echo(text_table(["judge", "diagnostic", "value", f"{ci}% CI", "p (vs 0.5)", "n"], rows,
                    right=(2, 3, 4, 5)))
    for line in result.notes:
        note(f"note: {line}")
    for path in written.values():
        echo(f"wrote {path}")
    echo(f"signature: {result.signature}")

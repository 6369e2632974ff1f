"""One `correlate` call of the CLI: the cost estimate and a progress bar on stderr; the call
itself carries out the additions the settings ask for (ranking stability, stored draws, the
--meta-by meta-analysis, power)."""

from __future__ import annotations

import typer

from metaeval.cli.common import warn
from metaeval.correlation import run
from metaeval.progress import LineProgress

WORKERS_OPTION = typer.Option(
    None, min=1, help="Threads for the (group, level, coefficient) tasks (default: the cores, at "
                      "most 4); the numbers do not depend on it.", rich_help_panel="Speed")
def run_one(js, metrics, human, settings, note, quiet, force=False, workers=None, power=None,
            taskset=None):
    """`run` of ``taskset`` (default: the settings' groups x levels x coefficients) with the
    extras its settings ask for (and ``power``), the cost estimate and a progress bar on stderr
    unless ``quiet``; ``js`` is a judgement set or a source (mt-metrics-eval evalsets)."""
    options = {"metrics": metrics, "human": human, "settings": settings, "note": note,
               "force": force, "workers": workers, "power": power, "taskset": taskset}
    if quiet:
        return run(js, **options)
    return _with_progress(js, options)


def _with_progress(js, options):
    """`correlate` with the cost estimate and progress on stderr: a bar on a terminal, plain
    lines otherwise (:class:`metaeval.progress.LineProgress`)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if not console.is_terminal:  # a log file: plain lines at most every 30 s
        lines = LineProgress("correlate", unit="tasks")
        result = run(js, announce=lambda line: warn(f"note: {line}"),
                     progress=lambda label, done, total: lines.update(done, total, label),
                     **options)
        lines.close()
        return result
    with Progress(TextColumn("correlate {task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("starting", total=None)

        def report(label: str, done: int, total: int) -> None:
            bar.update(task, description=label, completed=done, total=total)

        return run(js, progress=report, announce=lambda line: bar.console.print(
            f"note: {line}", markup=False, highlight=False), **options)

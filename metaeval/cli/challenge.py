"""`metaeval challenge`: score a challenge set of contrastive pairs with metrics (ACES protocol)
and write its report folder (``index.html``, ``table.tex``, ``results.csv``, ``results.json``).

The summary (stdout) is the ranking by the headline statistic and the category means; the
scoring progress bar and warnings go to stderr.
"""

from __future__ import annotations

from pathlib import Path

import typer

from metaeval.challenge.evaluate import check_options, evaluate
from metaeval.challenge.sets import REGISTERED, read_challenge_set
from metaeval.challenge.settings import ChallengeSettings
from metaeval.cli.app import app
from metaeval.cli.common import cli_errors, echo, note
from metaeval.cli.options import (
    SEED_OPTION,
)
from metaeval.cli.settings import settings_flags, with_settings_options
from metaeval.cli.text import text_table
from metaeval.errors import ParameterError
from metaeval.io import check_output_folder, safe_name
from metaeval.metrics.options import parse_metric_list
from metaeval.report.challenge import FILES, write_challenge_report
from metaeval.report.challenge_data import category_matrix
from metaeval.report.formatting import fmt, fmt_interval
from metaeval.score.cache import DEFAULT_CACHE_DIR


@app.command("challenge")
@with_settings_options(ChallengeSettings)
def challenge_command(
    set_: str = typer.Option(..., "--set", help=f"Challenge set: a TSV, JSONL or JSON file in "
                                                f"the ACES layout, or {', '.join(REGISTERED)}."),
    metrics: str = typer.Option("chrf,bleu", help="Comma-separated metrics with options, e.g. "
                                                   "'chrf,bleu,bertscore:model=minilm'."),
    out: Path = typer.Option(None, help="Report folder (default reports/challenge/<set>/)."),
    k: int = typer.Option(1000, help="Bootstrap draws and permutations."),
    seed: int = SEED_OPTION,
    ci: float = typer.Option(0.95, help="Confidence level of the intervals."),
    alpha: float = typer.Option(0.05, help="Significance level of the clusters."),
    device: str = typer.Option("cpu", help="cpu or cuda."),
    cache: Path = typer.Option(None, help="Score cache folder (default .cache/metaeval-scores)."),
    formats: str = typer.Option("html,latex,csv,json", "--format",
                                help=f"Report formats: {', '.join(FILES)}."),
    quiet: bool = typer.Option(False, help="No progress bar or summary table."),
    settings_options: dict | None = None,
) -> None:
    """Per-phenomenon accuracy of metrics on contrastive pairs (ACES tau, ACES-Score)."""
    with cli_errors(settings_flags(ChallengeSettings)):
        run_challenge(set_=set_, metrics=metrics, out=out, k=k, seed=seed, ci=ci, alpha=alpha,
                      device=device, cache=cache, formats=formats, quiet=quiet,
                      **(settings_options or {}))


def _check(k: int, seed: int, ci: float, alpha: float, formats: list[str]) -> None:
    check_options(k, seed, ci, alpha)  # the library's check, before anything is read
    unknown = [f for f in formats if f not in FILES]
    if unknown:
        raise ParameterError("format", ",".join(unknown), f"choose from {', '.join(FILES)}.")


def run_challenge(*, set_, metrics="chrf,bleu", out=None, k=1000, seed=0, ci=0.95, alpha=0.05,
                  device="cpu", cache=None, formats="html,latex,csv,json", quiet=False,
                  **challenge_settings):
    """Read, score, evaluate and report a challenge set; return (result, written files).
    ``challenge_settings``: the fields of :class:`ChallengeSettings` (``min_pairs``)."""
    chosen_formats = [f.strip() for f in str(formats).split(",") if f.strip()]
    _check(k, seed, ci, alpha, chosen_formats)
    settings = ChallengeSettings(**challenge_settings)
    parse_metric_list(metrics)  # option errors before reading anything
    check_output_folder(out if out else Path("reports"), owned=FILES.values() if out else None)
    challenge = read_challenge_set(set_)
    result = evaluate(challenge, metrics, k=k, seed=seed, ci=ci, alpha=alpha, device=device,
                      cache_dir=Path(cache) if cache else DEFAULT_CACHE_DIR,
                      progress=not quiet, min_pairs=settings.min_pairs)
    folder = Path(out) if out else Path("reports") / "challenge" / safe_name(challenge.name)
    written = write_challenge_report(result, folder, chosen_formats)
    if not quiet:
        print_summary(result, written)
    return result, written


def print_summary(result, written) -> None:
    """The ranking and the category means on stdout; notes on stderr."""
    ci = round(100 * float(result.settings["ci"]))
    echo(f"{result.challenge.name}: {result.settings['pairs']} pairs, headline "
         f"{result.headline} ({ci}% CI; cluster 1 = best, PERM-BOTH)")
    rows = [[r["metric"] + (" (-)" if result.metrics[r["metric"]] == "lower" else ""),
             fmt(r["statistic"]), fmt_interval(r["ci_low"], r["ci_high"]),
             "" if r["cluster"] != r["cluster"] else str(int(r["cluster"]))]
            for r in result.ranking.to_dict(orient="records")]
    echo(text_table(["metric", result.headline, "CI", "cluster"], rows, right=(1, 2, 3)))
    matrix = category_matrix(result)
    columns = [c for c in dict.fromkeys(matrix.columns.get_level_values(1))
               if c != result.headline]
    echo()
    echo(text_table(["metric"] + columns,
                    [[m] + [fmt(matrix.loc[m, ("statistic", c)]) for c in columns]
                     for m in matrix.index], right=tuple(range(1, len(columns) + 1))))
    for line in result.notes[1:]:
        note(f"note: {line}")
    echo()
    for path in written.values():
        echo(f"wrote {path}")
    echo(f"signature: {result.signature}")

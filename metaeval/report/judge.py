"""The judge-diagnostics report folder: ``results.csv`` (one row per judge and diagnostic,
through :mod:`metaeval.csvio`), ``results.json`` (signature, settings, counts, notes, table) and
one self-contained ``index.html`` (a section per judge, the methods and the signature), written
as a set (:func:`metaeval.io.write_set`) from a :class:`~metaeval.judge.api.JudgeResult`."""

from __future__ import annotations

from pathlib import Path

from metaeval.csvio import csv_text
from metaeval.io import write_set
from metaeval.judge.api import JudgeResult
from metaeval.judge.diagnostics import COLUMNS
from metaeval.report.formatting import fmt, fmt_interval, fmt_p
from metaeval.report.templating import render

JUDGE_FILES = ("results.csv", "results.json", "index.html")
LABELS = {"swap_consistency": "swap consistency",
          "swap_first_biased": "both orders won by the first-shown answer",
          "swap_second_biased": "both orders won by the second-shown answer",
          "first_position_win_rate": "first-position win rate",
          "length_preference_rate": "length preference (longer answer wins)",
          "self_win_rate": "own system's win rate, this judge",
          "reference_win_rate": "own system's win rate, other judges",
          "self_preference": "self-preference (difference)"}


def _judge_table(result: JudgeResult, judge: str, ci: int) -> dict:
    rows = result.table[result.table["judge"] == judge].to_dict(orient="records")
    return {"id": f"judge-{judge}", "numeric": (1, 2, 3, 4, 5, 6),
            "caption": f"{judge}: {ci}% intervals (Clopper-Pearson; self-preference: bootstrap "
                       "over items) and the item-bootstrap interval",
            "headers": ["Diagnostic", "value", "CI", "items bootstrap", "p (vs 0.5)", "n",
                        "left out", "note"],
            "rows": [[LABELS[r["diagnostic"]], fmt(r["statistic"]),
                      fmt_interval(r["ci_low"], r["ci_high"]) or "\u2013",
                      fmt_interval(r["boot_low"], r["boot_high"]) or "\u2013",
                      fmt_p(r["pvalue"]), r["n"], r["excluded"], r["note"]] for r in rows]}


def methods_paragraph(result: JudgeResult) -> str:
    s = result.settings
    ci = round(100 * s["ci"])
    return (f"Each diagnostic is a share with its exact {ci}% Clopper-Pearson interval "
            "(verdicts as independent trials) and the percentile interval over "
            f"{s['k']} bootstrap draws of items (seed {s['seed']}). Swap consistency: of the "
            "pairs judged in both orders, the share whose verdicts name the same winner (a tie "
            "twice counts as the same). First-position win rate: of the non-tie verdicts, the "
            "share won by the answer shown first, with the exact two-sided binomial test of "
            "0.5. Length preference: of the non-tie verdicts between answers of different "
            "lengths, the share won by the longer one, with the binomial test of 0.5 (ties "
            "and equal lengths left out and counted). Self-preference: the judge's own "
            "system's win rate in its verdicts minus its win rate in other judges' verdicts "
            "on the same comparisons, with a bootstrap interval over items (Zheng et al. "
            "2023, Judging LLM-as-a-Judge with MT-Bench and Chatbot Arena, section 3.3).")


def render_judge_html(result: JudgeResult) -> str:
    ci = round(100 * result.settings["ci"])
    c = result.counts
    return render(
        "tables.html.j2", title=result.verdicts.name, kind="judge diagnostics",
        subtitle="Biases of a pairwise judge: position, length and self-preference",
        facts=[f"{c['verdicts']} verdicts", f"{c['judges']} judge(s)", f"{c['items']} items",
               f"{c['systems']} systems", f"order from: {result.verdicts.position_source}",
               f"lengths: {result.verdicts.lengths}",
               f"k = {result.settings['k']}, seed = {result.settings['seed']}"],
        notes=result.notes,
        sections=[{"id": "diagnostics", "title": "Diagnostics per judge", "text": "",
                   "tables": [_judge_table(result, j, ci) for j in result.verdicts.judges]}],
        methods=methods_paragraph(result), signature=str(result.signature),
        footer="Written by metaeval judge. Files next to this page: results.csv, "
               "results.json.")


def write_judge_report(result: JudgeResult, out_dir: str | Path) -> dict[str, Path]:
    """Write :data:`JUDGE_FILES` as a set into ``out_dir``; returns name -> path."""
    texts = {"index.html": render_judge_html(result),
             "results.csv": csv_text(result.table, COLUMNS),
             "results.json": result.to_json() + "\n"}
    return write_set(Path(out_dir), texts, owned=JUDGE_FILES)

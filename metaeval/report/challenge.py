"""The challenge-set report folder: ``index.html`` (one self-contained page), ``table.tex``,
``results.csv`` and ``results.json`` from a :class:`ChallengeResult`.

The page has the ranking by the headline statistic (ACES-Score, or the mean of the phenomenon
taus for sets without ACES categories) with CIs and significance clusters, the category means
(with the ACES categories the set lacks named as absent), a bar chart of the category means
with their CIs, the per-phenomenon table as in the ACES paper (phenomena with fewer than
``min_pairs`` pairs in a table of their own), the per-language-pair headline, PERM-BOTH
p-values, Span-F1 where the set marks error spans, the pairs each metric gets most wrong
(scores, and TIGERScore's error analyses), the methods and the signature. Wide tables scroll
sideways inside the page with their first column fixed; metric names in headers wrap.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from metaeval.challenge.evaluate import RESULT_COLUMNS, ChallengeResult
from metaeval.csvio import csv_text
from metaeval.errors import MetaevalError
from metaeval.io import json_safe, write_set
from metaeval.paths import display_path
from metaeval.report import challenge_data as data
from metaeval.report.challenge_latex import challenge_latex
from metaeval.report.figures import PALETTE, figure, render_svg
from metaeval.report.formatting import fmt, fmt_interval, fmt_p
from metaeval.report.templating import render

FILES = {"html": "index.html", "latex": "table.tex", "csv": "results.csv",
         "json": "results.json"}


def category_plot_svg(result: ChallengeResult) -> str:
    """Grouped bars: the pooled mean tau of each category per metric, with its CI."""
    return render_svg(_draw_categories, "challenge-categories",
                      "Mean tau per category and metric with bootstrap CIs", result)


def _draw_categories(result: ChallengeResult):
    matrix = data.category_matrix(result)
    cats = [c for c in data.categories(result) if ("statistic", c) in matrix.columns]
    metrics = list(matrix.index)
    width = max(5.0, 0.55 * len(cats) * max(1, len(metrics)) ** 0.5 + 2.0)
    fig, axes = figure(min(width, 11.0), 3.6)
    ax = axes[0][0]
    x = np.arange(len(cats))
    bar = 0.8 / max(1, len(metrics))
    for j, metric in enumerate(metrics):
        tau = matrix.loc[metric, [("statistic", c) for c in cats]].to_numpy(float)
        low = matrix.loc[metric, [("ci_low", c) for c in cats]].to_numpy(float)
        high = matrix.loc[metric, [("ci_high", c) for c in cats]].to_numpy(float)
        err = np.vstack([np.clip(tau - low, 0, None), np.clip(high - tau, 0, None)])
        err = np.where(np.isfinite(err), err, 0.0)
        ax.bar(x + (j - (len(metrics) - 1) / 2) * bar, tau, bar * 0.92, yerr=err,
               color=PALETTE[j % len(PALETTE)], label=metric, capsize=2,
               error_kw={"elinewidth": 0.8, "ecolor": "#333333"})
    ax.axhline(0.0, color="#888888", linewidth=0.8)
    ax.set_ylim(-1.05, 1.05)
    ax.set_xticks(x, cats, rotation=25 if len(cats) > 4 else 0,
                  ha="right" if len(cats) > 4 else "center")
    ax.set_ylabel("tau (C - D) / (C + D)")
    ax.legend(ncols=min(4, len(metrics)), loc="lower left")
    return fig


def _cell(tau, low, high) -> dict:
    """A value with its interval; a value whose draws were all equal says "no interval" (the
    results.csv note gives the reason)."""
    interval = fmt_interval(low, high, 2)
    return {"value": fmt(tau), "ci": interval or ("" if fmt(tau) == fmt(None) else
                                                  "no interval")}


def _ranking(result: ChallengeResult) -> list[dict]:
    head = data.pooled(result)
    head = head[(head["phenomenon"] == "") & (head["category"] == result.headline)]
    n = dict(zip(head["metric"], head["n"]))
    return [{"metric": r["metric"], "direction": result.metrics[r["metric"]],
             "config": result.configs.get(r["metric"], ""), **_cell(r["statistic"], r["ci_low"],
                                                                    r["ci_high"]),
             "cluster": "" if r["cluster"] != r["cluster"] else int(r["cluster"]),
             "n": int(n.get(r["metric"], 0))}
            for r in result.ranking.to_dict(orient="records")]


def _matrix_rows(result: ChallengeResult, langpair: str = "") -> tuple[list[str], list[dict]]:
    matrix = data.category_matrix(result, langpair)
    columns = [c for c in dict.fromkeys(matrix.columns.get_level_values(1))]
    rows = [{"metric": m, "cells": [_cell(matrix.loc[m, ("statistic", c)], matrix.loc[m, ("ci_low", c)],
                                          matrix.loc[m, ("ci_high", c)]) for c in columns]}
            for m in matrix.index]
    return columns, rows


def _phenomena(rows: list[dict], metrics: list[str]) -> list[dict]:
    return [{"phenomenon": r["phenomenon"], "category": r["category"], "n": r["n"],
             "cells": [_cell(*r["cells"].get(m, (np.nan, np.nan, np.nan))) for m in metrics]}
            for r in rows]


def _langpairs(result: ChallengeResult, metrics: list[str]) -> list[dict]:
    table = result.table
    rows = []
    for lp in data.langpairs(result):
        part = table[(table["langpair"] == lp) & (table["phenomenon"] == "")
                     & (table["category"] == result.headline)].set_index("metric")
        rows.append({"langpair": lp, "n": int(part["n"].max()) if len(part) else 0,
                     "cells": [_cell(*(part.loc[m, ["statistic", "ci_low", "ci_high"]]
                                       if m in part.index else (np.nan,) * 3)) for m in metrics]})
    return rows


def _hardest(result: ChallengeResult, metrics: list[str], n: int) -> list[dict]:
    out = []
    for metric in metrics:
        pairs = data.hardest_pairs(result, metric, n)
        for p in pairs:
            p.update(good_score=fmt(p["good_score"], 4), bad_score=fmt(p["bad_score"], 4),
                     margin=fmt(p["margin"], 4))
        out.append({"metric": metric, "pairs": pairs})
    return out


def methods_text(result: ChallengeResult) -> str:
    """Plain text: the protocol, the CIs, the test, the clusters, the seed and the data."""
    s = result.settings
    ci = round(100 * float(s["ci"]))
    head = ("the ACES-Score, 5 x (addition + omission + mistranslation + overtranslation + "
            "undertranslation) + 1 x (untranslated + do not translate + real-world knowledge + "
            "wrong language) + 0.1 x punctuation over the category means (Amrhein et al., WMT "
            "2022)" if result.headline != data.MEAN_TAU
            else "the unweighted mean of the phenomenon taus")
    return " ".join([
        f"Each of the {s['pairs']} contrastive pairs holds a correct and an incorrect "
        "translation of one source; both were scored with every metric (lower-is-better "
        "metrics negated first). " + result.notes[0],
        "A category's score is the mean of its phenomena's taus; the headline statistic is "
        f"{head}.",
        f"Phenomena with fewer than {data.min_pairs(result)} pairs (min_pairs) are reported "
        "apart and enter no category mean, headline, test or cluster (the tau of all pairs "
        "keeps every pair).",
        f"{ci}% percentile bootstrap CIs, stratified: pairs resampled with replacement within "
        f"each phenomenon (the phenomenon sizes fixed), {s['k']} draws shared by all summaries "
        "of a metric and by all metrics.",
        "Metrics were compared with PERM-BOTH on the same pairs and phenomenon weights as the "
        "headline (each pair's outcomes swapped between the two metrics at random, "
        f"{s['k']} permutations; Deutsch et al. 2021), so that the intervals and the tests "
        "measure the same statistic over the same phenomena, and grouped into significance "
        f"clusters at alpha = {s['alpha']} as in the WMT metrics task. Seed {s['seed']}."])


def render_html(result: ChallengeResult, hardest: int = 5) -> str:
    """The report page as one string."""
    metrics = data.metric_order(result)
    columns, category_rows = _matrix_rows(result)
    pairs = result.challenge.pairs
    kept, apart = data.split_phenomena(result)
    return render(
        "challenge.html.j2", name=result.challenge.name, source=display_path(result.challenge.source_file),
        citation=result.challenge.citation, licence=result.challenge.licence,
        headline=result.headline, settings=result.settings, metrics=metrics,
        n_pairs=len(pairs), n_phenomena=pairs["phenomenon"].nunique(),
        langpairs=data.langpairs(result), ranking=_ranking(result), columns=columns,
        category_rows=category_rows, absent=data.absent_categories(result),
        plot=category_plot_svg(result), phenomena=_phenomena(kept, metrics),
        apart=_phenomena(apart, metrics), min_pairs=data.min_pairs(result),
        langpair_rows=_langpairs(result, metrics),
        pairwise=[{"a": r["metric_a"], "b": r["metric_b"], "delta": fmt(r["delta"]),
                   "p": fmt_p(r["pvalue"])} for r in result.pairwise.to_dict(orient="records")],
        spans=[] if result.spans is None else [{"metric": r["metric"], "f1": fmt(r["span_f1"]),
                                                "n": int(r["n"])}
                                               for r in result.spans.to_dict(orient="records")],
        hardest=_hardest(result, metrics, hardest), notes=result.notes[1:],
        methods=methods_text(result), signature=str(result.signature))


def results_csv(result: ChallengeResult) -> str:
    """One row per metric x phenomenon (and per category mean / headline with ``phenomenon``
    empty), pooled rows with ``langpair`` empty: columns ``metric, langpair, phenomenon,
    category, statistic, ci_low, ci_high, n, note`` (the note says why a value or interval is
    missing, or that a phenomenon has fewer than ``min_pairs`` pairs and is reported apart)."""
    return csv_text(result.table, RESULT_COLUMNS)


def results_json(result: ChallengeResult) -> str:
    """Signature, settings, ranking, table, pairwise tests, Span-F1, the phenomena reported
    apart (fewer than ``min_pairs`` pairs) and notes as JSON."""
    record = {"signature": str(result.signature), "settings": result.settings,
              "signature_fields": result.signature.to_dict(), "challenge_set": {
                  "name": result.challenge.name, "pairs": len(result.challenge.pairs),
                  "citation": result.challenge.citation, "licence": result.challenge.licence},
              "headline": result.headline, "metrics": result.metrics,
              "ranking": json_safe(result.ranking), "table": json_safe(result.table),
              "pairwise": json_safe(result.pairwise),
              "spans": None if result.spans is None else json_safe(result.spans),
              "absent_categories": data.absent_categories(result),
              "reported_apart": [{"phenomenon": r["phenomenon"], "category": r["category"],
                                  "n": r["n"]} for r in data.split_phenomena(result)[1]],
              "notes": result.notes}
    return json.dumps(json_safe(record), indent=1, ensure_ascii=False) + "\n"


RENDERERS = {"html": render_html, "latex": challenge_latex, "csv": results_csv,
             "json": results_json}


def write_challenge_report(result: ChallengeResult, out_dir: str | Path,
                           formats=("html", "latex", "csv", "json")) -> dict[str, Path]:
    """Render every requested format first, then write them as a set into ``out_dir``
    (:func:`metaeval.io.write_set`)."""
    formats = list(dict.fromkeys(str(f).lower() for f in formats))
    unknown = [f for f in formats if f not in FILES]
    if unknown:
        raise MetaevalError(f"unknown report format(s) {', '.join(map(repr, unknown))}. Fix: "
                            f"choose from {', '.join(FILES)}.")
    texts = {FILES[f]: RENDERERS[f](result) for f in formats}
    written = write_set(Path(out_dir), texts, owned=FILES.values())
    return {f: written[FILES[f]] for f in formats}

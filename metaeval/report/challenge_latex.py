"""Paper-ready booktabs tables of a challenge-set evaluation (needs ``\\usepackage{booktabs}``).

Table 1, as in the ACES paper: one row per metric (best headline first), one column per
category mean and the headline (ACES-Score or mean tau); bold = the best significance cluster.
Table 2: one row per phenomenon (with its category and number of pairs), one column per metric.
Every text is escaped; control characters are removed from the signature comment.
"""

from __future__ import annotations

import re

import numpy as np

from metaeval.challenge.evaluate import ChallengeResult
from metaeval.report import challenge_data as data
from metaeval.report.formatting import is_missing
from metaeval.report.latex import latex_escape


def _comment(text: str) -> str:
    return "% " + re.sub(r"[\x00-\x1f\x7f]", " ", str(text))


def _num(value, bold: bool = False) -> str:
    if is_missing(value):
        return "--"
    text = f"{float(value):.3f}"
    return rf"$\mathbf{{{text}}}$" if bold else f"${text}$"


def category_table(result: ChallengeResult) -> str:
    """Metric x (category means, headline)."""
    matrix = data.category_matrix(result)
    columns = list(dict.fromkeys(matrix.columns.get_level_values(1)))
    best = {r["metric"] for r in result.ranking.to_dict(orient="records") if r["cluster"] == 1}
    header = " & ".join(["Metric"] + [latex_escape(c) for c in columns])
    lines = [_comment(result.signature), r"\begin{table}[t]", r"\centering", r"\small",
             r"\begin{tabular}{l" + "r" * len(columns) + "}", r"\toprule", header + r" \\",
             r"\midrule"]
    for metric in matrix.index:
        cells = [_num(matrix.loc[metric, ("statistic", c)], c == result.headline and metric in best)
                 for c in columns]
        lines.append(" & ".join([latex_escape(metric)] + cells) + r" \\")
    absent = data.absent_categories(result)
    note = (f" ACES categories absent from the set: {', '.join(absent)}." if absent else "")
    lines += [r"\bottomrule", r"\end{tabular}",
              r"\caption{" + latex_escape(
                  f"{result.challenge.name}: mean tau per category and {result.headline} "
                  f"({len(result.challenge.pairs)} pairs; bold: best significance cluster, "
                  f"PERM-BOTH, alpha {result.settings['alpha']}).{note}") + "}",
              r"\end{table}"]
    return "\n".join(lines)


def phenomenon_table(result: ChallengeResult) -> str:
    """Phenomenon x metric taus (pooled over language pairs)."""
    metrics = data.metric_order(result)
    rows = data.phenomenon_rows(result)
    lines = [r"\begin{table}[t]", r"\centering", r"\small",
             r"\begin{tabular}{llr" + "r" * len(metrics) + "}", r"\toprule",
             " & ".join(["Category", "Phenomenon", "$n$"] + [latex_escape(m) for m in metrics])
             + r" \\", r"\midrule"]
    for r in rows:
        taus = [r["cells"].get(m, (np.nan,))[0] for m in metrics]
        finite = [t for t in taus if not is_missing(t)]
        top = max(finite) if finite else None
        cells = [_num(t, top is not None and not is_missing(t) and t == top) for t in taus]
        lines.append(" & ".join([latex_escape(r["category"]), latex_escape(r["phenomenon"]),
                                 str(r["n"])] + cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}",
              r"\caption{" + latex_escape(f"{result.challenge.name}: tau per phenomenon "
                                          "(bold: best metric of the row).") + "}",
              r"\end{table}"]
    return "\n".join(lines)


def challenge_latex(result: ChallengeResult) -> str:
    """Both tables, separated by a blank line."""
    return category_table(result) + "\n\n" + phenomenon_table(result) + "\n"

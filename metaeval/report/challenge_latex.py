"""Paper-ready booktabs tables of a challenge-set evaluation that fit the column of a one-column
``article`` (needs only ``\\usepackage{booktabs}``).

Both tables have one column per metric (best headline first) and one row per label:

- Table 1: the category means, the tau of all pairs and the headline (ACES-Score or mean tau);
  bold = the best significance cluster of the headline.
- Table 2: the tau of each phenomenon, under its category, with its number of pairs; bold = the
  best metric of the row. Phenomena with fewer than ``min_pairs`` pairs close the table under
  their own heading: they are in no mean (:mod:`metaeval.challenge.settings`).

So that a table never runs off the page, at most :func:`metrics_per_table` metric columns
(the width of ``\\columnwidth`` at footnotesize: the label column, the ``n`` column, one
:data:`METRIC_EM`-wide column a metric) and :data:`MAX_LINES` rows go into one float; more
metrics or rows continue in further floats with the same caption marked (continued). Metric
names in the header wrap after ``: = , _ / -`` and inside long words. Every text is escaped;
control characters are removed from the signature comment.
"""

from __future__ import annotations

import math
import re

from metaeval.challenge.evaluate import ChallengeResult
from metaeval.report import challenge_data as data
from metaeval.report.formatting import is_missing
from metaeval.report.latex import latex_comment, latex_escape

COLUMN_PT = 345.0  # \columnwidth of a one-column article at 10 pt
EM_PT = 8.0  # one em at \footnotesize
TABCOLSEP_PT = 3.0
LABEL_SHARE = 0.30  # of \columnwidth: the category / phenomenon column
N_EM = 2.2  # the number-of-pairs column
METRIC_EM = 3.6  # a metric column: "-0.123" in bold at footnotesize is 3.4 em
MAX_LINES = 40  # table rows (labels and headings) in one float
RESERVE = 0.05  # of \columnwidth left free: bold numbers and the n column vary in width
OPENING = [r"\centering", r"\footnotesize", r"\setlength{\tabcolsep}{3pt}"]


def metrics_per_table(with_n: bool) -> int:
    """Metric columns that fit next to the label (and ``n``) column in ``\\columnwidth``."""
    used = LABEL_SHARE * COLUMN_PT + 2 * TABCOLSEP_PT + (
        (N_EM * EM_PT + 2 * TABCOLSEP_PT) if with_n else 0.0)
    free = (1 - RESERVE) * COLUMN_PT - used
    return max(1, int(free // (METRIC_EM * EM_PT + 2 * TABCOLSEP_PT)))


def chunks(items: list, size: int) -> list[list]:
    """``items`` in ceil(len / size) runs of near-equal length."""
    if not items:
        return [[]]
    parts = math.ceil(len(items) / size)
    step = math.ceil(len(items) / parts)
    return [items[i:i + step] for i in range(0, len(items), step)]


def _num(value, bold: bool = False) -> str:
    if is_missing(value):
        return "--"
    text = f"{float(value):.3f}"
    return rf"$\mathbf{{{text}}}$" if bold else f"${text}$"


def breakable(text: str, longest: int = 5) -> str:
    """``text`` escaped, with line breaks allowed after ``: = , _ / -`` and a hyphenation
    point after every fourth letter of a run longer than ``longest`` (hyphenation patterns do
    not apply to names such as ``word_order``)."""
    out = []
    for piece in re.split(r"([:=,_/\-])", str(text)):
        if len(piece) == 1 and piece in ":=,_/-":
            out.append(latex_escape(piece) + r"\allowbreak{}")
        else:
            step = 4 if len(piece) > longest else len(piece) or 1
            runs = [piece[i:i + step] for i in range(0, len(piece), step)] or [""]
            out.append(r"\-".join(latex_escape(r) for r in runs))
    return "".join(out)


def metric_header(name: str) -> str:
    """A metric name that wraps in its :data:`METRIC_EM`-wide column."""
    return rf"\parbox[b]{{{METRIC_EM}em}}{{\centering {breakable(name)}}}"


def _label(text: str) -> str:
    """A row label: the label column holds about 20 letters of a word at footnotesize."""
    return r"\raggedright " + breakable(text, longest=20)


def _float(lines: list[str], metrics: list[str], with_n: bool, caption: str) -> list[str]:
    """One ``table`` float: the label column, ``n`` (``with_n``), the metric columns."""
    spec = rf"p{{{LABEL_SHARE:.2f}\columnwidth}}" + ("r" if with_n else "") + "r" * len(metrics)
    head = [""] + (["$n$"] if with_n else []) + [metric_header(m) for m in metrics]
    return [r"\begin{table}[t]", *OPENING, r"\begin{tabular}{" + spec + "}", r"\toprule",
            " & ".join(head) + r" \\", r"\midrule", *lines, r"\bottomrule", r"\end{tabular}",
            r"\caption{" + caption + "}", r"\end{table}"]


def _floats(rows: list[tuple[str, list]], metrics: list[str], with_n: bool,
            caption: str) -> list[str]:
    """Floats of ``rows`` (kind, content): ``("row", [label, n, {metric: cell}])`` or
    ``("heading", text)``, split by metric columns and by :data:`MAX_LINES`."""
    parts = [(m, r) for m in chunks(metrics, metrics_per_table(with_n))
             for r in chunks(rows, MAX_LINES)]
    out = []
    for i, (ms, part) in enumerate(parts):
        lines = []
        for kind, content in part:
            if kind == "heading":
                lines += ([r"\midrule"] if lines else []) + [
                    rf"\multicolumn{{{len(ms) + 1 + with_n}}}{{l}}{{\textit{{{content}}}}} \\"]
                continue
            label, n, cells = content
            lines.append(" & ".join([_label(label)] + ([str(n)] if with_n else [])
                                    + [cells.get(m, "--") for m in ms]) + r" \\")
        note = "" if len(parts) == 1 else latex_escape(f" (part {i + 1} of {len(parts)})")
        out += _float(lines, ms, with_n, caption + note) + [""]
    return out


def category_table(result: ChallengeResult) -> list[str]:
    """Category means, all pairs and the headline (rows) x metrics."""
    matrix = data.category_matrix(result)
    metrics = list(matrix.index)
    best = {r["metric"] for r in result.ranking.to_dict(orient="records") if r["cluster"] == 1}
    rows = [("row", [c, None, {m: _num(matrix.loc[m, ("statistic", c)],
                                       c == result.headline and m in best) for m in metrics}])
            for c in dict.fromkeys(matrix.columns.get_level_values(1))]
    absent = data.absent_categories(result)
    note = (f" ACES categories absent from the set (or with fewer than {data.min_pairs(result)}"
            f" pairs per phenomenon): {', '.join(absent)}." if absent else "")
    caption = latex_escape(
        f"{result.challenge.name}: mean tau per category, tau of all pairs and "
        f"{result.headline} ({len(result.challenge.pairs)} pairs; bold: best significance "
        f"cluster, PERM-BOTH, alpha {result.settings['alpha']}).{note}")
    return _floats(rows, metrics, False, caption)


def _phenomenon_rows(rows: list[dict], metrics: list[str]) -> list[tuple[str, list]]:
    out, category = [], None
    for r in rows:
        if r["category"] != category:
            category = r["category"]
            out.append(("heading", latex_escape(category)))
        taus = {m: r["cells"].get(m, (float("nan"),))[0] for m in metrics}
        finite = [t for t in taus.values() if not is_missing(t)]
        top = max(finite) if finite else None
        out.append(("row", [r["phenomenon"], r["n"], {m: _num(t, top is not None and t == top)
                                                      for m, t in taus.items()}]))
    return out


def phenomenon_table(result: ChallengeResult) -> list[str]:
    """Phenomena (rows, under their category; the small ones apart) x metrics."""
    metrics = data.metric_order(result)
    kept, apart = data.split_phenomena(result)
    rows = _phenomenon_rows(kept, metrics)
    if apart:
        rows.append(("heading", latex_escape(
            f"Fewer than {data.min_pairs(result)} pairs: reported apart, in no mean")))
        rows += [row for row in _phenomenon_rows(apart, metrics) if row[0] == "row"]
    caption = latex_escape(f"{result.challenge.name}: tau per phenomenon, pooled over language "
                           "pairs (n: pairs; bold: best metric of the row).")
    return _floats(rows, metrics, True, caption)


def challenge_latex(result: ChallengeResult) -> str:
    """The signature comment, then both tables."""
    return "\n".join([latex_comment(result.signature), *category_table(result),
                      *phenomenon_table(result)])

"""The terminal summary of a correlation result: plain tables readable at 80 columns.

One table per level and group of the primary coefficient, best metric first, full metric names,
the noise ceiling row, a legend of the flipped-metric marker and of the cluster column, the
written files and the signature as one unwrapped line (stdout); warnings on stderr.
"""

from __future__ import annotations

import textwrap

from metaeval.cli.common import echo, note
from metaeval.cli.text import text_table
from metaeval.report.formatting import fmt, fmt_interval, is_missing
from metaeval.report.latex import latex_warnings


def _cell(row) -> list[str]:
    cluster = "" if is_missing(row["cluster"]) else str(int(row["cluster"]))
    return [fmt(row["value"]), fmt_interval(row["ci_low"], row["ci_high"]), cluster]


def summary_tables(result) -> list[str]:
    """One plain table per level and group of the primary coefficient, best metric first."""
    primary = result.settings["primary_coefficient"]
    table = result.table[result.table["coefficient"] == primary]
    ci = round(100 * float(result.settings["ci"]))
    out = []
    for level in dict.fromkeys(table["level"]):
        for group in dict.fromkeys(table["group"]):
            rows = table[(table["level"] == level) & (table["group"] == group)]
            rows = rows.sort_values("value", ascending=False, na_position="last")
            body = []
            for r in rows.to_dict(orient="records"):
                lower = result.metrics.get(r["metric"]) == "lower"
                body.append([r["metric"] + (" (-)" if lower else ""), *_cell(r), str(r["n"])])
            known = rows[rows["ceiling"].notna()]
            if len(known):
                c = known.iloc[0]
                body.append(["noise ceiling (sqrt of reliability)", fmt(c["ceiling"]),
                             fmt_interval(c["ceiling_low"], c["ceiling_high"]), "", ""])
            title = f"{primary} with {result.human}, level {level}, group {group}"
            notes = [f"  {r['metric']}: {r['note']}" for r in rows.to_dict(orient="records")
                     if r.get("note")]
            out.append(title + "\n" + text_table(
                ["metric", "value", f"{ci}% CI", "cluster", "n"], body, right=(1, 4))
                + ("\nnotes:\n" + "\n".join(notes) if notes else ""))
    return out


def print_summary(result, written) -> None:
    """The summary tables, the cluster legend and the written files on stdout; warnings on
    stderr; the signature as one line."""
    for block in summary_tables(result):
        echo(block)
        echo()
    if any(direction == "lower" for direction in result.metrics.values()):
        echo("(-): lower is better; the metric was sign-flipped before every statistic.")
    if result.settings.get("permutation") == "perm-both":
        echo(textwrap.fill(
            f"cluster: significance cluster of {result.settings['primary_coefficient']} "
            f"(PERM-BOTH, alpha {result.settings['alpha']:g}); 1 = best; a new cluster starts at "
            "the first metric significantly worse than one of the current cluster.", width=80))
    for message in result.warnings + (latex_warnings(result) if "latex" in written else []):
        note(f"warning: {message}")
    for fmt_name, path in written.items():
        echo(f"{fmt_name:>5}: {path}")
    echo(f"signature: {result.signature}")

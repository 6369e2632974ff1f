"""The terminal summary of a correlation result: plain tables readable at 80 columns.

One table per human column, level and group: every requested coefficient (the primary one with its interval
and cluster, best metric first), metrics by their display names, the noise ceiling and the
chance baseline rows; a table wider than 80 columns is split into the primary coefficient and
the others. Then a legend of the markers, the written files and the signature as one unwrapped
line (stdout); warnings on stderr.
"""

from __future__ import annotations

import shutil
import textwrap

from metaeval.cli.common import echo, note
from metaeval.cli.text import text_table
from metaeval.correlation.humans import as_humans
from metaeval.report.formatting import (
    ENTERED_LEGEND,
    fmt,
    fmt_interval,
    fmt_n,
    is_missing,
    some_left_out,
)
from metaeval.report.labels import chance_envelope, coefficients
from metaeval.report.latex import latex_warnings
from metaeval.report.voicemos import voicemos_context
from metaeval.stats.coefficients import COEFFICIENTS

WIDTH = 80


def lower_is_better(coefficient: str) -> bool:
    """Whether a smaller value of the coefficient is better (MSE): its rows sort ascending."""
    coef = COEFFICIENTS.get(str(coefficient))
    return bool(coef is not None and coef.lower_is_better)


def _name(result, metric: str) -> str:
    lower = result.metrics.get(metric) == "lower"
    return result.display_name(metric) + (" (-)" if lower else "")


def _body(result, rows, others: dict) -> list[list[str]]:
    """Metric rows: name, primary value and CI, the other coefficients, cluster, n."""
    body = []
    for r in rows.to_dict(orient="records"):
        cluster = "" if is_missing(r["cluster"]) else str(int(r["cluster"]))
        extra = [fmt(others[c].get(r["metric"])) for c in others]
        body.append([_name(result, r["metric"]), fmt(r["statistic"]),
                     fmt_interval(r["ci_low"], r["ci_high"]), *extra, cluster,
                     fmt_n(r["n"], r.get("n_items"))])
    return body


def _closing_rows(rows, others: dict, ceilings: dict) -> list[list[str]]:
    """The noise ceiling (every coefficient) and chance baseline (primary) rows, where known."""
    out = []
    known = rows[rows["ceiling"].notna()]
    if len(known):
        c = known.iloc[0]
        out.append(["noise ceiling", fmt(c["ceiling"]),
                    fmt_interval(c["ceiling_low"], c["ceiling_high"]),
                    *[fmt(ceilings.get(coef)) for coef in others], "", ""])
    chance = chance_envelope(rows)
    if chance is not None:
        out.append(["chance", "", fmt_interval(*chance), *([""] * len(others)), "", ""])
    return out


def _tables(headers: list[str], body: list[list[str]], n_others: int) -> str:
    """One table, or two (primary, then the other coefficients) when wider than :data:`WIDTH`."""
    right = (1, *range(3, 3 + n_others), 4 + n_others)
    text = text_table(headers, body, right=right)
    if n_others == 0 or max(map(len, text.splitlines())) <= WIDTH:
        return text
    keep = [0, 1, 2, 3 + n_others, 4 + n_others]
    first = text_table([headers[i] for i in keep], [[r[i] for i in keep] for r in body],
                       right=(1, 4))
    rest = list(range(3, 3 + n_others))
    second = text_table([headers[0], *[headers[i] for i in rest]],
                        [[r[0], *[r[i] for i in rest]] for r in body if any(r[i] for i in rest)],
                        right=tuple(range(1, 1 + n_others)))
    return first + "\n\n" + second


def summary_table(result, level: str, group: str) -> str | None:
    """The plain table of one level and group (None when the group has no rows there)."""
    table = result.table[(result.table["level"] == level) & (result.table["group"] == group)]
    primary = result.settings["primary_coefficient"]
    rows = table[table["coefficient"] == primary]
    if rows.empty:
        return None
    rows = rows.sort_values("statistic", ascending=lower_is_better(primary), na_position="last")
    present = set(table["coefficient"])
    others = {c: dict(zip(table.loc[table["coefficient"] == c, "metric"],
                          table.loc[table["coefficient"] == c, "statistic"]))
              for c in coefficients(result) if c != primary and c in present}
    ceilings = {c: table.loc[(table["coefficient"] == c) & table["ceiling"].notna(),
                             "ceiling"].head(1).squeeze() for c in others}
    ci = round(100 * float(result.settings["ci"]))
    headers = ["metric", primary, f"{ci}% CI", *others, "cluster", "n"]
    body = _body(result, rows, others) + _closing_rows(rows, others, ceilings)
    title = f"{primary} with {result.human}, level {level}, group {group}"
    return title + "\n" + _tables(headers, body, len(others)) + _notes(result, rows)


def _notes(result, rows) -> str:
    """The rows' notes under a table, wrapped to the terminal ('every metric' when they share
    one), or ''."""
    records = [r for r in rows.to_dict(orient="records") if r.get("note")]
    if not records:
        return ""
    shared = len(records) == len(rows) and len({r["note"] for r in records}) == 1
    lines = ([("every metric", records[0]["note"])] if shared else
             [(_name(result, r["metric"]), r["note"]) for r in records])
    width = max(40, shutil.get_terminal_size().columns)
    return "\nnotes:\n" + "\n".join(textwrap.fill(f"{who}: {text}", width, initial_indent="  ",
                                                   subsequent_indent="    ")
                                     for who, text in lines)


def task_table(result, task: str) -> str:
    """The plain table of one task of a task set: value, interval, cluster, n."""
    rows = result.table[result.table["task"] == task]
    rows = rows.sort_values("statistic", na_position="last",
                            ascending=lower_is_better(rows["coefficient"].iloc[0]))
    first = rows.iloc[0]
    ci = round(100 * float(result.settings["ci"]))
    headers = ["metric", first["coefficient"], f"{ci}% CI", "cluster", "n"]
    body = [[_name(result, r["metric"]), fmt(r["statistic"]),
             fmt_interval(r["ci_low"], r["ci_high"]),
             "" if is_missing(r["cluster"]) else str(int(r["cluster"])),
             fmt_n(r["n"], r.get("n_items"))]
            for r in rows.to_dict(orient="records")]
    return f"task {task}\n" + text_table(headers, body, right=(1, 3, 4)) + _notes(result, rows)


def averages_table(result) -> str:
    """The average over the tasks of a weighted task set, best first."""
    body = [[_name(result, r["metric"]), fmt(r["average"]), fmt(r["rank"], 2),
             "" if is_missing(r["cluster"]) else str(int(r["cluster"]))]
            for r in result.averages.to_dict(orient="records")]
    protocol = result.signature.protocol or "task set"
    return (f"{protocol}: average over {len(result.signature.tasks)} tasks (values rescaled "
            "to [0, 1], weighted)\n" + text_table(["metric", "average", "avg. rank", "cluster"],
                                                   body, right=(1, 2, 3)))


def summary_tables(result) -> list[str]:
    """One plain table per level and group, best metric (by the primary coefficient) first;
    for a task set one per task, then the averages."""
    if result.signature.protocol == "voicemos":
        return voicemos_blocks(result)
    if result.signature.tasks:
        blocks = [task_table(result, t) for t in result.signature.tasks]
        return blocks + ([averages_table(result)] if result.averages is not None else [])
    table = result.table
    blocks = [summary_table(result, level, group) for level in dict.fromkeys(table["level"])
              for group in dict.fromkeys(table["group"])]
    return [b for b in blocks if b]


def voicemos_blocks(result) -> list[str]:
    """The VoiceMOS tables: per group the eight values (and n), then their intervals."""
    context = voicemos_context(result)
    blocks = []
    for table in context["tables"] if context else []:
        values = [[r["metric"], *(c["value"] for c in r["cells"]), r["n"]]
                  for r in table["rows"]]
        intervals = [[f"{r['metric']} ({tag})", *(c["ci"] for c in r["cells"][i:i + 4])]
                     for r in table["rows"] for i, tag in ((0, "utt"), (4, "sys"))]
        blocks.append(f"voicemos with {result.human}, {table['group']} (n: utterances / "
                      "systems)\n" + text_table(
            ["metric", *context["headers"], "n"], values, right=tuple(range(1, 10))))
        blocks.append(f"{round(100 * result.settings['ci'])}% intervals\n" + text_table(
            ["metric", "MSE", "LCC", "SRCC", "KTAU"], intervals, right=(1, 2, 3, 4)))
    return blocks


def legend(result) -> list[str]:
    """The lines explaining the markers and rows of the summary tables."""
    s, lines = result.settings, []
    if any(direction == "lower" for direction in result.metrics.values()):
        lines.append("(-): lower is better; the metric was sign-flipped before every statistic.")
    tasks = result.averages is not None
    what = "each task's statistic" if tasks else s["primary_coefficient"]
    if s.get("permutation") == "perm-both" and result.table["cluster"].notna().any():
        tests = sorted({f"{c}: {t}" for c, t in zip(result.pairwise["coefficient"],
                                                    result.pairwise["test"])}) if tasks else []
        lines.append(f"cluster: significance cluster of {what} ("
                     + (", ".join(tests) if tests else "PERM-BOTH")
                     + f", alpha {s['alpha']:g}); 1 = best; a new cluster starts at the first "
                     "metric significantly worse than one of the current cluster."
                     + (" The average's clusters test the weighted average of each draw over "
                        "the tasks (mt-metrics-eval's AverageCorrMatrix)." if tasks else ""))
    if (result.table["chance_low"].notna().any()):
        lines.append(f"chance: the widest central interval of {what} over the metrics when the "
                     "metric scores are permuted (what an unrelated metric obtains).")
    if some_left_out(result.table):
        lines.append(ENTERED_LEGEND)
    if result.display_names:
        lines.append("Metrics are shown by the display names of the dataset card; results.csv "
                     "has both (columns metric and display_name).")
    return [textwrap.fill(line, width=WIDTH) for line in lines]


def print_summary(result, written) -> None:
    """The summary tables of each human column (their titles name it), the legend and the
    written files on stdout; warnings on stderr (a note of some humans only after the
    human's name); the run's signature as one line."""
    run = as_humans(result)
    for block in (b for r in run for b in summary_tables(r)):
        echo(block)
        echo()
    for line in dict.fromkeys(line for r in run for line in legend(r)):
        echo(line)
    texts = list(dict.fromkeys(m for r in run for m in latex_warnings(r))) \
        if "latex" in written else []
    for message in run.notes + texts:
        note(f"warning: {message}")
    for fmt_name, path in written.items():
        echo(f"{fmt_name:>5}: {path}")
    echo(f"signature: {run.signature}")

"""The VoiceMOS / AudioMOS challenge table (``metaeval correlate --protocol voicemos``).

The challenges (Huang et al., VoiceMOS 2022; Cooper et al. 2023; AudioMOS 2025) rank MOS
predictors by eight numbers: at the utterance level (every rated utterance one point) and at the
system level (one point per system: the mean prediction against the mean MOS of its utterances)
the mean squared error ``MSE = mean((pred - mos)^2)``, the linear correlation ``LCC`` (Pearson),
Spearman's ``SRCC`` and Kendall's ``KTAU`` (tau-b, ``scipy.stats.kendalltau``'s default as in
the challenges' scoring scripts). :func:`voicemos` builds that task set over the groups of a
judgement table (the values of a condition column such as the sampling rate, then the pooled
group); :func:`voicemos_table` lays a result out as the table, one row per (group, metric), each
number with its bootstrap interval. MSE needs the predictions on the MOS scale (see the
``mse`` coefficient); lower is better there, higher for the three correlations.
"""

from __future__ import annotations

import pandas as pd

from metaeval.correlation.taskset import Task, TaskSet

PROTOCOL = "voicemos"
# (level, coefficient) -> column prefix, in the challenges' order
LEVELS = (("none", "utt"), ("system", "sys"))
COEFFICIENTS = (("mse", "MSE"), ("pearson", "LCC"), ("spearman", "SRCC"), ("kendall_b", "KTAU"))
TASK_ORDER = ("spearman", "pearson", "kendall_b", "mse")  # SRCC first: the primary coefficient
NOTE = ("VoiceMOS/AudioMOS protocol: utterance level (each rated utterance one point) and "
        "system level (the mean prediction per system against the mean MOS per system), MSE "
        "(lower is better; predictions on the MOS scale), LCC (Pearson), SRCC (Spearman) and "
        "KTAU (Kendall tau-b), per condition and pooled.")
COLUMNS = [f"{tag}_{name.lower()}{suffix}" for _, tag in LEVELS for _, name in COEFFICIENTS
           for suffix in ("", "_low", "_high")]


def voicemos(groups: list[str], domains=None) -> TaskSet:
    """The eight tasks (utterance and system level x MSE, LCC, SRCC, KTAU) of every group."""
    tasks = [Task(coefficient, level, group) for group in groups for level, _ in LEVELS
             for coefficient in TASK_ORDER]
    return TaskSet(tuple(tasks), protocol=PROTOCOL, note=NOTE)


def headers() -> list[tuple[str, str]]:
    """(column, title) of the eight numbers: ``utt_mse`` / ``utt MSE`` ..."""
    return [(f"{tag}_{name.lower()}", f"{tag} {name}") for _, tag in LEVELS
            for _, name in COEFFICIENTS]


def voicemos_table(table: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """One row per (group, metric): ``group, metric``, the eight numbers each with
    ``_low``/``_high`` (:data:`COLUMNS`), ``n_utt`` and ``n_sys`` (points at each level)."""
    rows = []
    for group in dict.fromkeys(table["group"]):
        part = table[table["group"] == group]
        for metric in metrics:
            mine = part[part["metric"] == metric]
            row: dict = {"group": group, "metric": metric}
            for level, tag in LEVELS:
                at = mine[mine["level"] == level]
                for coefficient, name in COEFFICIENTS:
                    hit = at[at["coefficient"] == coefficient]
                    values = hit.iloc[0] if len(hit) else None
                    column = f"{tag}_{name.lower()}"
                    for key, suffix in (("statistic", ""), ("ci_low", "_low"),
                                        ("ci_high", "_high")):
                        row[column + suffix] = float(values[key]) if values is not None \
                            else float("nan")
                row[f"n_{tag}"] = int(at["n"].max()) if len(at) else 0
            rows.append(row)
    return pd.DataFrame(rows, columns=["group", "metric", *COLUMNS, "n_utt", "n_sys"])

"""Published meta-evaluation protocols (``metaeval correlate --protocol``, Python
:func:`protocol_taskset`): each is a function of the data's groups (language pairs) that
builds a :class:`~metaeval.correlation.taskset.TaskSet`, or, for studies of one table, the
levels and coefficients a plain run crosses.

- ``wmt22`` (Freitag et al., WMT 2022): per language pair system-level Pearson on the released
  system scores and segment-level Kendall tau-b without grouping (also per domain, as the
  findings' tables), plus system-level pairwise accuracy over every language pair; no average.
- ``wmt23`` (Freitag et al., WMT 2023; mt-metrics-eval ``tasks.WMT23``): pairwise accuracy over
  every language pair (weight = the number of pairs), and per pair system-level Pearson,
  segment-level Pearson without grouping and tie-calibrated acc_23 grouped by item
  ("acc_eq"; weight 1 each); averaged.
- ``wmt24`` and ``wmt25`` (Freitag et al., WMT 2024; Lavie et al., WMT 2025): per pair
  system-level soft pairwise accuracy (SPA, from the segment scores) and segment-level acc_eq
  grouped by item, equal weights; averaged. (Both years' findings use these two statistics;
  PDP is ``--coef pdp``.)
- ``wmt`` (WMT before 2022 as metaeval read it): segment level group-by-item and pooled,
  system level over the gold-covered segments; Pearson and Kendall tau-b.
- ``tigerscore`` (Jiang et al., TMLR 2024): one pooled segment-level correlation per task over
  all (item, candidate) pairs; Kendall tau-b first (also Pearson and Spearman).
- ``gsvs`` (Bereuter et al., WASPAA 2025): one point per trial, per model type and pooled;
  Spearman, Pearson, Kendall tau-b.
- ``voicemos`` (VoiceMOS / AudioMOS challenges): a task set over the groups of a judgement
  table (conditions such as the sampling rate, and pooled): utterance- and system-level MSE,
  LCC, SRCC and KTAU (:mod:`metaeval.correlation.voicemos`).
"""

from __future__ import annotations

from collections.abc import Callable

from metaeval.correlation.result import POOLED
from metaeval.correlation.sources import JudgementData
from metaeval.correlation.taskset import Task, TaskSet
from metaeval.correlation.voicemos import voicemos
from metaeval.errors import ParameterError

WMT22_NOTE = ("WMT22 protocol (Freitag et al. 2022): system-level Pearson on the released system "
              "scores and pairwise accuracy over all language pairs; segment-level Kendall "
              "tau-b without grouping, overall and per domain.")
WMT23_NOTE = ("WMT23 protocol (Freitag et al. 2023; mt-metrics-eval tasks.WMT23): system-level "
              "pairwise accuracy over all language pairs (weight: the number of pairs), and per "
              "pair system-level Pearson, segment-level Pearson without grouping and acc_eq "
              "grouped by item (weight 1 each); values rescaled to [0, 1] and averaged.")
WMT24_NOTE = ("WMT24/25 protocol (Freitag et al. 2024; Lavie et al. 2025): per language pair "
              "system-level soft pairwise accuracy (SPA) and segment-level acc_eq grouped by "
              "item, equal weights; values rescaled to [0, 1] and averaged.")

# protocols of one table: the defaults a plain run crosses (levels, coefficients, note)
DEFAULTS: dict[str, dict] = {
    "wmt": {"levels": ["item", "none", "system"], "coefficients": ["pearson", "kendall_b"],
            "note": "WMT protocol: segment level as group-by-item and pooled, system level over "
                    "the gold-covered segments."},
    "tigerscore": {"levels": ["none"], "coefficients": ["kendall_b", "pearson", "spearman"],
                   "note": "TIGERScore protocol (Jiang et al., TMLR 2024): one pooled "
                           "segment-level correlation per task (group) over all (item, "
                           "candidate) pairs; Kendall tau-b first."},
    "gsvs": {"levels": ["none"], "coefficients": ["spearman", "pearson", "kendall_b"],
             "note": "GSVS protocol (Bereuter et al., WASPAA 2025): one point per trial, per "
                     "model type and pooled."},
}


def _accuracy_all(lps: list[str]) -> Task:
    """System-level pairwise accuracy over every language pair (one pair: that pair)."""
    return Task("pairwise_acc", "system", POOLED if len(lps) > 1 else lps[0], table="system")


def wmt22(lps: list[str], domains: dict[str, list[str]] | None = None) -> TaskSet:
    tasks = [_accuracy_all(lps)]
    for lp in lps:
        tasks += [Task("pearson", "system", lp, table="system"), Task("kendall_b", "none", lp)]
        tasks += [Task("kendall_b", "none", lp, domain=d) for d in (domains or {}).get(lp, [])]
    return TaskSet(tuple(tasks), protocol="wmt22", note=WMT22_NOTE)


def wmt23(lps: list[str], domains=None) -> TaskSet:
    tasks = [_accuracy_all(lps)]
    for lp in lps:
        tasks += [Task("pearson", "system", lp, table="system"), Task("pearson", "none", lp),
                  Task("acc23_tiecal", "item", lp)]
    weights = [len(lps)] + [1] * (len(tasks) - 1)
    return TaskSet(tuple(tasks), tuple(weights), protocol="wmt23", note=WMT23_NOTE)


def _wmt24(name: str) -> Callable:
    def build(lps: list[str], domains=None) -> TaskSet:
        tasks = [task for lp in lps for task in (Task("spa", "system", lp),
                                                  Task("acc23_tiecal", "item", lp))]
        return TaskSet(tuple(tasks), (1.0,) * len(tasks), protocol=name, note=WMT24_NOTE)
    return build


# task sets over the groups of a judgement table (values of the grouping column, then pooled)
TABLE_TASK_SETS: dict[str, Callable] = {"voicemos": voicemos}
TASK_SETS: dict[str, Callable] = {"wmt22": wmt22, "wmt23": wmt23, "wmt24": _wmt24("wmt24"),
                                  "wmt25": _wmt24("wmt25"), **TABLE_TASK_SETS}
PROTOCOLS = (*TASK_SETS, *DEFAULTS)


def protocol(name: str) -> dict:
    """The defaults of a protocol of one table (levels, coefficients, note); {} for the WMT
    task-set protocols (see :func:`protocol_taskset`)."""
    if name not in PROTOCOLS:
        raise ParameterError("protocol", name, f"unknown protocol; choose from "
                             f"{', '.join(PROTOCOLS)}.")
    return dict(DEFAULTS.get(name, {}))


def protocol_taskset(name: str, lps: list[str],
                     domains: dict[str, list[str]] | None = None) -> TaskSet | None:
    """The task set of a WMT protocol for these language pairs (and their domains, wmt22);
    None for the protocols of one table."""
    protocol(name)
    return TASK_SETS[name](list(lps), domains) if name in TASK_SETS else None


def table_taskset(name: str | None, js, group_by: str | None, pooled: bool = True,
                  several: bool = False) -> TaskSet | None:
    """The task set of protocol ``name`` over the groups of one judgement table (``voicemos``:
    the values of ``group_by``, then pooled), or None for any other protocol."""
    if name not in TABLE_TASK_SETS:
        return None
    if several:
        raise ParameterError("protocol", name, "its task set applies to one judgement set.",
                             f"give one --data with --protocol {name}.")
    return protocol_taskset(name, JudgementData(js, group_by, pooled).groups())


def protocol_run(name: str, groups: list[str], domains: dict[str, list[str]] | None,
                 options: dict, *, evalsets: bool) -> tuple[TaskSet | None, dict, str]:
    """What running protocol ``name`` means, for :func:`metaeval.correlation.run` and the CLI
    alike: (its task set over ``groups``, or None for a protocol of one table; ``options``
    with the protocol's levels and coefficients where they are not given; its note). The WMT
    task sets need mt-metrics-eval evalsets (``evalsets``)."""
    defaults = protocol(name)
    taskset = protocol_taskset(name, groups, domains)
    if taskset is not None and not evalsets and name not in TABLE_TASK_SETS:
        raise ParameterError("protocol", name, "is a task set over language pairs of "
                             "mt-metrics-eval evalsets.", "use --data-format mtme --data "
                             "ROOT/<testset> --lp LP (Python: run(load_evalset(...), "
                             f"'{name}')), or a protocol of one table (wmt, gsvs, tigerscore, "
                             "voicemos).")
    options = dict(options)
    for key in ("levels", "coefficients"):
        if key in defaults:
            options.setdefault(key, tuple(defaults[key]))
    return taskset, options, defaults.get("note") or (taskset.note if taskset else "")

"""Where the cells of a task come from: a judgement set, or mt-metrics-eval evalsets.

Both give, for a :class:`~metaeval.correlation.taskset.Task`, the judgement set of its selection
(:meth:`part`), the groups a plain run crosses (:meth:`groups`), the judgement set the report
describes (``primary``: data hash, metric directions, scatter points) and what they add to the
signature (:meth:`carried_out`).

- :class:`JudgementData`: ``group`` is a value of the grouping column (``all`` = every cell);
  only ``table=cells``.
- :class:`EvalSetData`: ``group`` is a language pair; ``table=cells`` reads the segment scores,
  ``table=system`` the system-level files (:meth:`metaeval.data.mtme.EvalSet.judgements`);
  ``group=all`` over several language pairs is their system-level tables side by side for
  "global" pairwise accuracy (pairs of systems within each language pair).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from metaeval.correlation.result import POOLED
from metaeval.correlation.taskset import Task
from metaeval.data.judgements import DatasetInfo, JudgementSet
from metaeval.data.mtme import WMT_CITATION, EvalSet
from metaeval.errors import DataError, ParameterError, located


@dataclass
class JudgementData:
    """A judgement set grouped by ``group_by`` (see the module docstring)."""

    js: JudgementSet
    group_by: str | None = None
    pooled: bool = True

    @property
    def primary(self) -> JudgementSet:
        return self.js

    def groups(self) -> list[str]:
        """Each value of the grouping column in sorted order, then ``all`` when pooled."""
        if self.group_by is None:
            return [POOLED]
        if self.group_by not in self.js.table.columns:
            raise ParameterError("group_by", self.group_by, f"not a column of "
                                 f"{self.js.info.source or 'the data'}; columns: "
                                 f"{list(self.js.table.columns)}.")
        values = sorted(self.js.group_values(self.group_by), key=str)
        if self.pooled and POOLED in map(str, values):
            raise DataError(located(f"the group value {POOLED!r} is the name of the pooled group",
                                    file=self.js.info.source or None, column=self.group_by,
                                    fix="rename that value in the data, or leave out the pooled "
                                        "group (--no-pooled; Python: pooled=False)."))
        return [str(v) for v in values] + ([POOLED] if self.pooled else [])

    def part(self, task: Task) -> JudgementSet:
        if task.table != "cells":
            raise ParameterError("table", task.table, "a judgement table has cells only; "
                                 "system-level files come with mt-metrics-eval evalsets.")
        part = self.js
        if task.group != POOLED:
            values = {str(v): v for v in self.js.group_values(self.group_by)} \
                if self.group_by else {}
            if task.group not in values:
                raise ParameterError("group", task.group, f"not a value of {self.group_by}; "
                                     f"values: {sorted(values)}.")
            part = self.js.subset(self.group_by, values[task.group])
        if task.domain is not None:
            if "domain" not in part.table.columns:
                raise ParameterError("domain", task.domain, "the data has no domain column.")
            part = part.subset("domain", task.domain)
        return part

    def carried_out(self) -> dict:
        return {}


@dataclass
class EvalSetData:
    """mt-metrics-eval evalsets by language pair, with the run's gold, reference(s) and system
    choice (see the module docstring)."""

    evalsets: dict[str, EvalSet]
    gold: str | None = None
    ref: str | None = None
    include_human: bool = True
    exclude: tuple[str, ...] = ()
    metrics: tuple[str, ...] | None = None
    missing: str = "error"
    _cache: dict = field(default_factory=dict, repr=False)

    def groups(self) -> list[str]:
        return list(self.evalsets)

    def domains(self) -> dict[str, list[str]]:
        """The domains of each language pair (from its ``.docs`` file)."""
        return {lp: sorted(set(e.domains)) for lp, e in self.evalsets.items()}

    def _evalset(self, lp: str) -> EvalSet:
        if lp not in self.evalsets:
            raise ParameterError("lp", lp, f"not loaded; language pairs: {list(self.evalsets)}.")
        return self.evalsets[lp]

    def _table(self, lp: str, gold: str | None, level: str,
               domain: str | None = None) -> JudgementSet:
        key = (lp, gold, level, domain)
        if key not in self._cache:
            self._cache[key] = self._evalset(lp).judgements(
                gold or self.gold, self.ref, level, self.include_human, self.exclude,
                self.common_metrics(), domain, self.missing)
        return self._cache[key]

    def common_metrics(self) -> list[str]:
        """The metric columns usable in every language pair (all when one), or the chosen ones."""
        if self.metrics is not None:
            return list(self.metrics)
        sets = [set(e.usable_metrics(e.choose_refs(self.ref))) for e in self.evalsets.values()]
        first = list(self.evalsets.values())[0].usable_metrics(
            list(self.evalsets.values())[0].choose_refs(self.ref))
        return [m for m in first if all(m in s for s in sets)]

    def part(self, task: Task) -> JudgementSet:
        level = "seg" if task.table == "cells" else "sys"
        if task.group != POOLED:
            return self._table(task.group, task.gold, level, task.domain)
        if len(self.evalsets) == 1:
            return self._table(next(iter(self.evalsets)), task.gold, level, task.domain)
        if level != "sys" or task.domain is not None:
            raise ParameterError("group", POOLED, "segments (and domains) of several language "
                                 "pairs are not pooled; give one task per language pair.")
        return self._stacked(task.gold)

    def _stacked(self, gold: str | None) -> JudgementSet:
        """The system-level tables of every language pair, systems named ``lp:system``."""
        parts = [self._table(lp, gold, "sys") for lp in self.evalsets]
        frame = pd.concat([p.table.assign(system=lp + ":" + p.table["system"].astype(str))
                           for lp, p in zip(self.evalsets, parts)], ignore_index=True)
        first = parts[0]
        return JudgementSet(table=frame, human=first.human, metrics=first.metrics,
                            groups=["lp"], info=self.info(first.info.human_definition))

    def info(self, human_definition: str = "") -> DatasetInfo:
        first = list(self.evalsets.values())[0]
        return DatasetInfo(name=f"{first.name}.{'+'.join(self.evalsets)}",
                           title=f"{first.name} {', '.join(self.evalsets)} (mt-metrics-eval "
                                 "evalset)", citation=WMT_CITATION,
                           url="https://github.com/google-research/mt-metrics-eval",
                           source=str(first.folder), human_definition=human_definition)

    @property
    def primary(self) -> JudgementSet:
        """The segment cells of every language pair (items ``lp:n`` when several)."""
        if "primary" not in self._cache:
            parts = [self._table(lp, None, "seg") for lp in self.evalsets]
            if len(parts) == 1:
                self._cache["primary"] = parts[0]
            else:
                frame = pd.concat([p.table.assign(item=lp + ":" + p.table["item"].astype(str))
                                   for lp, p in zip(self.evalsets, parts)], ignore_index=True)
                self._cache["primary"] = JudgementSet(
                    table=frame, human=parts[0].human, metrics=parts[0].metrics,
                    groups=parts[0].groups, info=self.info(parts[0].info.human_definition))
        return self._cache["primary"]

    def carried_out(self) -> dict:
        """Where system-level metric scores came from (``.sys.score`` file or segment mean)."""
        sources = {}
        for evs in self.evalsets.values():
            usable = evs.usable_metrics(evs.choose_refs(self.ref))
            for column, how in evs.sys_source({m: usable[m] for m in self.common_metrics()
                                                if m in usable}).items():
                sources.setdefault(how, set()).add(column)
        text = ";".join(f"{how}:{','.join(sorted(cols))}" for how, cols in sorted(sources.items()))
        return {"sys_scores": text}


def as_source(data):
    """``data`` as a source: an :class:`EvalSet`, or several (a list, or a dict by language pair),
    become :class:`EvalSetData` with its defaults (gold mqm when present, reference refA, the
    other references scored as systems); anything else is returned as it is."""
    if isinstance(data, EvalSet):
        return EvalSetData({data.lp: data})
    if isinstance(data, (list, tuple)) and data and all(isinstance(e, EvalSet) for e in data):
        return EvalSetData({e.lp: e for e in data})
    if isinstance(data, dict) and data and all(isinstance(e, EvalSet) for e in data.values()):
        return EvalSetData(dict(data))
    return data

"""`Task` and `TaskSet`: what a run computes, one statistic on one selection of the data each.

After mt-metrics-eval's ``tasks.Task`` / ``TaskSet``: a :class:`Task` is every choice that picks
the data and the statistic (the grouping value or language pair, the human score, the table the
scores come from, the level, the coefficient and its arguments); the settings every task shares
(draws, seed, CI, significance, alpha ...) are the run's :class:`Settings`. ``Task.name`` lists
every field (``coef=spa;level=system;group=zh-en;gold=mqm;table=cells``) and is the task's
provenance; :meth:`Task.parse` reads it back. A :class:`TaskSet` is tasks with optional
weights: with weights, a run also reports each metric's weighted average over the tasks of its
values rescaled to [0, 1] and its weighted average rank (:mod:`metaeval.correlation.averages`).

:meth:`TaskSet.cross` is the plain run: every (group, level, coefficient) of the settings, no
weights. Protocols (:mod:`metaeval.correlation.protocols`) build the published task sets.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from metaeval.correlation.result import POOLED
from metaeval.errors import ParameterError
from metaeval.stats.coefficients import COEFFICIENTS
from metaeval.stats.vocabulary import LEVELS

TABLES = ("cells", "system")
"""``cells``: the (item, system) cells, statistics at any level (system level = means over the
items); ``system``: system-level scores as released (mt-metrics-eval ``.sys.score`` files)."""

# coefficients whose values lie in [0, 1]; every other one in [-1, 1] (mt-metrics-eval's range)
UNIT_RANGE = ("pairwise_acc", "acc23", "acc23_tiecal", "spa")


@dataclass(frozen=True)
class Task:
    """One statistic on one selection of the data (see the module docstring)."""

    coefficient: str
    level: str
    group: str = POOLED
    gold: str | None = None
    table: str = "cells"
    arguments: tuple[tuple[str, float], ...] = field(default=())
    domain: str | None = None  # only the cells (system scores) of this domain

    def __post_init__(self) -> None:
        if self.coefficient not in COEFFICIENTS:
            raise ParameterError("coefficient", self.coefficient, "unknown coefficient; choose "
                                 f"from {', '.join(COEFFICIENTS)}.")
        if self.level not in LEVELS:
            raise ParameterError("level", self.level, f"unknown level; choose from "
                                 f"{', '.join(LEVELS)}.")
        if self.table not in TABLES:
            raise ParameterError("table", self.table, f"choose from {', '.join(TABLES)}.")

    @property
    def name(self) -> str:
        """Every field as ``key=value`` joined by ``;`` (the task's provenance)."""
        parts = [f"coef={self.coefficient}", f"level={self.level}", f"group={self.group}",
                 f"gold={self.gold or ''}", f"table={self.table}"]
        parts += [f"domain={self.domain}"] if self.domain else []
        parts += [f"{key}={value:g}" for key, value in self.arguments]
        return ";".join(parts)

    @classmethod
    def parse(cls, name: str) -> Task:
        """Inverse of :attr:`name`."""
        values = dict(part.split("=", 1) for part in name.split(";"))
        known = {"coef", "level", "group", "gold", "table", "domain"}
        return cls(values["coef"], values["level"], values["group"], values["gold"] or None,
                   values["table"], tuple((k, float(v)) for k, v in values.items()
                                          if k not in known), values.get("domain"))

    @property
    def range(self) -> tuple[float, float]:
        """The coefficient's range: (0, 1) for accuracies, (-1, 1) for correlations."""
        return (0.0, 1.0) if self.coefficient in UNIT_RANGE else (-1.0, 1.0)

    @property
    def label(self) -> str:
        """A short column title: ``zh-en sys SPA``-style."""
        level = {"system": "sys", "item": "seg (item)", "none": "seg", "sys": "seg (sys)"}
        where = "" if self.group == POOLED else f"{self.group} "
        table = "" if self.table == "cells" else " (sys file)"
        domain = f" [{self.domain}]" if self.domain else ""
        return f"{where}{level[self.level]} {self.coefficient}{table}{domain}"


@dataclass(frozen=True)
class TaskSet:
    """Tasks, optional weights (normalised to sum 1) and the protocol that built them."""

    tasks: tuple[Task, ...]
    weights: tuple[float, ...] = ()
    protocol: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        tasks = tuple(self.tasks)
        if not tasks:
            raise ParameterError("tasks", "", "a task set needs at least one task.")
        names = [t.name for t in tasks]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ParameterError("tasks", repeated[0], "given twice; list each task once.")
        weights = tuple(float(w) for w in self.weights)
        if weights:
            if len(weights) != len(tasks) or min(weights) < 0 or sum(weights) <= 0:
                raise ParameterError("weights", ",".join(map(str, weights)), f"give {len(tasks)} "
                                     "non-negative weights with a positive sum, one per task.")
            weights = tuple(w / sum(weights) for w in weights)
            unbounded = [t.coefficient for t in tasks if COEFFICIENTS[t.coefficient].same_scale]
            if unbounded:
                raise ParameterError("weights", ",".join(map(str, weights)), f"{unbounded[0]} "
                                     "has no bounded range to rescale to [0, 1]; it cannot "
                                     "enter a weighted average.", "give no weights (no "
                                     "average), or leave that task out.")
        object.__setattr__(self, "tasks", tasks)
        object.__setattr__(self, "weights", weights)

    @classmethod
    def cross(cls, groups: list[str], levels, coefficients, gold: str | None = None) -> TaskSet:
        """Every (group, level, coefficient), in that order, without weights."""
        return cls(tuple(Task(c, level, group, gold) for group in groups for level in levels
                         for c in coefficients))

    def with_gold(self, gold: str) -> TaskSet:
        """The tasks that leave the human score to the run take ``gold`` (so each name says
        which human score it used)."""
        tasks = tuple(t if t.gold else replace(t, gold=gold) for t in self.tasks)
        return replace(self, tasks=tasks, weights=self.weights)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tasks)

    @property
    def coefficients(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.coefficient for t in self.tasks))

    @property
    def levels(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.level for t in self.tasks))

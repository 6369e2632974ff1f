"""`HumanResults`: one run over one or more human score columns of one data set.

``run(data, human=["coherence", "fluency"])`` (or ``correlate``) computes every human column in
one run (:func:`metaeval.correlation.engine.compute_humans`): one cost estimate, one progress
count, the same tasks and the same draws for every human. The result keeps one
:class:`~metaeval.correlation.result.CorrelationResult` per human (``results["fluency"]``, each
with its own signature) and the run's signature, which lists every human
(:func:`~metaeval.correlation.signature.run_signature`). Its tables are the humans' tables
stacked, with a ``human`` column first; the reports render it as one folder whatever the number
of humans (:mod:`metaeval.report.write`).

``results.json`` (:meth:`HumanResults.to_json_dict`): ``signature`` (the run's), ``humans``,
``settings``, ``dataset``, ``metrics``, ``metric_options``, ``display_names``, ``group_column``,
``notes`` (a note that only some humans have starts with the human's name), ``results`` and
``pairwise`` (every human's rows, each with its ``human``), and ``by_human``: per human its
``signature``, ``settings``, ``notes`` and the extras it carries (``stability``, ``power``,
``draws``, ``meta``, ``group_draws``, ``averages``). :func:`human_payload` reads one human's
part back in the form of a one-human result (what ``metaeval meta`` combines).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from metaeval.correlation.result import CorrelationResult
from metaeval.correlation.signature import run_signature
from metaeval.errors import ParameterError
from metaeval.io import json_safe
from metaeval.provenance import Signature

HUMAN = "human"  # the column that names the human score of a row
SHARED_KEYS = ("dataset", "metrics", "metric_options", "display_names", "group_column")
ROW_KEYS = ("results", "pairwise")


@dataclass
class HumanResults:
    """The per-human results of one run, in the order asked (see the module docstring)."""

    results: dict[str, CorrelationResult]
    signature: Signature

    @classmethod
    def of(cls, results: list[CorrelationResult]) -> HumanResults:
        """The run of ``results`` (one per human column, same data set and settings)."""
        return cls({r.human: r for r in results}, run_signature([r.signature for r in results]))

    @property
    def humans(self) -> list[str]:
        return list(self.results)

    def __getitem__(self, human: str) -> CorrelationResult:
        if human not in self.results:
            raise KeyError(f"{human!r} is not a human column of this run; it has "
                           f"{', '.join(self.humans)}")
        return self.results[human]

    def __iter__(self) -> Iterator[CorrelationResult]:
        return iter(self.results.values())

    def __len__(self) -> int:
        return len(self.results)

    @property
    def first(self) -> CorrelationResult:
        return next(iter(self.results.values()))

    def stacked(self, name: str) -> pd.DataFrame:
        """Every human's ``table``, ``pairwise`` or ``averages`` (None skipped) with a ``human``
        column first."""
        frames = [getattr(r, name).assign(**{HUMAN: r.human}) for r in self
                  if getattr(r, name) is not None]
        if not frames:
            return pd.DataFrame(columns=[HUMAN])
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        return frame[[HUMAN, *[c for c in frame.columns if c != HUMAN]]]

    @property
    def table(self) -> pd.DataFrame:
        return self.stacked("table")

    @property
    def pairwise(self) -> pd.DataFrame:
        return self.stacked("pairwise")

    @property
    def notes(self) -> list[str]:
        """Every human's notes once: a note every human has as it is, the others after the
        human's name."""
        common = [n for n in self.first.notes if all(n in r.notes for r in self)]
        own = [f"{r.human}: {n}" for r in self for n in r.notes if n not in common]
        return common + own

    def settings(self) -> dict[str, Any]:
        """The settings record of the run: the first human's, with the run's signature; a
        count that differs between the humans (``n_cells``) is left to each human's record."""
        if len(self) == 1:
            return dict(self.first.settings)
        record = {**self.first.settings, **self.signature.to_dict()}
        for key, value in self.first.settings.items():
            if key not in self.signature.to_dict() and any(r.settings.get(key) != value
                                                           for r in self):
                record.pop(key)
        return record

    def to_json_dict(self) -> dict[str, Any]:
        """results.json (see the module docstring)."""
        per_human = {r.human: r.to_json_dict() for r in self}
        first = per_human[self.first.human]
        return json_safe({
            "signature": str(self.signature), "humans": self.humans,
            "settings": self.settings(),
            **{key: first[key] for key in SHARED_KEYS}, "notes": self.notes,
            **{key: [{HUMAN: human, **row} for human, record in per_human.items()
                     for row in record[key]] for key in ROW_KEYS},
            "by_human": {human: {k: v for k, v in record.items()
                                 if k not in (*SHARED_KEYS, *ROW_KEYS, HUMAN)}
                         for human, record in per_human.items()},
        })

    def to_json(self) -> str:
        return json.dumps(self.to_json_dict(), indent=1, default=str)

    def __repr__(self) -> str:
        return (f"HumanResults({', '.join(map(repr, self.humans))} on "
                f"{self.first.dataset.name!r})\n{self.signature}\n"
                + "\n".join(repr(r) for r in self))


def as_humans(result: CorrelationResult | HumanResults) -> HumanResults:
    """A run's result as :class:`HumanResults` (a one-human result: a run of one)."""
    return result if isinstance(result, HumanResults) else HumanResults.of([result])


def human_payload(payload: dict, human: str | None = None, where: str = "results.json") -> dict:
    """One human's part of a results.json payload, in the form of a one-human result: the
    shared keys, that human's rows and its ``by_human`` record; ``human`` may be left out when
    the payload has one. A payload without ``by_human`` is returned as it is."""
    if "by_human" not in payload:
        return payload
    humans = list(payload["by_human"])
    if human is None and len(humans) > 1:
        raise ParameterError("human", ",".join(humans), f"{where} holds the results of "
                             f"{len(humans)} human scores; a meta-analysis combines one.",
                             f"choose one with --human (one of {', '.join(humans)}).")
    human = humans[0] if human is None else human
    if human not in humans:
        raise ParameterError("human", human, f"{where} has no results for it; it has "
                             f"{', '.join(humans)}.", "choose one of those.")
    rows = {key: [{k: v for k, v in row.items() if k != HUMAN} for row in payload.get(key, [])
                  if row.get(HUMAN) == human] for key in ROW_KEYS}
    return {**{k: v for k, v in payload.items() if k not in ("by_human", "humans")},
            **payload["by_human"][human], **rows, HUMAN: human}

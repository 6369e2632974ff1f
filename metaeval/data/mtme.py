"""mt-metrics-eval evalsets: ``load_evalset(ROOT/<testset>, lp)`` and its judgement sets.

An :class:`EvalSet` holds one language pair of a test set in mt-metrics-eval's layout
(:mod:`metaeval.data.mtme_files`; google-research/mt-metrics-eval ``data.py``): texts,
documents and domains, human scores and metric scores at every level. :meth:`EvalSet.judgements`
turns it into a :class:`JudgementSet` the way mt-metrics-eval's ``GetCorrelations`` selects
the data of a task:

- the systems are the outputs with gold scores, minus the main reference(s) and the close
  references; other references are "human systems", kept with ``include_human`` (as WMT scored
  zh-en refB); ``exclude`` drops systems (outliers);
- a metric is usable when the references it used are among the main ones (``BLEU-refA`` with
  ``ref=refA``; ``-src`` metrics use none and are marked ``[noref]`` as mt-metrics-eval prints
  them; ``-all`` means every reference); columns are named by the metric's basename
  (``COMET-22``, ``COMETKiwi[noref]``), or ``BLEU-refA``-style when two usable files share one;
- at level ``sys`` the gold comes from ``<lp>.<gold>.sys.score`` and a metric's score from its
  ``.sys.score`` file when present, else the mean of its segment scores (``sys_source``
  records which, per metric);
- a missing system in a metric file is an error naming the file (mt-metrics-eval fills it with 0).

Items are segment numbers (1-based line numbers, as text); groups ``lp``, ``domain`` and
``doc`` come from the ``.docs`` file. :meth:`EvalSet.text_frame` gives the texts to score
(``item, system, hypothesis, reference, source``), so a new metric can be scored with
``metaeval score`` and joined to the same cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from metaeval.data import mtme_files as files
from metaeval.data.judgements import DatasetInfo, JudgementSet, MetricInfo
from metaeval.errors import DataError, ParameterError

WMT_CITATION = ("Freitag et al., Results of the WMT22 Metrics Shared Task: Stop Using BLEU - "
                "Neural Metrics Are Better and More Robust, WMT 2022 (mt-metrics-eval layout, "
                "github.com/google-research/mt-metrics-eval).")
NOREF = "[noref]"


@dataclass
class EvalSet:
    """One language pair of an mt-metrics-eval test set (see the module docstring)."""

    name: str
    lp: str
    folder: Path
    source: list
    references: dict[str, list]
    outputs: dict[str, list]
    domains: list[str]
    docs: list[str]
    human: dict[str, dict[str, dict[str, list]]]  # level -> name -> system -> scores
    metrics: dict[str, dict[str, dict[str, list]]]  # level -> METRIC-REF -> system -> scores
    files: dict[tuple[str, str], Path] = field(default_factory=dict)  # (level, name) -> path
    scored: dict[str, MetricInfo] = field(default_factory=dict)  # METRIC-REF -> a user's metric

    @property
    def human_systems(self) -> set[str]:
        """Outputs that are reference translations."""
        return set(self.outputs) & set(self.references)

    @property
    def segments(self) -> int:
        return len(self.source)

    def metric_refs(self, full_name: str) -> tuple[str, set[str]]:
        """(basename, references used) of ``BASENAME-REF`` (``src``: none, ``all``: every)."""
        base, _, refs = full_name.rpartition("-")
        if not base:
            raise DataError(f"{self.files.get(('seg', full_name), full_name)}: metric file "
                            "names are METRIC-REF (REF: refA, refA.refB, src or all).")
        used = set(self.references) if refs == "all" else set() if refs == "src" \
            else set(refs.split("."))
        return base, used

    def choose_gold(self, gold: str | None, level: str = "seg") -> str:
        """``gold``, else ``mqm`` when scored, else the only human score of the level."""
        names = sorted(self.human.get(level, {}))
        if gold is None:
            gold = "mqm" if "mqm" in names else names[0] if len(names) == 1 else None
        if gold not in names:
            raise ParameterError("gold", gold, f"no {level}-level human scores of that name in "
                                 f"{self.folder}/human-scores; choose from {names}.")
        return gold

    def choose_refs(self, ref: str | None) -> set[str]:
        """The main reference(s): ``ref`` (``refA`` or ``refA.refB``), else ``refA`` or the
        only reference."""
        names = sorted(self.references)
        if ref is None:
            ref = "refA" if "refA" in names else names[0] if len(names) == 1 else None
        chosen = set((ref or "").split("."))
        if not ref or not chosen <= set(names):
            raise ParameterError("ref", ref, f"not a reference of {self.lp}; choose from "
                                 f"{names} (several: refA.refB).")
        return chosen

    def usable_metrics(self, refs: set[str], level: str = "seg") -> dict[str, str]:
        """Column name -> metric file name (METRIC-REF) of the metrics usable with ``refs``."""
        usable = {}
        for full in sorted(self.metrics.get("seg", {})):
            base, used = self.metric_refs(full)
            if used <= refs:
                usable.setdefault(base + ("" if used else NOREF), []).append(full)
        return {(name if len(fulls) == 1 else full): full
                for name, fulls in usable.items() for full in fulls}

    def systems(self, gold: str, refs: set[str], level: str = "seg", include_human: bool = True,
                close_refs: set[str] = frozenset(), exclude=()) -> list[str]:
        """The scored systems of a task (see the module docstring), sorted."""
        scores = self.human.get(level, {}).get(gold, {})
        rated = {s for s, v in scores.items() if any(x is not None for x in v)}
        chosen = set(self.outputs) - refs - set(close_refs) - set(exclude)
        if not include_human:
            chosen -= self.human_systems
        return sorted(chosen & rated)

    def judgements(self, gold: str | None = None, ref: str | None = None, level: str = "seg",
                   include_human: bool = True, exclude=(), metrics=None,
                   domain: str | None = None, missing: str = "error") -> JudgementSet:
        """The cells of a task as a judgement set (level ``seg``: one row per segment and
        system; ``sys``: one row per system, item ``sys``); ``domain``: only that domain's
        segments, or at level sys the domain-level scores (``.domain.score`` files; a metric
        without one: the mean of its segment scores in the domain); ``missing``: the policy for
        a missing metric score (:class:`JudgementSet`)."""
        if domain is not None and domain not in self.domains:
            raise ParameterError("domain", domain, f"not a domain of {self.lp}; domains: "
                                 f"{sorted(set(self.domains))}.")
        gold_level = "domain" if domain is not None and level == "sys" else level
        gold, refs = self.choose_gold(gold, gold_level), self.choose_refs(ref)
        systems = self.systems(gold, refs, gold_level, include_human, exclude=exclude)
        usable = self.usable_metrics(refs)
        if metrics is not None:
            unknown = sorted(set(metrics) - set(usable))
            if unknown:
                raise ParameterError("metrics", ",".join(unknown), f"not usable with reference "
                                     f"{'.'.join(sorted(refs))}; usable: {list(usable)}.")
            usable = {m: usable[m] for m in metrics}
        if level == "sys":
            return self._system_table(gold, systems, usable, domain, missing)
        js = self._segment_table(gold, systems, usable, level, missing)
        return js if domain is None else js.subset("domain", domain)

    def _segment_table(self, gold: str, systems: list[str], usable: dict[str, str],
                       level: str, missing: str) -> JudgementSet:
        if level != "seg":
            raise ParameterError("level", level, "segment tables are read at level seg; use "
                                 "level sys for system scores.")
        n = self.segments
        frame = pd.DataFrame({"item": [str(i + 1) for _ in systems for i in range(n)],
                              "system": np.repeat(systems, n), "lp": self.lp,
                              "domain": self.domains * len(systems),
                              "doc": self.docs * len(systems)})
        frame[gold] = [np.nan if v is None else v for s in systems
                       for v in self.human["seg"][gold][s]]
        for column, full in usable.items():
            frame[column] = [v for s in systems for v in self.metrics["seg"][full][s]]
        return self._judgement_set(frame, gold, usable, "seg", missing)

    def _system_table(self, gold: str, systems: list[str], usable: dict[str, str],
                      domain: str | None, missing: str) -> JudgementSet:
        frame = pd.DataFrame({"item": "sys" if domain is None else f"sys:{domain}",
                              "system": systems, "lp": self.lp})
        if domain is None:
            human = [self.human["sys"][gold][s][0] for s in systems]
        else:
            position = sorted(dict.fromkeys(self.domains)).index(domain)
            human = [self.human["domain"][gold][s][position] for s in systems]
        frame[gold] = [np.nan if v is None else v for v in human]
        for column, full in usable.items():
            frame[column] = [self.system_score(full, s, domain) for s in systems]
        return self._judgement_set(frame, gold, usable, "sys", missing)

    def system_score(self, full: str, system: str, domain: str | None = None) -> float:
        """A metric's system-level score: its .sys.score (``domain``: .domain.score) file, else
        the mean of its segment scores (in the domain)."""
        level = "sys" if domain is None else "domain"
        if full in self.metrics.get(level, {}):
            position = 0 if domain is None else sorted(dict.fromkeys(self.domains)).index(domain)
            return float(self.metrics[level][full][system][position])
        values = np.array(self.metrics["seg"][full][system], float)
        keep = np.ones(len(values), bool) if domain is None else np.array(self.domains) == domain
        return float(values[keep].mean())

    def sys_source(self, usable: dict[str, str]) -> dict[str, str]:
        """Per column: ``file`` (its .sys.score) or ``seg-mean`` (mean of its segment scores)."""
        return {c: "file" if full in self.metrics.get("sys", {}) else "seg-mean"
                for c, full in usable.items()}

    def _judgement_set(self, frame, gold, usable, level, missing) -> JudgementSet:
        info = DatasetInfo(name=f"{self.name}.{self.lp}", title=f"{self.name} {self.lp} "
                           "(mt-metrics-eval evalset)", citation=WMT_CITATION,
                           url="https://github.com/google-research/mt-metrics-eval",
                           source=str(self.folder), human_definition=f"{gold} ({level} level)")
        groups = ["lp"] + (["domain", "doc"] if level == "seg" else [])
        metrics = {c: replace(self.scored[full], name=c) if full in self.scored
                   else MetricInfo(c, description=f"mt-metrics-eval {full}")
                   for c, full in usable.items()}
        return JudgementSet(table=frame, human=[gold], groups=groups, info=info, missing=missing,
                            metrics=metrics)

    def add_scores(self, frame: pd.DataFrame, columns: list[str], ref: str | None,
                   source: str, missing: str = "error",
                   infos: dict[str, MetricInfo] | None = None) -> None:
        """Add metric columns scored on this evalset's texts (``item`` = segment number or
        ``lp:number``, ``system``; a ``lp`` column, when present, selects this pair's rows) as metrics that used
        the main reference(s) ``ref``; every segment of every scored system must be present."""
        items = frame["item"].astype(str)
        rows = (frame[frame["lp"].astype(str) == self.lp] if "lp" in frame.columns
                else frame[items.str.startswith(f"{self.lp}:")] if items.str.contains(":").any()
                else frame)
        refs = ".".join(sorted(self.choose_refs(ref)))
        wanted = [str(i + 1) for i in range(self.segments)]
        for column in columns:
            files.check_scored(rows, column, source, missing)
            name = f"{column}-{refs}"
            if name in self.metrics.get("seg", {}):
                raise DataError(f"{source}: metric {column!r} is also a metric of the evalset "
                                f"({self.files[('seg', name)].name}). Fix: rename the column.")
            scores = {}
            for system, part in rows.groupby("system"):
                values = part.set_index(part["item"].astype(str).str.removeprefix(
                    f"{self.lp}:"))[column]
                absent = [i for i in wanted if i not in values.index]
                if absent:
                    raise DataError(f"{source}: system {system!r} of {self.lp} has no {column} "
                                    f"score for segment(s) {absent[:5]}. Fix: score every segment "
                                    "(metaeval data texts gives them all).")
                scores[str(system)] = [float(v) for v in values.loc[wanted]]
            missing = sorted(set(self.outputs) - self.choose_refs(ref) - set(scores))
            if missing:
                raise DataError(f"{source}: no {column} scores for system(s) {missing} of "
                                f"{self.lp}. Fix: score every output of the evalset.")
            self.metrics.setdefault("seg", {})[name] = scores
            self.scored[name] = (infos or {}).get(column) or MetricInfo(
                column, description=f"scored on the evalset's texts ({source})")

    def text_frame(self, ref: str | None = None, prefixed: bool = False) -> pd.DataFrame:
        """What to score: item (segment number, ``lp:number`` when ``prefixed``), system,
        hypothesis, reference(s), source for every output."""
        refs = sorted(self.choose_refs(ref))
        rows = []
        prefix = f"{self.lp}:" if prefixed else ""
        for system in sorted(set(self.outputs) - set(refs)):
            for i, hypothesis in enumerate(self.outputs[system]):
                rows.append({"item": f"{prefix}{i + 1}", "system": system, "hypothesis": hypothesis,
                             "reference": tuple(self.references[r][i] for r in refs),
                             "source": self.source[i], "lp": self.lp})
        return pd.DataFrame(rows)


def load_evalset(folder: str | Path, lp: str) -> EvalSet:
    """Read language pair ``lp`` of the evalset ``folder`` (``ROOT/<testset>``)."""
    folder = Path(folder)
    if not (folder / "sources").is_dir():
        raise DataError(f"{folder}: not an mt-metrics-eval test-set folder (no sources/). Fix: "
                        "give ROOT/<testset>, e.g. ~/.mt-metrics-eval/mt-metrics-eval-v2/wmt22.")
    source = files.read_texts(files.text_file(folder / "sources", lp, "source"), "sources")
    domains, docs = files.read_documents(folder / "documents" / f"{lp}.docs", len(source))
    references = {p.name.split(".")[-2]: files.read_texts(p, "references")
                  for p in sorted((folder / "references").glob(f"{lp}.*.*"))}
    outputs = {p.stem: files.read_texts(p, "system-outputs")
               for p in sorted((folder / "system-outputs" / lp).glob("*.*"))}
    files.check_lengths(folder, lp, len(source), references, outputs)
    evs = EvalSet(folder.name, lp, folder, source, references, outputs, domains, docs, {}, {})
    expected = {"seg": len(source), "sys": 1, "doc": len(dict.fromkeys(docs)),
                "domain": len(dict.fromkeys(domains))}
    order = sorted(dict.fromkeys(domains))
    for path in sorted((folder / "human-scores").glob(f"{lp}.*.score")):
        name, level = files.parse_score_name(path, human=True)
        scores = files.read_scores(path, level, True, order)
        files.check_scores(scores, path, level, expected[level], set(outputs), None)
        evs.human.setdefault(level, {})[name] = scores
        evs.files[(level, name)] = path
    for path in sorted((folder / "metric-scores" / lp).glob("*.score")):
        name, level = files.parse_score_name(path, human=False)
        _, used = evs.metric_refs(name)
        scores = files.read_scores(path, level, False, order)
        files.check_scores(scores, path, level, expected[level], set(outputs),
                           set(outputs) - used)
        evs.metrics.setdefault(level, {})[name] = scores
        evs.files[(level, name)] = path
    if "seg" not in evs.human:
        raise DataError(f"{folder / 'human-scores'}: no {lp}.<NAME>.seg.score file. Fix: give "
                        "an evalset with segment-level human scores.")
    return evs

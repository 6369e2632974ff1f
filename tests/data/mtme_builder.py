"""Small mt-metrics-eval evalsets written by the tests (the canonical layout, synthetic scores)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def write_evalset(root: Path, lp: str = "de-en", *, segments: int = 6, systems=("A", "B", "C"),
                  refs=("refA", "refB"), human_refs=("refB",), seed: int = 0, jsonl: bool = False,
                  gold_missing: dict | None = None, metrics=("BLEU-refA", "COMET-refA",
                                                              "QE-src", "BLEU-refB"),
                  sys_files=(), drop_system: tuple[str, str] | None = None) -> Path:
    """Write ``root/testset`` for ``lp`` and return that folder.

    Systems are ``systems`` plus the ``human_refs`` (references also given as outputs).
    ``gold_missing`` maps a system to the 0-based segments whose MQM score is None;
    ``sys_files`` lists metric names that get a ``.sys.score`` file (value: 10 + mean);
    ``drop_system=(metric, system)`` leaves that system out of the metric's seg file.
    """
    rng = np.random.default_rng(seed)
    folder = root / "testset"
    outputs = list(systems) + list(human_refs)
    texts = {name: [f"{name} says {i} ({lp})" for i in range(segments)]
             for name in outputs + list(refs) + ["source"]}
    _texts(folder / "sources", lp, texts["source"], "source", jsonl)
    for ref in refs:
        _texts(folder / "references", f"{lp}.{ref}", texts[ref], "target", jsonl)
    for name in outputs:
        _texts(folder / "system-outputs" / lp, name, texts[name], "hypothesis", jsonl)
    (folder / "documents").mkdir(parents=True, exist_ok=True)
    (folder / "documents" / f"{lp}.docs").write_text(
        "".join(f"{'news' if i < segments // 2 else 'social'} doc{i // 2}\n"
                for i in range(segments)))
    gold = {s: rng.normal(size=segments).round(3) for s in outputs}
    gold_lines = []
    for s in outputs:
        for i, v in enumerate(gold[s]):
            missing = i in (gold_missing or {}).get(s, ())
            gold_lines.append(f"{s}\t{'None' if missing else v}\n")
    (folder / "human-scores").mkdir(parents=True, exist_ok=True)
    (folder / "human-scores" / f"{lp}.mqm.seg.score").write_text("".join(gold_lines))
    (folder / "human-scores" / f"{lp}.mqm.sys.score").write_text(
        "".join(f"{s}\t{np.mean(gold[s]):.6f}\n" for s in outputs))
    metric_dir = folder / "metric-scores" / lp
    metric_dir.mkdir(parents=True, exist_ok=True)
    for metric in metrics:
        values = {s: (gold[s] + rng.normal(scale=0.5, size=segments)).round(4) for s in outputs}
        used = metric.rpartition("-")[2].split(".")
        lines = [f"{s}\t{v}\n" for s in outputs if s not in used
                 and (metric, s) != drop_system for v in values[s]]
        (metric_dir / f"{metric}.seg.score").write_text("".join(lines))
        if metric in sys_files:
            (metric_dir / f"{metric}.sys.score").write_text(
                "".join(f"{s}\t{10 + np.mean(values[s])}\n" for s in outputs if s not in used))
    return folder


def _texts(folder: Path, stem: str, lines: list[str], field: str, jsonl: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if jsonl:
        (folder / f"{stem}.jsonl").write_text("".join(json.dumps({field: t}) + "\n"
                                                      for t in lines))
    else:
        (folder / f"{stem}.txt").write_text("".join(t + "\n" for t in lines))

"""The files of an mt-metrics-eval evalset, read with their layout's rules and one-line errors.

Layout (google-research/mt-metrics-eval ``README.md``, read by its ``data.py``), under
``ROOT/<testset>/``:

- ``sources/<lp>.txt`` (one segment per line) or ``sources/<lp>.jsonl`` (field ``source``);
- ``references/<lp>.<REF>.txt|jsonl`` (jsonl field ``target``);
- ``system-outputs/<lp>/<SYS>.txt|jsonl`` (jsonl field ``hypothesis``); a reference's name among
  the systems marks a human translation;
- ``documents/<lp>.docs``: ``<domain> <doc>`` per segment;
- ``human-scores/<lp>.<NAME>.<LEVEL>.score`` and ``metric-scores/<lp>/<METRIC>-<REF>.<LEVEL>.score``
  with LEVEL ``seg``, ``sys``, ``doc`` or ``domain``: ``<sys> <score>`` per line (``<domain> <sys>
  <score>`` at level domain); ``None`` is a missing human score. REF is ``refA``, ``refA.refB``,
  ``src`` (a quality-estimation metric: no reference) or ``all``.

The line ``[No translation supplied]`` in a text file is a missing text (None).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pandas as pd

from metaeval.errors import DataError, located

NO_TRANSLATION = "[No translation supplied]"
LEVELS = ("seg", "sys", "doc", "domain")
JSONL_FIELDS = {"sources": "source", "references": "target", "system-outputs": "hypothesis"}


def _lines(path: Path) -> list[str]:
    """The lines of a UTF-8 file (a final newline ends the last line, it adds none)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(located(f"cannot read ({error})", file=str(path),
                                fix="check the evalset folder (mt-metrics-eval layout).")) from error
    lines = text.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def read_texts(path: Path, kind: str) -> list[str | None]:
    """The segments of a ``.txt`` (one per line) or ``.jsonl`` text file; missing = None."""
    if path.suffix == ".jsonl":
        texts = []
        for row, line in enumerate(_lines(path), start=1):
            try:
                texts.append(json.loads(line)[JSONL_FIELDS[kind]])
            except (ValueError, KeyError, TypeError) as error:
                raise DataError(located(f"not a JSON object with {JSONL_FIELDS[kind]!r} "
                                        f"({error!r})", file=str(path), row=row,
                                        column=JSONL_FIELDS[kind],
                                        fix="one JSON object per line.")) from error
        return texts
    return [None if line.rstrip() == NO_TRANSLATION else line.rstrip()
            for line in _lines(path)]


def text_file(folder: Path, stem: str, kind: str) -> Path:
    """``folder/stem.txt`` or ``folder/stem.jsonl``; a `DataError` when neither exists."""
    for suffix in (".txt", ".jsonl"):
        if (folder / f"{stem}{suffix}").is_file():
            return folder / f"{stem}{suffix}"
    here = sorted({p.name.split(".")[0] for p in folder.glob("*.*")}) if folder.is_dir() else []
    raise DataError(located(f"no {kind} file {stem}.txt or {stem}.jsonl", file=str(folder),
                            fix="give the evalset folder of mt-metrics-eval's layout "
                                "(ROOT/<testset>) and a language pair it has (--lp"
                                + (f"; here: {', '.join(here)})." if here else ").")))


def parse_score_name(path: Path, human: bool) -> tuple[str, str]:
    """(name, level) of ``<lp>.<NAME>.<LEVEL>.score`` (human) or ``<METRIC>-<REF>.<LEVEL>.score``."""
    parts = path.name.split(".")
    if len(parts) < (4 if human else 3) or parts[-1] != "score" or parts[-2] not in LEVELS:
        raise DataError(located("not a score file name (<lp>.<NAME>.<LEVEL>.score or "
                                "<METRIC>-<REF>.<LEVEL>.score with LEVEL seg, sys, doc or "
                                "domain)", file=str(path), fix="rename or remove the file."))
    name = ".".join(parts[1:-2]) if human else ".".join(parts[:-2])
    return name, parts[-2]


def read_scores(path: Path, level: str, human: bool,
                domains: list[str] | None = None) -> dict[str, list[float | None]]:
    """system -> scores in file order (domain level: ordered as ``domains``)."""
    scores: dict[str, list] = defaultdict(list)
    for row, line in enumerate(_lines(path), start=1):
        fields = line.split()
        if not fields:
            continue
        expected = 3 if level == "domain" else 2
        if len(fields) != expected:
            raise DataError(located(f"expected {expected} fields, got {len(fields)}",
                                    file=str(path), row=row,
                                    fix="write '<sys> <score>' (level domain: '<domain> <sys> "
                                        "<score>') per line."))
        value = _score(fields[-1], path, row, human)
        if level == "domain":
            domain, system = fields[0], fields[1]
            if domains is None or domain not in domains:
                raise DataError(located(f"unknown domain {domain!r}", file=str(path), row=row,
                                        fix=f"use the domains of the .docs file: {domains}."))
            scores.setdefault(system, [None] * len(domains))[domains.index(domain)] = value
        else:
            scores[fields[0]].append(value)
    return dict(scores)


def _score(text: str, path: Path, row: int, human: bool) -> float | None:
    if text == "None":
        if human:
            return None
        raise DataError(located("a metric score is None", file=str(path), row=row,
                                fix="score every segment of every system (mt-metrics-eval "
                                    "would silently use 0 here)."))
    try:
        return float(text)
    except ValueError:
        raise DataError(located(f"not a number: {text!r}", file=str(path), row=row,
                                fix="write a number (or None for a missing human score).")) from None


def check_scores(scores: dict[str, list], path: Path, level: str, expected: int,
                 systems: set[str], required: set[str] | None) -> None:
    """Every system known and with ``expected`` scores; ``required`` systems all present."""
    for system, values in scores.items():
        if system not in systems:
            raise DataError(located(f"unknown system {system!r} (not in system-outputs)",
                                    file=str(path), fix="remove its lines or add its output."))
        if len(values) != expected:
            raise DataError(located(f"system {system!r} has {len(values)} {level} scores, "
                                    f"expected {expected}", file=str(path),
                                    fix=f"give one score per {level} unit, in order."))
    absent = sorted((required or set()) - set(scores))
    if absent:
        raise DataError(located(f"no scores for system(s) {absent}", file=str(path),
                                fix="score every system of the evalset (mt-metrics-eval fills "
                                    "missing systems with 0; metaeval refuses)."))


def read_documents(path: Path, segments: int) -> tuple[list[str], list[str]]:
    """(domain, document) of every segment from ``documents/<lp>.docs``."""
    domains, docs = [], []
    for row, line in enumerate(_lines(path), start=1):
        fields = line.split()
        if len(fields) != 2:
            raise DataError(located(f"expected '<domain> <doc>', got {line!r}", file=str(path),
                                    row=row, fix="one '<domain> <doc>' line per segment."))
        domains.append(fields[0])
        docs.append(fields[1])
    if len(domains) != segments:
        raise DataError(located(f"{len(domains)} lines for {segments} source segments",
                                file=str(path), fix="one line per source segment."))
    return domains, docs


def check_lengths(folder: Path, lp: str, n: int, references: dict, outputs: dict) -> None:
    """Every reference and system output has one line per source segment."""
    for kind, texts in (("references", references), (f"system-outputs/{lp}", outputs)):
        for name, lines in texts.items():
            if len(lines) != n:
                raise DataError(f"{folder / kind}: {name} has {len(lines)} lines for {n} source "
                                "segments. Fix: one line per source segment.")


def check_scored(rows: pd.DataFrame, column: str, source: str, missing: str) -> None:
    """A metric failure (NaN, its reason in ``errors``) is an error unless ``missing='drop'``."""
    absent = rows[column].isna().to_numpy()
    if absent.any() and missing == "error":
        first = rows.index[absent.argmax()]
        reason = str(rows.loc[first].get("errors") or "no score")
        raise DataError(located(f"no score ({reason}; {int(absent.sum())} missing)", file=source,
                                row=int(first) + 2, column=column, fix="rescore it, or pass "
                                "--missing drop to leave the cell out of this metric's "
                                "statistics"))

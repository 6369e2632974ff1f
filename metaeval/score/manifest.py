"""What to score (audio): one `ScoreRow` per (item, system) with the paths of its audio inputs.

Two sources:

- a manifest table (CSV/TSV, JSON lines or Parquet) with columns ``item, system, estimate,
  reference`` and optional ``mixture``; relative paths are relative to the manifest's folder;
- the folder convention: ``estimates='out/{system}/{item}.wav'``,
  ``references='ref/{item}.wav'`` [``mixtures='mix/{item}.wav'``]. The estimates pattern is
  expanded with glob (``{system}``/``{item}`` -> ``*``) and the names are parsed back from each
  match; the other patterns are filled in with them.

Missing columns, empty cells, missing files and duplicate (item, system) pairs raise `DataError`
naming the file, the row, the column and the fix.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from metaeval.data.readers import DELIMITED, read_table
from metaeval.errors import DataError, ParameterError, located
from metaeval.paths import data_dir
from metaeval.score.rows import ScoreRow, check_row_key

KEYS = ("item", "system")
AUDIO_INPUTS = ("estimate", "reference", "mixture")
DEFAULT_NEEDS = ("estimate", "reference")
PLACEHOLDER = re.compile(r"\{(item|system)\}")


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def read_manifest(path: str | Path, needs: Sequence[str] = DEFAULT_NEEDS) -> list[ScoreRow]:
    """Read a manifest; ``needs`` are the audio inputs every row must give (column + existing file)."""
    path = Path(path)
    frame, lines = read_table(path, ("item", "system"))
    if path.suffix.lower() in DELIMITED:  # keep item names such as "007" as written
        frame = pd.read_csv(path, sep=DELIMITED[path.suffix.lower()], dtype=str,
                            keep_default_na=False, encoding="utf-8-sig")
    required = list(KEYS) + [n for n in AUDIO_INPUTS if n in needs]
    absent = [c for c in required if c not in frame.columns]
    if absent:
        raise DataError(located(
            f"missing column(s) {', '.join(repr(c) for c in absent)} (found: "
            f"{', '.join(map(str, frame.columns))})", file=str(path),
            fix="give the columns item, system, estimate, reference (and mixture for "
                "metrics that need it), one row per (item, system)."))
    base = path.parent
    rows, seen = [], {}
    for position, record in enumerate(frame.to_dict("records")):
        line = lines[position] if position < len(lines) else position + 2
        item, system = _cell(record.get("item")), _cell(record.get("system"))
        check_row_key(path, line, item, system, seen)
        paths = {}
        for name in AUDIO_INPUTS:
            value = _cell(record.get(name)) if name in frame.columns else ""
            if not value:
                if name in needs:
                    raise DataError(located("empty cell", file=str(path), row=line, column=name,
                                            fix=f"give the {name} audio path of every row."))
                continue
            file = expand_path(value)
            file = file if file.is_absolute() else base / file
            if name in needs and not file.is_file():
                raise DataError(located(f"audio file not found: {file}", file=str(path), row=line,
                                        column=name,
                                        fix="paths are relative to the manifest's folder; check "
                                            "the name or give an absolute path."))
            paths[name] = file
        rows.append(ScoreRow(item, system, paths, f"{path}, row {line}"))
    if not rows:
        raise DataError(located("the manifest has no rows", file=str(path),
                                fix="write one row per (item, system)."))
    return rows


def _pattern_regex(pattern: str) -> re.Pattern:
    """``a/{system}/x_{item}.wav`` -> a regex with named groups (repeats must agree)."""
    parts, used, last = [], set(), 0
    for match in PLACEHOLDER.finditer(pattern):
        parts.append(re.escape(pattern[last:match.start()]))
        name = match.group(1)
        parts.append(f"(?P={name})" if name in used else f"(?P<{name}>[^/]+?)")
        used.add(name)
        last = match.end()
    parts.append(re.escape(pattern[last:]))
    return re.compile("".join(parts) + r"\Z")


def _glob_of(pattern: str) -> str:
    pieces = PLACEHOLDER.split(pattern)  # literal, name, literal, name, ...
    return "".join(glob.escape(p) if i % 2 == 0 else "*" for i, p in enumerate(pieces))


DATA_DIR_VARIABLE = "${METAEVAL_DATA_DIR}"


def expand_path(value: str) -> Path:
    """A manifest path with ``~``, environment variables and ``${METAEVAL_DATA_DIR}`` expanded.

    ``${METAEVAL_DATA_DIR}`` resolves like :func:`metaeval.paths.data_dir` (the setting, else
    ``../shared/datasets`` next to a checkout), so shipped manifests can point at external audio.
    """
    if DATA_DIR_VARIABLE in value:
        value = value.replace(DATA_DIR_VARIABLE, str(data_dir(required=True)))
    return Path(os.path.expandvars(value)).expanduser()


def expand_patterns(estimates: str, references: str | None = None, mixtures: str | None = None,
                    needs: Sequence[str] = DEFAULT_NEEDS) -> list[ScoreRow]:
    """Rows from the folder convention; ``{system}`` and ``{item}`` are read from the estimate paths."""
    names = set(PLACEHOLDER.findall(estimates))
    if names != {"item", "system"}:
        raise ParameterError("estimates", estimates, "the pattern must contain {system} and "
                             "{item}. Fix: e.g. 'out/{system}/{item}.wav'.")
    patterns = {"estimate": estimates, "reference": references, "mixture": mixtures}
    for name in AUDIO_INPUTS[1:]:
        if name in needs and not patterns[name]:
            raise ParameterError(f"{name}s", None, f"the chosen metrics need the {name}: give "
                                 f"a pattern such as 'DIR/{{item}}.wav'.")
        if patterns[name] and "{item}" not in patterns[name]:
            raise ParameterError(f"{name}s", patterns[name], "the pattern must contain {item}. "
                                 "Fix: e.g. 'DIR/{item}.wav'.")
    regex = _pattern_regex(Path(estimates).as_posix())
    found = sorted(glob.glob(_glob_of(estimates)))
    rows, seen = [], {}
    for match_path in found:
        parsed = regex.match(Path(match_path).as_posix())
        if parsed is None or not Path(match_path).is_file():
            continue
        item, system = parsed.group("item"), parsed.group("system")
        if (item, system) in seen:
            raise DataError(f"{match_path}: duplicate (item, system) = ({item!r}, {system!r}), also "
                            f"{seen[(item, system)]}. Fix: make the pattern match one file per pair.")
        seen[(item, system)] = match_path
        paths = {"estimate": Path(match_path)}
        for name in AUDIO_INPUTS[1:]:
            if not patterns[name]:
                continue
            file = Path(patterns[name].replace("{item}", item).replace("{system}", system))
            if not file.is_file():
                if name in needs:
                    raise DataError(located(
                        f"no {name} for item {item!r} (system {system!r}): {file} not found",
                        file=match_path, fix=f"add the file or fix the --{name}s pattern."))
                continue
            paths[name] = file
        rows.append(ScoreRow(item, system, paths, match_path))
    if not rows:
        raise DataError(f"--estimates {estimates!r} matched no file. Fix: check the folder and "
                        "quote the pattern so the shell does not expand it.")
    return rows

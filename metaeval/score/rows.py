"""`ScoreRow`: one (item, system) pair to score and its inputs (audio files or texts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from metaeval.errors import DataError, located
from metaeval.metrics.spec import IMAGE_FILES


@dataclass(frozen=True)
class ScoreRow:
    """One (item, system) pair: audio inputs as file paths (``paths``: estimate, reference,
    mixture), text inputs as strings (``texts``: hypothesis, source, instruction, context, and
    ``reference`` as a tuple of one or more reference texts), or image inputs (``paths``: image,
    reference_image; ``texts``: text, and ``references`` as a tuple of captions)."""

    item: str
    system: str
    paths: dict[str, Path] = field(default_factory=dict)
    origin: str = ""  # "manifest.csv, row 3" or the estimate path, for messages
    texts: dict[str, Any] = field(default_factory=dict)

    def key(self) -> tuple[str, str]:
        return self.item, self.system

    def has(self, name: str) -> bool:
        """Whether the row gives the input ``name``."""
        return name in self.paths or name in self.texts

    @property
    def domain(self) -> str:
        if any(name in self.paths for name in IMAGE_FILES):
            return "image"
        return "text" if self.texts else "audio"


def _image_row(row, present: dict, position: int) -> ScoreRow:
    """An image row: image files as paths, ``text`` and ``references`` (a tuple) as texts."""
    paths = {n: Path(present[n]) for n in IMAGE_FILES if n in present}
    texts: dict[str, Any] = {"text": str(present["text"])} if "text" in present else {}
    if "references" in present:
        refs = present["references"]
        texts["references"] = (tuple(str(r) for r in refs) if isinstance(refs, (list, tuple))
                               else (str(refs),))
    return ScoreRow(str(row["item"]), str(row["system"]), paths, f"row {position + 1}", texts)


def as_rows(rows) -> list[ScoreRow]:
    """`ScoreRow` objects from rows, records or a frame (audio columns estimate, reference,
    mixture; text columns hypothesis, reference, source, ...; image columns image,
    reference_image, text, references); (item, system) unique."""
    if isinstance(rows, pd.DataFrame):
        rows = rows.to_dict("records")
    out = []
    for position, row in enumerate(rows):
        if isinstance(row, ScoreRow):
            out.append(row)
            continue
        present = {n: v for n, v in row.items()
                   if v is not None and not (isinstance(v, float) and np.isnan(v))}
        if any(name in present for name in IMAGE_FILES):
            out.append(_image_row(row, present, position))
            continue
        texts = {n: present[n] for n in ("hypothesis", "source", "instruction", "context")
                 if n in present}
        if "hypothesis" in present and "reference" in present:
            refs = present["reference"]
            texts["reference"] = tuple(refs) if isinstance(refs, (list, tuple)) else (str(refs),)
        paths = {} if texts else {n: Path(present[n]) for n in ("estimate", "reference",
                                                                 "mixture") if n in present}
        out.append(ScoreRow(str(row["item"]), str(row["system"]), paths, f"row {position + 1}",
                            texts))
    seen = set()
    for row in out:
        if row.key() in seen:
            raise DataError(f"{row.origin}: duplicate (item, system) = {row.key()}. Fix: give each "
                            "pair once.")
        seen.add(row.key())
    return out


def check_row_key(path, line: int, item: str, system: str, seen: dict) -> None:
    """Refuse an empty item/system cell or a repeated (item, system) pair of a manifest row;
    ``seen`` maps the pairs read so far to their rows and gains this one."""
    for name, value in (("item", item), ("system", system)):
        if not value.strip():
            raise DataError(located("empty cell", file=str(path), row=line, column=name,
                                    fix=f"give every row its {name}."))
    if (item, system) in seen:
        raise DataError(located(f"duplicate (item, system) = ({item!r}, {system!r}), first "
                                f"given in row {seen[(item, system)]}", file=str(path),
                                row=line, column="item",
                                fix="give each (item, system) pair exactly one row."))
    seen[(item, system)] = line

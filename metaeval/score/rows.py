"""`ScoreRow`: one (item, system) pair to score and its inputs (audio files or texts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ScoreRow:
    """One (item, system) pair: audio inputs as file paths (``paths``: estimate, reference,
    mixture) or text inputs as strings (``texts``: hypothesis, source, instruction, context, and
    ``reference`` as a tuple of one or more reference texts)."""

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
        return "text" if self.texts else "audio"

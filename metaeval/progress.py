"""Progress of a long run as plain lines, for a stderr that is not a terminal (a log file, a
pipe, a batch job): a line when the run starts, then at most one every ``every`` seconds with
what is done, the elapsed time and the time left at the current pace, and one at the end.

A terminal gets rich's live bars instead (``metaeval.cli.running``, ``metaeval.score.progress``);
a log file would get nothing from them until the end, so both fall back to :class:`LineProgress`.

    >>> import io
    >>> out, now = io.StringIO(), iter([0.0, 40.0, 50.0, 90.0]).__next__
    >>> bar = LineProgress("scoring", 4, stream=out, clock=now)
    >>> bar.update(1, detail="chrf")
    >>> bar.update(4, detail="chrf")
    >>> bar.close()
    >>> print(out.getvalue(), end="")
    scoring: 1/4 (25%), 40 s elapsed, about 2 min left; chrf
    scoring: done, 4/4 in 1 min 30 s
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

EVERY_SECONDS = 30.0


def duration(seconds: float) -> str:
    """``40 s``, ``2 min``, ``1 min 30 s``, ``1 h 5 min``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min" + (f" {rest} s" if rest and minutes < 10 else "")
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h" + (f" {minutes} min" if minutes else "")


class LineProgress:
    """Plain progress lines (see the module docstring); ``total`` may arrive with an update."""

    def __init__(self, label: str, total: int | None = None, every: float | None = None,
                 stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic,
                 unit: str = ""):
        self.label, self.total, self.unit = label, total, unit
        self.every = EVERY_SECONDS if every is None else every
        self.stream, self.clock = stream, clock
        self.start = self.last = clock()
        self.done, self.printed = 0, False

    def _write(self, text: str) -> None:
        stream = self.stream or sys.stderr
        stream.write(text + "\n")
        stream.flush()

    def update(self, done: int, total: int | None = None, detail: str = "") -> None:
        """``done`` of ``total`` units; prints when ``every`` seconds passed since the last
        line (the first update after the start counts from the start)."""
        self.done, self.total = done, total if total is not None else self.total
        now = self.clock()
        if now - self.last < self.every:
            return
        self.last, self.printed = now, True
        elapsed = now - self.start
        text = f"{self.label}: {done}"
        if self.total:
            text += f"/{self.total}"
        text += f" {self.unit}" if self.unit else ""
        if self.total:
            text += f" ({100 * done / self.total:.0f}%)"
        text += f", {duration(elapsed)} elapsed"
        if self.total and 0 < done < self.total:
            text += f", about {duration(elapsed * (self.total - done) / done)} left"
        self._write(text + (f"; {detail}" if detail else ""))

    def close(self) -> None:
        """The closing line, when any line was printed (a short run stays silent)."""
        if self.printed:
            total = f"{self.done}/{self.total}" if self.total else str(self.done)
            unit = f" {self.unit}" if self.unit else ""
            self._write(f"{self.label}: done, {total}{unit} in "
                        f"{duration(self.clock() - self.start)}")

"""Progress of a scoring run: a rich bar on stderr over items x metrics (plain lines when
stderr is not a terminal), a callback, or nothing."""

from __future__ import annotations

from metaeval.progress import LineProgress


class ScoreProgress:
    """A rich progress bar over items x metrics, a callback ``(done, total)``, or nothing."""

    def __init__(self, progress, total: int):
        self.total, self.done, self._callback, self._bar = total, 0, None, None
        self._lines = None
        if callable(progress):
            self._callback = progress
        elif progress:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            if not Console(stderr=True).is_terminal:  # a log file: plain lines every 30 s
                self._lines = LineProgress("scoring", total, unit="items x metrics")
                return
            self._bar = Progress("[progress.description]{task.description}", BarColumn(),
                                 MofNCompleteColumn(), TimeRemainingColumn(),
                                 console=Console(stderr=True), transient=False)
            self._task = self._bar.add_task("scoring (items x metrics)", total=total)
            self._bar.start()

    def advance(self, count: int, metric: str) -> None:
        self.done += count
        if self._bar is not None:
            from rich.markup import escape

            self._bar.update(self._task, advance=count, description=f"scoring: {escape(metric)}")
        if self._callback is not None:
            self._callback(self.done, self.total)
        if self._lines is not None:
            self._lines.update(self.done, detail=metric)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
        if self._lines is not None:
            self._lines.close()

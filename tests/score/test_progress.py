"""A scoring run's progress on a stderr that is not a terminal: plain lines (a 14-minute
scoring run into a log file printed nothing until the end)."""

from __future__ import annotations

from metaeval import progress
from metaeval.score.progress import ScoreProgress


def test_scoring_progress_is_plain_lines_on_a_log(monkeypatch, capsys):
    monkeypatch.setattr(progress, "EVERY_SECONDS", 0.0)
    bar = ScoreProgress(True, 6)
    bar.advance(3, "chrf")
    bar.advance(3, "bleu")
    bar.close()
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("scoring: 3/6 items x metrics (50%), ") and lines[0].endswith("chrf")
    assert lines[-1].startswith("scoring: done, 6/6 items x metrics in ")


def test_a_callback_gets_the_counts():
    seen = []
    bar = ScoreProgress(lambda done, total: seen.append((done, total)), 4)
    bar.advance(1, "m")
    bar.advance(3, "m")
    bar.close()
    assert seen == [(1, 4), (4, 4)]

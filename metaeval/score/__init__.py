"""`metaeval score`: read what to score, load audio, run metrics with a cache, write the table.

Light to import: torch and the metric back-ends load only when a metric is instantiated.
"""

from metaeval.score.files import read_scores, write_scores
from metaeval.score.join import join_scores
from metaeval.score.manifest import expand_patterns, read_manifest
from metaeval.score.rows import ScoreRow
from metaeval.score.runner import failure_summary, score_items
from metaeval.score.sources import load_rows

__all__ = ["ScoreRow", "expand_patterns", "failure_summary", "join_scores", "load_rows",
           "read_manifest", "read_scores", "score_items", "write_scores"]

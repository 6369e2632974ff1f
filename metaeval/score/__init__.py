"""`metaeval score`: read what to score, load audio, run metrics with a cache, join onto judgements.

Light to import: torch and the metric back-ends load only when a metric is instantiated.
"""

from metaeval.score.join import join_scores
from metaeval.score.manifest import ScoreRow, expand_patterns, load_rows, read_manifest
from metaeval.score.runner import failure_summary, score_items

__all__ = ["ScoreRow", "expand_patterns", "failure_summary", "join_scores", "load_rows",
           "read_manifest", "score_items"]

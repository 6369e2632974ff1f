"""Challenge sets of contrastive pairs (ACES and alike): reading, scoring, ACES statistics."""

from metaeval.challenge.aces import aces_score, category_of
from metaeval.challenge.evaluate import ChallengeResult, evaluate
from metaeval.challenge.sets import ChallengeSet, read_challenge_set
from metaeval.challenge.spans import gold_spans, span_f1

__all__ = ["ChallengeResult", "ChallengeSet", "aces_score", "category_of", "evaluate",
           "gold_spans", "read_challenge_set", "span_f1"]

"""Listening tests: raw ratings, rater screening, agreement, MOS/DMOS scores and a noise ceiling.

Modules: :mod:`~metaeval.listening.ratings` (read DCR/ACR, MUSHRA, webMUSHRA and long CSVs into
a validated :class:`RatingTable`), :mod:`~metaeval.listening.screening` (ITU-T P.808 and ITU-R
BS.1534 rater screening), :mod:`~metaeval.listening.agreement` (ICC, Krippendorff's alpha,
rater-vs-rest correlation).
"""

from metaeval.listening.ratings import RatingTable, read_ratings

__all__ = ["RatingTable", "read_ratings"]

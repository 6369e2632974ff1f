"""Listening tests: raw ratings, rater screening, agreement, MOS/DMOS scores and a noise ceiling.

Modules: :mod:`~metaeval.listening.ratings` (the validated :class:`RatingTable`),
:mod:`~metaeval.listening.formats` (:func:`read_ratings` for DCR/ACR, MUSHRA, webMUSHRA and long
CSVs), :mod:`~metaeval.listening.screening` (ITU-T P.808 and ITU-R BS.1534 rater screening),
:mod:`~metaeval.listening.agreement` (ICC, Krippendorff's alpha, rater-vs-rest),
:mod:`~metaeval.listening.scores` (MOS with CIs), :mod:`~metaeval.listening.posthoc`
(Friedman, Wilcoxon, letters), :mod:`~metaeval.listening.summarize` (all of it for one report);
choice tests (best-of-N, pairwise): :mod:`~metaeval.listening.choices` (:func:`read_choices`) and
:mod:`~metaeval.listening.choice_summary` (vote shares, Fleiss' kappa, Krippendorff's alpha).
"""

from metaeval.listening.choice_summary import ChoiceSummary, compute_choice_summary
from metaeval.listening.choices import ChoiceTable, read_choices
from metaeval.listening.formats import read_ratings
from metaeval.listening.ratings import RatingTable
from metaeval.listening.summarize import ListeningSummary, compute_summary

__all__ = ["ChoiceSummary", "ChoiceTable", "ListeningSummary", "RatingTable",
           "compute_choice_summary", "compute_summary", "read_choices", "read_ratings"]

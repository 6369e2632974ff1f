"""Data: judgement sets, their validation, loaders for real formats and the bundled studies."""

from metaeval.data.cards import DatasetCard, find_card, read_card
from metaeval.data.checks import check_group_sizes, constant_vectors, usable_points
from metaeval.data.gensvs import gensvs_ratings, load_gensvs
from metaeval.data.judgements import DatasetInfo, JudgementSet, MetricInfo
from metaeval.data.loaders import load_table
from metaeval.data.mushra import load_mushra
from metaeval.data.readers import read_table
from metaeval.data.studies import Protocol, list_studies, load_study, study_protocol
from metaeval.data.wmt_mqm import load_wmt_mqm, wmt_mqm_judgements

__all__ = [
    "DatasetCard", "DatasetInfo", "JudgementSet", "MetricInfo", "Protocol", "load_study",
    "study_protocol", "check_group_sizes", "constant_vectors", "find_card", "gensvs_ratings",
    "list_studies", "load_gensvs", "load_mushra", "load_table", "load_wmt_mqm", "read_card",
    "read_table", "usable_points", "wmt_mqm_judgements",
]

"""The studies behind --domain: their registered data, datasheets and protocol defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from metaeval.data.registry import dataset
from metaeval.data.studies import (
    STUDIES,
    Protocol,
    list_studies,
    load_study,
    study,
    study_protocol,
)
from metaeval.errors import DataError

ROOT = Path(__file__).resolve().parents[2]


def test_audio_domain_is_gensvs():
    by_domain = load_study("audio")
    by_name = load_study("gensvs_eval")
    assert by_domain.info.name == by_name.info.name == "gensvs_eval"
    assert by_domain.data_hash() == by_name.data_hash()
    assert len(by_domain) == 250
    assert by_domain.info.licence == dataset("gensvs_eval").licence == "MIT"


def test_study_data_licence_and_datasheet():
    entry = study("audio")
    assert entry.dataset == "gensvs_eval" and entry.licence == "MIT"
    for name in ("gensvs_eval_data.csv", "LICENSE"):
        assert (entry.path / name).is_file(), name
    assert "MIT License" in (entry.path / "LICENSE").read_text()
    sheet = (ROOT / "listening_tests" / "gensvs_eval" / "DATASHEET.md").read_text()
    for needle in ("cdcef65", "2507.11427", "@inproceedings", "multi_res_loss", "-18 LUFS",
                   "Bonferroni"):
        assert needle in sheet, needle


def test_every_column_is_in_the_datasheet():
    import pandas as pd

    sheet = (ROOT / "listening_tests" / "gensvs_eval" / "DATASHEET.md").read_text()
    columns = pd.read_csv(study("audio").path / "gensvs_eval_data.csv", nrows=0).columns
    for column in columns:
        base = column.rsplit("_", 1)[0] + "_0..11" if column[-1].isdigit() else column
        assert f"`{base}`" in sheet, column


def test_protocol_defaults():
    protocol = study("audio").protocol
    assert isinstance(protocol, Protocol)
    assert (protocol.item, protocol.system, protocol.human) == ("file_id", "model_name", "DMOS")
    assert protocol.level == "none"
    assert protocol.group_by == ("model_type",)
    assert protocol.coefficients == ("spearman", "pearson", "kendall_b")
    defaults = study_protocol("gensvs_eval")
    assert defaults["group_by"] == "model_type" and defaults["levels"] == ["none"]
    assert defaults["coefficients"] == ["spearman", "pearson", "kendall_b"]


def test_missing_policy_passes_through():
    assert load_study("audio", missing="drop").missing == "drop"


def test_unknown_name_lists_choices():
    with pytest.raises(DataError, match=r"no study 'speech'.*audio, mt, text, "
                                        r"gensvs_eval, wmt_mqm_ted_ende, summeval"):
        load_study("speech")


def test_list_studies_names_data_set_and_licence():
    lines = list_studies()
    assert len(lines) == len(STUDIES) == 3
    assert lines[0].startswith("gensvs_eval (audio): ") and "[data set gensvs_eval, MIT]" in lines[0]
    assert lines[1].startswith("wmt_mqm_ted_ende (mt): ") and "Apache-2.0" in lines[1]
    assert lines[2].startswith("summeval (text)")

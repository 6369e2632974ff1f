"""The bundled-dataset registry and its protocol defaults."""

from __future__ import annotations

import pytest

from metaeval.data.bundled import (
    BUNDLED,
    Protocol,
    bundled_dataset,
    bundled_entry,
    bundled_protocol,
    list_bundled,
)
from metaeval.errors import DataError
from metaeval.paths import LISTENING_TESTS


def test_audio_domain_is_gensvs():
    by_domain = bundled_dataset("audio")
    by_name = bundled_dataset("gensvs_eval")
    assert by_domain.info.name == by_name.info.name == "gensvs_eval"
    assert by_domain.data_hash() == by_name.data_hash()
    assert len(by_domain) == 250


def test_bundled_folder_has_data_licence_datasheet_card():
    entry = bundled_entry("audio")
    assert entry.path == LISTENING_TESTS / "gensvs_eval"
    for name in ("gensvs_eval_data.csv", "LICENSE", "DATASHEET.md", "card.yaml"):
        assert (entry.path / name).is_file(), name
    assert "MIT License" in (entry.path / "LICENSE").read_text()
    sheet = (entry.path / "DATASHEET.md").read_text()
    for needle in ("cdcef65", "2507.11427", "@inproceedings", "multi_res_loss", "-18 LUFS",
                   "Bonferroni"):
        assert needle in sheet, needle


def test_every_column_is_in_the_datasheet():
    import pandas as pd

    folder = LISTENING_TESTS / "gensvs_eval"
    sheet = (folder / "DATASHEET.md").read_text()
    columns = pd.read_csv(folder / "gensvs_eval_data.csv", nrows=0).columns
    for column in columns:
        base = column.rsplit("_", 1)[0] + "_0..11" if column[-1].isdigit() else column
        assert f"`{base}`" in sheet, column


def test_protocol_defaults():
    protocol = bundled_entry("audio").protocol
    assert isinstance(protocol, Protocol)
    assert (protocol.item, protocol.system, protocol.human) == ("file_id", "model_name", "DMOS")
    assert protocol.level == "none"
    assert protocol.group_by == ("model_type",)
    assert protocol.coefficients == ("spearman", "pearson", "kendall_b")
    defaults = bundled_protocol("gensvs_eval")
    assert defaults["group_by"] == "model_type" and defaults["levels"] == ["none"]
    assert defaults["coefficients"] == ["spearman", "pearson", "kendall_b"]


def test_missing_policy_passes_through():
    assert bundled_dataset("audio", missing="drop").missing == "drop"


def test_unknown_name_lists_choices():
    with pytest.raises(DataError, match=r"no bundled dataset 'speech'.*audio, mt, text, "
                                        r"gensvs_eval, wmt_mqm_ted_ende, summeval"):
        bundled_dataset("speech")


def test_list_bundled():
    lines = list_bundled()
    assert len(lines) == len(BUNDLED) == 3
    assert lines[0].startswith("gensvs_eval (audio): ")
    assert lines[1].startswith("wmt_mqm_ted_ende (mt): ") and lines[2].startswith("summeval (text)")

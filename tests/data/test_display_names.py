"""Dataset cards may map metric columns to short display names."""

from __future__ import annotations

import pandas as pd
import pytest

from metaeval.data import load_table, read_card
from metaeval.data.gensvs import load_gensvs
from metaeval.errors import DataError


def _table(tmp_path, card: str):
    frame = pd.DataFrame({"item": [1, 1, 2, 2, 3, 3], "system": list("ababab"),
                          "mos": [1, 2, 3, 4, 5, 1], "mert_l12_mse": [3, 2, 1, 4, 5, 6],
                          "lmr": [1, 3, 2, 5, 4, 6]})
    path = tmp_path / "ratings.csv"
    frame.to_csv(path, index=False)
    (tmp_path / "ratings.csv.yaml").write_text(card)
    return path


def test_card_display_names_become_metric_labels(tmp_path):
    path = _table(tmp_path, "item: item\nsystem: system\nhuman: mos\n"
                            "display_names: {mert_l12_mse: 'M-L12 MSE'}\n"
                            "metrics:\n  mert_l12_mse: {direction: lower}\n"
                            "  lmr: {display_name: L_MR}\n")
    js = load_table(path)
    assert js.metrics["mert_l12_mse"].label == "M-L12 MSE"
    assert js.metrics["mert_l12_mse"].display_name == "M-L12 MSE"
    assert js.metrics["lmr"].display_name == "L_MR"
    assert not js.metrics["mert_l12_mse"].higher_is_better


@pytest.mark.parametrize("card, message", [
    ("display_names: {a: X, b: X}\n", "given to both 'a' and 'b'"),
    ("display_names: [a, b]\n", "expected a mapping column -> label"),
    ("display_names: {a: '  '}\n", "display name of 'a' is empty"),
    ("display_names: {a: X}\nmetrics: {a: {display_name: Y}}\n", "two display names"),
])
def test_bad_display_names_are_refused(tmp_path, card, message):
    path = tmp_path / "card.yaml"
    path.write_text(card)
    with pytest.raises(DataError, match=message):
        read_card(path)


def test_display_name_of_an_unknown_column_is_refused(tmp_path):
    path = _table(tmp_path, "item: item\nsystem: system\nhuman: mos\n"
                            "display_names: {mert_l12_mes: 'M-L12 MSE'}\n")
    with pytest.raises(DataError, match="mert_l12_mes"):
        load_table(path)


def test_bundled_gsvs_card_has_the_papers_short_labels():
    js = load_gensvs()
    labels = {m: info.display_name for m, info in js.metrics.items()}
    assert labels["emb_mse_mert_df"] == "M-L12 MSE" and labels["multi_res_loss"] == "L_MR"
    assert labels["sisdr"] == "SI-SDR" and labels["fad_song2song_clap_audio_df"] == "CL-a FAD"
    assert len(set(labels.values())) == 24 and all(labels[m] != m for m in labels)

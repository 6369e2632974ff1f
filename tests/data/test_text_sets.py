"""The bundled MT and text judgement sets: TED en-de MQM (texts, references, settable weights)
and SummEval (four aspects, eleven references), against their raw files."""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pytest

from metaeval import Settings
from metaeval.correlation.assemble import build_signature
from metaeval.data import summeval
from metaeval.data.wmt_mqm import MQMWeights, text_frame, wmt_mqm_judgements
from metaeval.errors import ParameterError
from tests.registered import registered

TED = registered("wmt_mqm_ted") / "ende"


def test_bundled_ted_equals_the_shared_release(datasets_dir):
    shared = datasets_dir / "wmt_mqm_ted" / "ende" / "mqm_ted_ende.tsv"
    if not shared.exists():
        pytest.skip("shared data absent")
    assert (TED / "mqm_ted_ende.tsv").read_bytes() == shared.read_bytes()


def test_ted_texts_come_from_the_tsv():
    frame = text_frame(TED)
    assert len(frame) == 529 * 13 and frame["system"].nunique() == 13
    assert not frame["system"].str.startswith("ref").any()
    with open(TED / "mqm_ted_ende.tsv", newline="") as handle:
        raw = [r for r in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]
    target = next(r["target"] for r in raw if r["system"] == "HuaweiTSC" and r["seg_id"] == "1")
    reference = next(r["target"] for r in raw if r["system"] == "ref" and r["seg_id"] == "1")
    row = frame[(frame["system"] == "HuaweiTSC") & (frame["item"] == "1")].iloc[0]
    assert row["hypothesis"] == target.replace("<v>", "").replace("</v>", "")
    assert "<v>" in target and row["reference"] == (reference.replace("<v>", "").replace(
        "</v>", ""),)


def test_mqm_weights_are_settable_and_recorded():
    default = wmt_mqm_judgements(TED)
    heavy = wmt_mqm_judgements(TED, weights=MQMWeights.parse("major=10,minor_punctuation=1"))
    assert (heavy.table["mqm"] <= default.table["mqm"]).all()
    assert (heavy.table["mqm"] < default.table["mqm"]).any()
    assert "major 5" in default.info.human_definition
    assert "major 10" in heavy.info.human_definition
    settings = Settings(coefficients=("pearson",), k=10)
    sig = [build_signature(js, "mqm", [], settings) for js in (default, heavy)]
    assert sig[0].human_definition != sig[1].human_definition
    with pytest.raises(ParameterError, match="unknown weight 'severe'"):
        MQMWeights.parse("severe=3")
    with pytest.raises(ParameterError, match="is not a number"):
        MQMWeights.parse("major=big")


def test_summeval_tables():
    js = summeval.load_summeval()
    assert len(js) == 1600 and js.human == list(summeval.ASPECTS)
    cells = js.cells()
    assert cells["item"].nunique() == 100 and cells["system"].nunique() == 16
    texts = summeval.text_frame()
    assert texts["reference"].map(len).eq(11).all()
    assert summeval.text_frame(references=1)["reference"].map(len).eq(1).all()
    raw = [json.loads(line) for line in (registered("summeval", "summaries.jsonl")).open()]
    means = pd.DataFrame([r["scores"] for r in raw]).mean()
    np.testing.assert_allclose(js.table[list(summeval.ASPECTS)].mean(), means)

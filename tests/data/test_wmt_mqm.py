"""WMT21 TED MQM: segment scores recomputed from the per-error TSV equal the release's
``mqm_ted_{lp}.avg_seg_scores.tsv`` for every (system, segment)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metaeval.data.wmt_mqm import error_weights, load_wmt_mqm, wmt_mqm_judgements
from metaeval.errors import DataError

# The per-error TSV names the references `ref` / `refB`; the score file `ref-A` / `ref-B`.
REFERENCE_NAMES = {"ref": "ref-A", "refB": "ref-B"}


def test_error_weights_by_hand():
    category = pd.Series(["Accuracy/Mistranslation", "Fluency/Punctuation", "Fluency/Punctuation",
                          "Non-translation!", "No-error", "Style/Awkward", "Other"])
    severity = pd.Series(["Major", "Minor", "Major", "Major", "No-error", "Neutral", "Minor"])
    np.testing.assert_array_equal(error_weights(category, severity),
                                  [5.0, 0.1, 5.0, 25.0, 0.0, 0.0, 1.0])


def _release_scores(lp_dir, lp):
    ref = pd.read_csv(lp_dir / f"mqm_ted_{lp}.avg_seg_scores.tsv", sep=r"\s+")
    ref["mqm_avg_score"] = pd.to_numeric(ref["mqm_avg_score"].replace("None", np.nan))
    return ref


@pytest.mark.parametrize("lp", ["ende", "zhen"])
def test_segment_scores_equal_the_release(datasets_dir, lp):
    lp_dir = datasets_dir / "wmt_mqm_ted" / lp
    ours = load_wmt_mqm(lp_dir / f"mqm_ted_{lp}.tsv")
    assert list(ours.columns) == ["system", "seg_id", "doc", "n_raters", "mqm"]
    assert (ours["n_raters"] >= 1).all()
    ours = ours.assign(system=ours["system"].replace(REFERENCE_NAMES))
    release = _release_scores(lp_dir, lp)
    rated = release.dropna(subset=["mqm_avg_score"])
    merged = rated.merge(ours, on=["system", "seg_id"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    diff = (merged["mqm"] - merged["mqm_avg_score"]).abs()
    assert diff.max() <= 1e-9
    assert len(merged) == len(rated)


@pytest.mark.parametrize("lp", ["ende", "zhen"])
def test_judgement_set(datasets_dir, lp):
    js = wmt_mqm_judgements(datasets_dir / "wmt_mqm_ted" / lp)
    assert not js.table["system"].str.startswith("ref").any()
    assert js.table["system"].nunique() == 13
    assert js.table["item"].nunique() == 529
    assert len(js) == 13 * 529
    assert js.human == ["mqm"] and js.groups == ["doc"]
    assert js.info.licence == "Apache-2.0" and "2104.14478" in js.info.citation
    gold, _, systems, items = js.matrices([])
    assert gold.shape == (13, 529) and np.isfinite(gold).all()
    assert (gold <= 0).all()


def test_judgement_set_with_metric_scores(datasets_dir):
    lp_dir = datasets_dir / "wmt_mqm_ted" / "ende"
    seg = load_wmt_mqm(lp_dir / "mqm_ted_ende.tsv")
    seg = seg[seg["system"] != "ref"]
    # a made-up metric: known numbers keyed by (system, seg_id), to check the join
    scores = seg[["system", "seg_id"]].assign(score=seg["seg_id"] * 0.5 + seg["n_raters"])
    js = wmt_mqm_judgements(lp_dir, {"toy": scores})
    assert js.metric_names == ["toy"]
    np.testing.assert_allclose(js.table["toy"].to_numpy(),
                               js.table["item"].astype(int).to_numpy() * 0.5 + 1)
    with pytest.raises(DataError, match=r"missing metric score"):
        wmt_mqm_judgements(lp_dir, {"toy": scores.iloc[:-1]})
    with pytest.raises(DataError, match=r"needs columns"):
        wmt_mqm_judgements(lp_dir, {"toy": scores.rename(columns={"score": "value"})})


def test_unreadable_tsv(tmp_path):
    bad = tmp_path / "mqm_x.tsv"
    bad.write_text("system\tseg_id\nA\t1\n")
    with pytest.raises(DataError, match=r"mqm_x\.tsv, column 'doc': missing column"):
        load_wmt_mqm(bad)

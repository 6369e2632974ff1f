"""mt-metrics-eval evalsets: the real WMT22 zh-en evalset against mt-metrics-eval's values, and
small evalsets of our own for what it lacks (jsonl texts, system-level metric files, missing
gold, a metric file missing a system, outliers, several references)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from metaeval.data.mtme import load_evalset
from metaeval.errors import DataError, ParameterError
from metaeval.stats.levels import correlation_at_level
from tests.data.mtme_builder import write_evalset

# task of the reference JSON -> (table level, coefficient, level)
ENGINE_TASKS = {"seg_pearson_none": ("seg", "pearson", "none"),
                "seg_kendall_none": ("seg", "kendall_b", "none"),
                "seg_pearson_item": ("seg", "pearson", "item"),
                "seg_acc_eq_item": ("seg", "acc23_tiecal", "item"),
                "sys_pearson": ("sys", "pearson", "system"),
                "sys_accuracy": ("sys", "pairwise_acc", "system")}


@pytest.fixture(scope="module")
def wmt22(datasets_dir):
    folder = datasets_dir / "wmt22_zhen_mtme" / "wmt22"
    if not folder.is_dir():
        pytest.skip("WMT22 zh-en evalset absent")
    return load_evalset(folder, "zh-en")


@pytest.fixture(scope="module")
def reference(reference_dir):
    return json.loads((reference_dir / "wmt22_zhen_mtme.json").read_text())


def test_the_real_evalset_as_mt_metrics_eval_selects_it(wmt22, reference):
    js = wmt22.judgements()  # gold mqm, reference refA, refB scored as a system
    assert sorted(js.table["system"].unique()) == sorted(
        s for s in reference["systems"] if s != "refA" and s in js.table["system"].unique())
    assert js.table["system"].nunique() == 15 and "refB" in set(js.table["system"])
    assert js.metric_names == sorted(reference["tasks"]["sys_pearson"]["values"])
    assert js.table["item"].nunique() == 1875 and set(js.table["lp"]) == {"zh-en"}
    assert {"domain", "doc"} <= set(js.groups)
    sys_js = wmt22.judgements(level="sys")
    assert len(sys_js) == 15 and set(sys_js.table["item"]) == {"sys"}
    assert set(wmt22.sys_source({"BLEU": "BLEU-refA"}).values()) == {"seg-mean"}  # no sys files


@pytest.mark.parametrize("task", sorted(ENGINE_TASKS))
def test_reference_values_of_mt_metrics_eval(wmt22, reference, task):
    table, coefficient, level = ENGINE_TASKS[task]
    js = wmt22.judgements(level=table)
    gold, scores, _, _ = js.matrices(js.metric_names)
    values = correlation_at_level(gold, scores, coefficient, level)
    expected = reference["tasks"][task]["values"]
    for metric, value in zip(js.metric_names, values):
        assert value == pytest.approx(expected[metric], abs=1e-12), (task, metric)


def test_texts_to_score(wmt22):
    texts = wmt22.text_frame()  # every output but the main reference refA
    assert "refA" not in set(texts["system"]) and len(texts) == 19 * 1875 and set(texts.columns) >= {"item", "system", "hypothesis",
                                                              "reference", "source"}
    first = texts[(texts["system"] == "refB") & (texts["item"] == "1")].iloc[0]
    assert first["source"] == "是否有途径处罚他" and first["reference"] == (wmt22.references["refA"][0],)


def test_jsonl_texts_equal_txt_texts(tmp_path):
    plain = load_evalset(write_evalset(tmp_path / "a"), "de-en")
    jsonl = load_evalset(write_evalset(tmp_path / "b", jsonl=True), "de-en")
    assert plain.source == jsonl.source and plain.outputs == jsonl.outputs
    assert plain.references == jsonl.references


def test_reference_rules_and_names(tmp_path):
    evs = load_evalset(write_evalset(tmp_path), "de-en")
    assert evs.human_systems == {"refB"}
    assert evs.usable_metrics({"refA"}) == {"BLEU": "BLEU-refA", "COMET": "COMET-refA",
                                            "QE[noref]": "QE-src"}
    both = evs.usable_metrics({"refA", "refB"})
    assert both["BLEU-refA"] == "BLEU-refA" and both["BLEU-refB"] == "BLEU-refB"  # ambiguous
    js = evs.judgements(ref="refA")
    assert sorted(js.table["system"].unique()) == ["A", "B", "C", "refB"]
    assert sorted(evs.judgements(include_human=False).table["system"].unique()) == ["A", "B", "C"]
    assert sorted(evs.judgements(exclude=["B"]).table["system"].unique()) == ["A", "C", "refB"]
    with pytest.raises(ParameterError, match="ref.*not a reference of de-en"):
        evs.judgements(ref="refZ")
    with pytest.raises(ParameterError, match="gold.*choose from \\['mqm'\\]"):
        evs.judgements(gold="da")


def test_system_level_metric_scores_from_file_else_segment_mean(tmp_path):
    evs = load_evalset(write_evalset(tmp_path, sys_files=("COMET-refA",)), "de-en")
    js = evs.judgements(level="sys")
    bleu = np.array(evs.metrics["seg"]["BLEU-refA"]["A"]).mean()
    row = js.table.set_index("system").loc["A"]
    assert row["BLEU"] == pytest.approx(bleu)
    assert row["COMET"] == pytest.approx(evs.metrics["sys"]["COMET-refA"]["A"][0])
    assert evs.sys_source({"BLEU": "BLEU-refA", "COMET": "COMET-refA"}) == {
        "BLEU": "seg-mean", "COMET": "file"}


def test_missing_gold_is_nan_per_cell(tmp_path):
    folder = write_evalset(tmp_path, gold_missing={"A": (0, 1), "B": (4,)})
    js = load_evalset(folder, "de-en").judgements()
    gold, _, systems, items = js.matrices(js.metric_names)
    missing = {(systems[s], items[i]) for s, i in zip(*np.nonzero(np.isnan(gold)))}
    assert missing == {("A", "1"), ("A", "2"), ("B", "5")}


def test_a_metric_file_missing_a_system_is_an_error_naming_it(tmp_path):
    folder = write_evalset(tmp_path, drop_system=("COMET-refA", "B"))
    with pytest.raises(DataError, match=r"COMET-refA.seg.score: no scores for system\(s\) "
                                        r"\['B'\].*fills missing systems with 0"):
        load_evalset(folder, "de-en")


def test_bad_files_are_one_line_errors(tmp_path):
    folder = write_evalset(tmp_path)
    seg = folder / "metric-scores" / "de-en" / "BLEU-refA.seg.score"
    lines = seg.read_text().splitlines(keepends=True)
    seg.write_text("A\t1.0\textra\n" + "".join(lines[1:]))
    with pytest.raises(DataError, match="BLEU-refA.seg.score, row 1: expected 2 fields"):
        load_evalset(folder, "de-en")
    seg.write_text("A\tNone\n" + "".join(lines[1:]))
    with pytest.raises(DataError, match="row 1: a metric score is None"):
        load_evalset(folder, "de-en")
    with pytest.raises(DataError, match="no source file de-fr.txt or de-fr.jsonl"):
        load_evalset(folder, "de-fr")
    with pytest.raises(DataError, match="not an mt-metrics-eval test-set folder"):
        load_evalset(tmp_path, "de-en")


def test_several_language_pairs_in_one_folder(tmp_path):
    write_evalset(tmp_path, lp="de-en", seed=1)
    folder = write_evalset(tmp_path, lp="en-de", seed=2)
    de, en = load_evalset(folder, "de-en"), load_evalset(folder, "en-de")
    assert de.source != en.source
    assert set(de.judgements().table["lp"]) == {"de-en"}
    assert set(en.judgements().table["lp"]) == {"en-de"}

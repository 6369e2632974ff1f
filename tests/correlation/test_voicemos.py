"""The MSE coefficient and the VoiceMOS table (``--protocol voicemos``): every number against the
VoiceMOS challenge's formulas (utterance MSE = mean((pred - mos)^2), LCC = np.corrcoef, SRCC and
KTAU = scipy, system level from the per-system means) on synthetic MOS data and on the GSVS
listening test (DMOS with its MOS predictors), per condition and pooled."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from typer.testing import CliRunner

from metaeval import run
from metaeval.cli import app
from metaeval.cli.summary import summary_table
from metaeval.correlation import Settings, TaskSet
from metaeval.correlation.taskset import Task
from metaeval.correlation.voicemos import voicemos_table
from metaeval.data.judgements import JudgementSet
from metaeval.errors import ParameterError
from metaeval.stats.coefficients import mean_squared_error
from metaeval.stats.levels import correlation_at_level
from metaeval.stats.permutation import perm_both
from tests.registered import registered

runner = CliRunner()


def mos_table(rng: np.random.Generator, systems: int = 8, utterances: int = 30) -> pd.DataFrame:
    """MOS-like ratings of utterances of several systems at two sampling rates, a good and a
    biased-noisy predictor on the MOS scale."""
    quality = rng.normal(3.0, 0.8, systems)
    rows = []
    for s in range(systems):
        for u in range(utterances):
            mos = float(np.clip(quality[s] + rng.normal(0, 0.6), 1, 5))
            rows.append({"utt": f"s{s}u{u}", "system": f"sys{s}", "mos": mos,
                         "sr": "16k" if u % 2 else "48k",
                         "good": mos + rng.normal(0, 0.4),
                         "biased": mos + 0.8 + rng.normal(0, 0.9)})
    return pd.DataFrame(rows)


def challenge_numbers(frame: pd.DataFrame, pred: str) -> dict[str, float]:
    """The VoiceMOS challenge's eight numbers (its scoring script's formulas)."""
    out = {}
    sys_frame = frame.groupby("system")[["mos", pred]].mean()
    for tag, part in (("utt", frame), ("sys", sys_frame)):
        true, guess = part["mos"].to_numpy(), part[pred].to_numpy()
        out[f"{tag}_mse"] = float(np.mean((guess - true) ** 2))
        out[f"{tag}_lcc"] = float(np.corrcoef(true, guess)[0, 1])
        out[f"{tag}_srcc"] = float(scipy.stats.spearmanr(true, guess)[0])
        out[f"{tag}_ktau"] = float(scipy.stats.kendalltau(true, guess)[0])
    return out


def test_mse_by_hand_with_missing_cells():
    gold = np.array([[1.0, 2.0, np.nan], [4.0, 5.0, 3.0]])
    metric = np.array([[1.5, np.nan, 2.0], [3.0, 5.0, 5.0]])
    # pooled: cells (1, 1.5), (4, 3), (5, 5), (3, 5) -> (0.25 + 1 + 0 + 4) / 4
    assert correlation_at_level(gold, metric, "mse", "none") == pytest.approx(5.25 / 4)
    # system level: means over each system's shared cells: (1 vs 1.5), (4 vs 13/3)
    assert correlation_at_level(gold, metric, "mse", "system") == pytest.approx(
        (0.25 + (4 - 13 / 3) ** 2) / 2)
    assert np.isnan(mean_squared_error(np.array([np.nan]), np.array([1.0])))


def test_perm_both_tests_mse_on_the_raw_scores():
    """b = a + 1 has the same z-scores as a: on z-scores MSE could not tell them apart."""
    rng = np.random.default_rng(7)
    gold = rng.normal(3, 1, (6, 40))
    a = gold + rng.normal(0, 0.3, gold.shape)
    scores = np.stack([a, a + 1.0])
    result = perm_both(gold, scores, "mse", "none", k=200, seed=1)
    assert result.statistic[0, 1] == pytest.approx(np.mean((a - gold) ** 2)
                                                   - np.mean((a + 1 - gold) ** 2))
    assert result.pvalue[0, 1] < 0.01  # "a better than b": lower MSE
    assert result.pvalue[1, 0] > 0.99


@pytest.fixture
def synthetic_result():
    frame = mos_table(np.random.default_rng(3))
    js = JudgementSet.from_frame(frame, item="utt", system="system", human="mos",
                                 metrics=["good", "biased"], groups=["sr"])
    return frame, run(js, "voicemos", group_by="sr", k=200, seed=0)


def test_voicemos_table_equals_the_challenge_formulas(synthetic_result):
    frame, result = synthetic_result
    table = voicemos_table(result.table, ["good", "biased"])
    assert list(dict.fromkeys(table["group"])) == ["16k", "48k", "all"]
    for group, part in (("16k", frame[frame["sr"] == "16k"]),
                        ("48k", frame[frame["sr"] == "48k"]), ("all", frame)):
        for metric in ("good", "biased"):
            row = table[(table["group"] == group) & (table["metric"] == metric)].iloc[0]
            for key, value in challenge_numbers(part, metric).items():
                assert row[key] == pytest.approx(value, abs=1e-12), (group, metric, key)
                assert row[key + "_low"] < row[key + "_high"], (group, metric, key)
            assert (row["n_utt"], row["n_sys"]) == (len(part), 8)


def test_voicemos_clusters_follow_lower_is_better(synthetic_result):
    _, result = synthetic_result
    t = result.table
    mse = t[(t["coefficient"] == "mse") & (t["group"] == "all") & (t["level"] == "none")]
    clusters = dict(zip(mse["metric"], mse["cluster"]))
    assert clusters == {"good": 1, "biased": 2}  # the lower MSE is the better one
    pairs = result.pairwise
    row = pairs[(pairs["task"] == mse["task"].iloc[0]) & (pairs["metric_a"] == "good")].iloc[0]
    assert row["delta"] < 0 and row["pvalue"] < 0.05
    assert result.signature.protocol == "voicemos" and len(result.signature.tasks) == 24
    assert any("not scale-free" in n for n in result.notes)


def test_summary_sorts_mse_ascending():
    frame = mos_table(np.random.default_rng(5), systems=5, utterances=10)
    js = JudgementSet.from_frame(frame, item="utt", system="system", human="mos",
                                 metrics=["biased", "good"])
    result = run(js, settings=Settings(coefficients=("mse",), k=50))
    text = summary_table(result, "none", "all")
    assert text.index("good") < text.index("biased")


def test_mse_refusals():
    frame = mos_table(np.random.default_rng(9), systems=4, utterances=6)
    flipped = JudgementSet.from_frame(frame, item="utt", system="system", human="mos",
                                      metrics=["good", "biased"], lower_is_better=["biased"])
    with pytest.raises(ParameterError, match="lower-is-better"):
        run(flipped, "voicemos", k=0)
    with pytest.raises(ParameterError, match="no bounded range"):
        TaskSet((Task("mse", "none"), Task("pearson", "none")), (1.0, 1.0))
    with pytest.raises(ParameterError, match="primary coefficient mse"):
        Settings(coefficients=("mse", "pearson"), stability=True)


GSVS = registered("gensvs_eval", "gensvs_eval_data.csv")
PREDICTORS = ["singmos", "xls_r_sqa", "visqol"]


def test_cli_voicemos_on_gsvs_dmos(tmp_path):
    """GSVS DMOS (1-5) against its three MOS predictors, per model type and pooled."""
    out = tmp_path / "vm"
    result = runner.invoke(app, ["correlate", "--domain", "audio", "--protocol", "voicemos",
                                 "--group-by", "model_type", "--metrics", ",".join(PREDICTORS),
                                 "--k", "100", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "utt MSE" in result.output and "sys KTAU" in result.output
    table = pd.read_csv(out / "voicemos.csv")
    frame = pd.read_csv(GSVS).rename(columns={"DMOS": "mos", "model_name": "system"})
    for group in ("discriminative", "generative", "all"):
        part = frame if group == "all" else frame[frame["model_type"] == group]
        for metric in PREDICTORS:
            row = table[(table["group"] == group) & (table["metric"] == metric)].iloc[0]
            expected = challenge_numbers(part, metric)
            keys = expected if part["system"].nunique() >= 3 else [k for k in expected
                                                                  if k.startswith("utt")]
            for key in keys:
                assert row[key] == pytest.approx(expected[key], abs=1e-9), (group, metric, key)
    generative = table[table["group"] == "generative"]
    assert generative["sys_mse"].isna().all()  # two generative systems: below min-points 3
    saved = json.loads((out / "results.json").read_text())
    assert len(saved["voicemos"]) == 9 and saved["voicemos"][0]["utt_mse"] > 0
    tex = (out / "table.tex").read_text()
    assert tex.count(r"\begin{table*}") == 3 and "sys SRCC" in tex
    assert 'id="voicemos"' in (out / "index.html").read_text()


def test_cli_voicemos_several_humans_one_folder(tmp_path):
    """--protocol voicemos with two --human columns is one run in one folder (main's layout):
    voicemos.csv and results.json's ``voicemos`` have a row per human, group and metric, each
    human's numbers equal the challenge formulas against that column, the terminal and the HTML
    name each human's table."""
    frame = mos_table(np.random.default_rng(21))
    frame["mos2"] = np.clip(frame["mos"] + np.random.default_rng(22).normal(0, 0.5, len(frame)),
                            1, 5)
    path = tmp_path / "mos.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "vm"
    result = runner.invoke(app, [
        "correlate", "--data", str(path), "--item", "utt", "--system", "system", "--human",
        "mos,mos2", "--metrics", "good,biased", "--protocol", "voicemos", "--group-by", "sr",
        "--k", "50", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir() if p.is_dir()] == []
    assert "voicemos with mos, 16k" in result.output and "voicemos with mos2, 48k" in result.output
    table = pd.read_csv(out / "voicemos.csv")
    assert list(table.columns[:3]) == ["human", "group", "metric"] and len(table) == 2 * 3 * 2
    for human in ("mos", "mos2"):
        row = table[(table["human"] == human) & (table["group"] == "all")
                    & (table["metric"] == "good")].iloc[0]
        expected = challenge_numbers(frame.assign(mos=frame[human]), "good")
        for key, value in expected.items():
            assert row[key] == pytest.approx(value, abs=1e-12), (human, key)
    saved = json.loads((out / "results.json").read_text())
    assert [r["human"] for r in saved["voicemos"]].count("mos2") == 6
    html = (out / "index.html").read_text()
    assert 'id="mos-voicemos"' in html and 'id="mos2-voicemos"' in html
    tex = (out / "table.tex").read_text()  # a caption and a label per human and group
    labels = [line for line in tex.splitlines() if line.startswith(r"\label{")]
    assert len(labels) == len(set(labels)) == 2 * 3
    assert r"\label{tab:metaeval-mos-mos2-voicemos-16k}" in labels
    assert "VoiceMOS table of mos2, 48k" in tex

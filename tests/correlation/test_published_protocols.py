"""Published protocols: --empty-output, --aggregate-humans mean-of-correlations and --per-item,
by hand / scipy and on TIGERScore's WebNLG-2020 Data2Text task (BLEU 23.13 x100 Kendall only
when an empty output scores 0)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from typer.testing import CliRunner

from metaeval import run
from metaeval.cli import app
from metaeval.correlation import Settings
from metaeval.correlation.humans_mean import joint_draws
from metaeval.correlation.per_item import summary_statistic
from metaeval.correlation.taskset import Task
from metaeval.data.judgements import JudgementSet
from metaeval.errors import DataError, MetricOptionError, ParameterError
from metaeval.metrics import get_metric
from metaeval.paths import data_dir
from metaeval.score.runner import score_items
from metaeval.stats.resampling import percentile_bounds

sacrebleu = pytest.importorskip("sacrebleu")
runner = CliRunner()


def text_rows() -> pd.DataFrame:
    return pd.DataFrame({"item": ["1", "1", "2"], "system": ["a", "b", "a"],
                         "hypothesis": ["the cat sat", "  ", "a dog ran home"],
                         "reference": [["the cat sat down"], ["the cat sat down"],
                                       ["a dog ran home"]]})


def test_empty_output_policies():
    nan = score_items(text_rows(), ["bleu"])
    assert np.isnan(nan["bleu"][1]) and "empty hypothesis" in nan["errors"][1]
    zero = score_items(text_rows(), ["bleu"], empty_output="zero")
    assert zero["bleu"][1] == 0.0 == sacrebleu.sentence_bleu("", ["the cat sat down"]).score
    assert zero["bleu"][0] == pytest.approx(
        sacrebleu.sentence_bleu("the cat sat", ["the cat sat down"]).score)
    assert zero["errors"][1] == "" and json.loads(zero["details"][1]) == {
        "bleu": {"empty_output": "zero"}}
    meta = zero.attrs["metrics"]["bleu"]
    assert meta["signature"].endswith("+empty-output:zero")
    assert meta["options"]["empty_output"] == "zero"
    assert "+empty" not in nan.attrs["metrics"]["bleu"]["signature"]
    full = text_rows().drop(index=1)  # nothing empty: the policy changes nothing, not recorded
    assert "+empty" not in score_items(full, ["bleu"], empty_output="zero").attrs["metrics"][
        "bleu"]["signature"]
    with pytest.raises(DataError, match="item '1', system 'b': empty system output"):
        score_items(text_rows(), ["bleu"], empty_output="error")
    with pytest.raises(ParameterError, match="unknown empty-output policy"):
        score_items(text_rows(), ["bleu"], empty_output="skip")


def test_a_policy_per_metric_in_its_request():
    """``bleu:empty_output=zero`` next to ``chrf`` (the run's nan): bleu scores 0 at the empty
    output and records it, chrf leaves a missing score; a request's ``error`` stops the run."""
    mixed = score_items(text_rows(), ["bleu:empty_output=zero", "chrf"])
    assert mixed["bleu:empty_output=zero"][1] == 0.0 and np.isnan(mixed["chrf"][1])
    meta = mixed.attrs["metrics"]
    assert meta["bleu:empty_output=zero"]["signature"].endswith("+empty-output:zero")
    assert "+empty" not in meta["chrf"]["signature"] and "chrf: empty" in mixed["errors"][1]
    plain = score_items(text_rows(), ["bleu"], empty_output="zero")  # the same number either way
    assert meta["bleu:empty_output=zero"]["signature"] == plain.attrs["metrics"]["bleu"][
        "signature"]
    over = score_items(text_rows(), ["bleu:empty_output=nan", "chrf"], empty_output="zero")
    assert np.isnan(over["bleu:empty_output=nan"][1]) and over["chrf"][1] == 0.0
    with pytest.raises(DataError, match=r"empty system output \(chrf:empty_output=error\)"):
        score_items(text_rows(), ["bleu", "chrf:empty_output=error"])
    with pytest.raises(MetricOptionError, match="empty_output=skip: choose nan, zero, error"):
        score_items(text_rows(), ["bleu:empty_output=skip"])
    with pytest.raises(MetricOptionError, match="reads a system output text"):
        get_metric("sisdr:empty_output=zero")


def aspects_set(rng: np.random.Generator) -> tuple[pd.DataFrame, JudgementSet]:
    rows = []
    for item in range(25):
        for system in range(6):
            quality = rng.normal()
            rows.append({"item": f"i{item}", "system": f"s{system}",
                         "fluency": quality + rng.normal(0, 0.5),
                         "coverage": quality + rng.normal(0, 1.0),
                         "relevance": rng.normal(),
                         "m1": quality + rng.normal(0, 0.7), "m2": rng.normal()})
    frame = pd.DataFrame(rows)
    return frame, JudgementSet.from_frame(frame, item="item", system="system",
                                          human=["fluency", "coverage", "relevance"],
                                          metrics=["m1", "m2"])


HUMANS = ["fluency", "coverage", "relevance"]


def test_mean_of_correlations_by_hand_and_joint_bootstrap():
    frame, js = aspects_set(np.random.default_rng(11))
    run_ = run(js, human=HUMANS, aggregate_humans="mean-of-correlations",
               coefficients=("kendall_b",), k=300, seed=4)
    # one run: each column's own result, then the mean as one more human of the same run
    assert run_.humans == [*HUMANS, "mean(fluency,coverage,relevance)"]
    result = run_["mean(fluency,coverage,relevance)"]
    assert result.human == "mean(fluency,coverage,relevance)"
    assert result.signature.human == result.human
    assert "aggregate-humans:mean-of-correlations" in str(result.signature)
    assert "aggregate-humans:mean-of-correlations" in str(run_.signature)
    assert "aggregate-humans" not in str(run_["coverage"].signature)  # its numbers: a plain run's
    assert run_.signature.human == tuple(HUMANS)
    for metric in ("m1", "m2"):
        row = result.table[result.table["metric"] == metric].iloc[0]
        expected = np.mean([scipy.stats.kendalltau(frame[h], frame[metric])[0] for h in HUMANS])
        assert row["statistic"] == pytest.approx(expected, abs=1e-12)
        assert row["ci_low"] < row["statistic"] < row["ci_high"]
        assert np.isnan(row["pvalue"]) and pd.isna(row["cluster"])
    # one column's joint draws are that column's own bootstrap: its run's interval exactly
    task = Task("kendall_b", "none", "all")
    settings = Settings(coefficients=("kendall_b",), k=300, seed=4)
    alone = run(js, human="coverage", settings=settings).table
    draws = joint_draws(js, task, HUMANS, ["m1", "m2"], settings)
    low, high = percentile_bounds(draws[1], 0.95)
    assert list(alone["ci_low"]) == pytest.approx(list(low), abs=1e-12)
    assert list(alone["ci_high"]) == pytest.approx(list(high), abs=1e-12)
    low, high = percentile_bounds(draws.mean(0), 0.95)  # the mean's: the mean of each draw
    assert list(result.table["ci_low"]) == pytest.approx(list(low), abs=1e-12)
    pd.testing.assert_frame_equal(run_["coverage"].table, alone)
    with pytest.raises(ParameterError, match="several human columns"):
        run(js, human=["fluency"], aggregate_humans="mean-of-correlations")
    with pytest.raises(ParameterError, match="several human columns"):
        run(js, human="fluency", aggregate_humans="mean-of-correlations")
    assert run(js, human=HUMANS, k=0).humans == HUMANS  # no aggregation asked: no mean


def test_per_item_values_by_scipy(tmp_path):
    frame, js = aspects_set(np.random.default_rng(12))
    result = run(js, human="fluency", levels=("item",), coefficients=("spearman",), k=0,
                 per_item=True)
    table = result.per_item
    assert len(table) == 2 * 25 and set(table["unit"]) == set(frame["item"])
    for (item, metric), part in table.groupby(["unit", "metric"]):
        cells = frame[frame["item"] == item]
        expected = scipy.stats.spearmanr(cells["fluency"], cells[metric])[0]
        assert part["statistic"].iloc[0] == pytest.approx(expected, abs=1e-12)
        assert part["n"].iloc[0] == 6
    means = summary_statistic(table)
    for row in result.table.to_dict(orient="records"):
        assert row["statistic"] == pytest.approx(means[("all", "item", "spearman",
                                                        row["metric"])], abs=1e-12)
    with pytest.raises(ParameterError, match="add --level item"):
        run(js, human="fluency", levels=("none",), per_item=True)


def test_cli_per_item_and_aggregate_humans(tmp_path):
    frame, _ = aspects_set(np.random.default_rng(13))
    path = tmp_path / "aspects.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "report"
    result = runner.invoke(app, [
        "correlate", "--data", str(path), "--item", "item", "--system", "system",
        "--human", ",".join(HUMANS), "--metrics", "m1,m2", "--aggregate-humans",
        "mean-of-correlations", "--level", "item", "--per-item", "--k", "50", "--out", str(out),
        "--quiet"])
    assert result.exit_code == 0, result.output
    # one folder: the mean is one more human (rows, a section), not a folder of its own
    assert [p.name for p in out.iterdir() if p.is_dir()] == []
    results = pd.read_csv(out / "results.csv")
    name = "mean(fluency,coverage,relevance)"
    assert list(dict.fromkeys(results["human"])) == [*HUMANS, name]
    table = results[results["human"] == name]
    single = [results[results["human"] == h] for h in HUMANS]
    for coefficient in ("spearman", "pearson"):
        pick = [t[t["coefficient"] == coefficient].set_index("metric")["statistic"]
                for t in single]
        mine = table[table["coefficient"] == coefficient].set_index("metric")["statistic"]
        assert list(mine) == pytest.approx(list(sum(pick) / 3), abs=1e-12)
    per_item = pd.read_csv(out / "per_item.csv")
    assert list(dict.fromkeys(per_item["human"])) == HUMANS  # the mean has no per-item values
    fluency = per_item[per_item["human"] == "fluency"]
    assert set(fluency["level"]) == {"item"} and len(fluency) == 2 * 2 * 25
    html = (out / "index.html").read_text()
    assert 'id="fluency-per-item"' in html and 'data-human="mean(fluency,coverage,relevance)"' \
        in html
    payload = json.loads((out / "results.json").read_text())
    assert payload["humans"] == [*HUMANS, name]
    assert payload["by_human"][name]["settings"]["aggregate_humans"] == "mean-of-correlations"
    one = runner.invoke(app, ["correlate", "--data", str(path), "--item", "item", "--system",
                              "system", "--human", "fluency", "--aggregate-humans",
                              "mean-of-correlations", "--out", str(tmp_path / "x")])
    assert one.exit_code == 2 and "--aggregate-humans" in one.output


def webnlg():
    root = data_dir()
    path = root / "tigerscore_eval_sets" / "webnlg2020_test_data_prepared.json" if root else None
    if path is None or not path.is_file():
        pytest.skip("tigerscore_eval_sets absent: set METAEVAL_DATA_DIR")
    return json.loads(path.read_text())


def test_tigerscore_webnlg_bleu_needs_empty_output_zero():
    """Published (TIGERScore project page, Table 1 / 2): Data2Text BLEU Kendall 23.13 and
    Spearman 33.29 (x100): the mean over the five aspects of the pooled correlation."""
    data = webnlg()
    aspects = list(data[0]["candidates"][0]["scores"])
    texts, humans = [], []
    for entry in data:
        for cand in entry["candidates"]:
            key = {"item": str(entry["id"]), "system": cand["model"]}
            texts.append({**key, "hypothesis": cand["text"], "reference": entry["output"]})
            humans.append({**key, **cand["scores"]})
    values = {}
    for policy in ("zero", "nan"):
        scores = score_items(pd.DataFrame(texts), ["bleu"], empty_output=policy)
        table = pd.DataFrame(humans).merge(scores[["item", "system", "bleu"]])
        js = JudgementSet.from_frame(table, item="item", system="system", human=aspects,
                                     metrics=["bleu"], missing="drop")
        result = run(js, human=aspects, aggregate_humans="mean-of-correlations",
                     coefficients=("kendall_b", "spearman"), k=0)
        values[policy] = dict(zip(result.table["coefficient"], result.table["statistic"]))
    assert round(100 * values["zero"]["kendall_b"], 2) == 23.13
    assert round(100 * values["zero"]["spearman"], 2) == 33.29
    assert round(100 * values["nan"]["kendall_b"], 2) == 23.08  # the empty output left out

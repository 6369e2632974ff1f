"""`metaeval.run` / `correlate`: one call does what the CLI does; settings are never ignored;
task sets with weights give their averages, ranks and the significance of the averages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metaeval import Settings, correlate
from metaeval.correlation import Task, TaskSet, run
from metaeval.data.judgements import JudgementSet
from metaeval.errors import ParameterError
from metaeval.stats.coefficients import with_arguments
from metaeval.stats.levels import correlation_at_level
from metaeval.stats.permutation import perm_both


def _data(seed: int, systems: int = 6, items: int = 30) -> JudgementSet:
    rng = np.random.default_rng(seed)
    gold = rng.normal(size=(systems, items))
    rows = []
    for s in range(systems):
        for i in range(items):
            rows.append({"item": f"i{i}", "system": f"s{s}", "human": gold[s, i],
                         "good": gold[s, i] + rng.normal(scale=0.5),
                         "noisy": gold[s, i] + rng.normal(scale=2.0),
                         "part": "a" if i < items // 2 else "b"})
    return JudgementSet.from_frame(pd.DataFrame(rows), item="item", system="system",
                                   human="human", metrics=["good", "noisy"], groups=["part"])


def test_settings_and_keywords_together_are_refused():
    js = _data(1)
    with pytest.raises(ParameterError, match="k=500: given together with settings="):
        correlate(js, settings=Settings(k=10), k=500)
    with pytest.raises(ParameterError, match="kk=5: not a setting of a run"):
        correlate(js, kk=5)


def test_the_extras_are_carried_out_in_python():
    """stability, keep_draws and meta_by entered the signature but only the CLI computed them."""
    js = _data(2)
    result = correlate(js, k=30, stability=True, keep_draws=True, meta_by="part",
                       coefficients=("pearson",))
    assert result.stability is not None and result.draws is not None and result.meta is not None
    signature = str(result.signature)
    assert "stability:yes" in signature and "keep-draws:yes" in signature
    assert "meta-by:part" in signature and "meta:dl" in signature
    with pytest.raises(ParameterError, match="meta_by=.nope.: not a column"):
        correlate(js, k=30, meta_by="nope")


def test_k_zero_gives_point_values_only():
    js = _data(3)
    result = correlate(js, k=0, coefficients=("pearson",))
    gold, scores, _, _ = js.matrices(["good", "noisy"])
    assert result.table["statistic"].to_numpy() == pytest.approx(
        correlation_at_level(gold, scores, "pearson", "none"))
    assert result.table[["ci_low", "ci_high", "chance_low", "chance_high"]].isna().all().all()
    assert result.pairwise.empty and result.table["cluster"].isna().all()
    assert "|k:0|" in str(result.signature)
    assert any("k = 0: point values only" in n for n in result.notes)


def test_task_names_round_trip_and_describe_every_field():
    task = Task("kendall_b", "item", "zh-en", "mqm", "cells")
    assert task.name == "coef=kendall_b;level=item;group=zh-en;gold=mqm;table=cells"
    assert Task.parse(task.name) == task
    with pytest.raises(ParameterError, match="unknown coefficient"):
        Task("kendal", "item")
    with pytest.raises(ParameterError, match="weights"):
        TaskSet((task,), weights=(1.0, 2.0))


def test_a_weighted_task_set_averages_ranks_and_tests_the_average():
    js = _data(4)
    tasks = TaskSet((Task("pearson", "none"), Task("acc23", "item")), weights=(3, 1),
                    protocol="demo")
    result = run(js, tasks, k=200, seed=5)
    gold, scores, _, _ = js.matrices(["good", "noisy"])
    pearson = correlation_at_level(gold, scores, "pearson", "none")
    acc = correlation_at_level(gold, scores, "acc23", "item")
    expected = 0.75 * (pearson + 1) / 2 + 0.25 * acc  # correlations rescaled, accuracies as is
    averages = result.averages.set_index("metric")
    assert averages.loc["good", "average"] == pytest.approx(expected[0], abs=1e-12)
    assert averages.loc["noisy", "average"] == pytest.approx(expected[1], abs=1e-12)
    assert list(result.averages["metric"]) == ["good", "noisy"]
    assert result.averages["rank"].tolist() == pytest.approx([1.0, 2.0])
    signature = str(result.signature)
    assert "protocol:demo" in signature and "weights:0.75,0.25" in signature
    assert "tasks:coef=pearson;level=none;group=all;gold=human;table=cells" in signature
    assert 0 < result.averages["pvalue_next"].iloc[0] < 0.05


def test_average_significance_equals_hand_combined_draws():
    js = _data(5)
    task = Task("pearson", "none")
    tasks = TaskSet((task,), weights=(1,))
    result = run(js, tasks, k=100, seed=3, chance=False)
    from metaeval.correlation.seeds import seed_labels, task_seed

    gold, scores, _, _ = js.matrices(["good", "noisy"])
    test = perm_both(gold, scores, "pearson", "none", k=100,
                     seed=task_seed(3, *seed_labels(task)), keep_draws=True)
    averages = result.averages.set_index("metric")
    observed = averages.loc["good", "average"] - averages.loc["noisy", "average"]
    null = test.draws[0] / 2  # one task, weight 1, range (-1, 1)
    assert averages.loc["good", "pvalue_next"] == pytest.approx(
        ((null >= observed - 1e-12).sum() + 1) / 101)


@pytest.mark.parametrize(("coef", "level"), [("pdp", "item"), ("pdp", "system"),
                                             ("spa", "system"), ("kendall_like", "item")])
def test_correlate_runs_the_wmt_statistics_under_their_own_names(coef, level):
    """spa, pdp and kendall_like go through the generic task (never tie calibration's) and
    equal the statistic computed directly; kendall_like's argument comes from the task."""
    js = _data(12)
    gold, scores, _, _ = js.matrices(["good", "noisy"])
    arguments = (("thresh", 0.5),) if coef == "kendall_like" else ()
    task = Task(coefficient=coef, level=level, arguments=arguments)
    result = run(js, TaskSet((task,)), k=0)
    expected = correlation_at_level(gold, scores, with_arguments(coef, **dict(arguments)), level)
    np.testing.assert_array_equal(result.table["statistic"].to_numpy(float), expected)
    assert result.table["epsilon"].isna().all() and (result.table["note"] == "").all()


def test_an_undefined_statistic_says_why():
    result = correlate(_data(13), coefficients=["kendall_like"], levels=["item"], k=0)
    assert result.table["statistic"].isna().all()
    assert (result.table["note"] == "kendall_like undefined: no pair of cells whose gold "
                                    "scores differ by at least thresh=25").all()

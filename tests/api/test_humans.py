"""Several human columns in one run (issue 18): one library call, one cost estimate, one
progress count, the same draws for every human, each human's numbers bit for bit those of a
run with that human alone; the signature lists every human."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import metaeval
from metaeval import HumanResults, JudgementSet, Signature, correlate
from metaeval.correlation import budget, draws, engine, tasks
from metaeval.correlation.power_curves import PowerSettings
from metaeval.errors import ParameterError

OPTIONS = {"k": 40, "seed": 3, "levels": ["none", "item", "system"], "significance": "all",
           "coefficients": ["spearman", "pearson", "kendall_b"]}


def _frame(rng: np.random.Generator, items: int = 14, systems: int = 5) -> pd.DataFrame:
    """Two human columns (b noisier, with its own missing cells), a group column, 3 metrics."""
    rows = []
    for i in range(items):
        for s in range(systems):
            q = rng.normal()
            rows.append({"item": f"i{i}", "system": f"s{s}", "domain": "x" if i % 2 else "y",
                         "a": q + 0.4 * rng.normal(), "b": -q + rng.normal(),
                         "m1": q + rng.normal(), "m2": rng.normal(),
                         "m3": np.round(q + 2 * rng.normal())})  # ties
    frame = pd.DataFrame(rows)
    frame.loc[rng.choice(len(frame), 6, replace=False), "b"] = np.nan
    return frame


def _set(frame: pd.DataFrame) -> JudgementSet:
    return JudgementSet.from_frame(frame, item="item", system="system", human=["a", "b"],
                                   metrics=["m1", "m2", "m3"], groups=["domain"])


def test_each_human_of_a_two_human_run_equals_its_own_run_bitwise():
    js = _set(_frame(np.random.default_rng(11)))
    both = correlate(js, human=["a", "b"], group_by="domain", **OPTIONS)
    assert isinstance(both, HumanResults) and both.humans == ["a", "b"]
    for human in ("a", "b"):
        alone = correlate(js, human=human, group_by="domain", **OPTIONS)
        pd.testing.assert_frame_equal(both[human].table, alone.table, check_exact=True)
        pd.testing.assert_frame_equal(both[human].pairwise, alone.pairwise, check_exact=True)
        assert both[human].signature == alone.signature
        assert both[human].notes == alone.notes
    assert both["a"].table["ci_low"].notna().all()
    assert (both["a"].table["statistic"] != both["b"].table["statistic"]).any()
    stacked = both.table
    assert list(stacked.columns[:2]) == ["human", "task"]
    assert len(stacked) == len(both["a"].table) + len(both["b"].table)


def test_bootstrap_resamples_are_drawn_once_per_task_for_every_human(monkeypatch):
    js = _set(_frame(np.random.default_rng(12)))
    calls = []
    real = draws.bootstrap_indices

    def counted(*args, **kwargs):
        calls.append((args, kwargs))
        return real(*args, **kwargs)

    monkeypatch.setattr(draws, "bootstrap_indices", counted)
    correlate(js, human=["a", "b"], **OPTIONS)
    two = len(calls)
    calls.clear()
    correlate(js, human="a", **OPTIONS)
    tasks_of_a_run = len(OPTIONS["levels"]) * len(OPTIONS["coefficients"])
    assert two == len(calls) == tasks_of_a_run


def test_permutation_and_chance_draws_come_from_the_same_seed_for_every_human(monkeypatch):
    frame = _frame(np.random.default_rng(13))
    frame["b"] = frame["a"]  # a copy of a: the same draws must give the same numbers
    js = _set(frame)
    seeds = {"perm": [], "chance": []}
    perm, chance = tasks.perm_both, tasks.chance_baselines

    def perm_spy(*args, **kwargs):
        seeds["perm"].append(kwargs["seed"])
        return perm(*args, **kwargs)

    def chance_spy(gold, scores, coef, level, k, seed, ci):
        seeds["chance"].append(seed)
        return chance(gold, scores, coef, level, k=k, seed=seed, ci=ci)

    monkeypatch.setattr(tasks, "perm_both", perm_spy)
    monkeypatch.setattr(tasks, "chance_baselines", chance_spy)
    both = correlate(js, human=["a", "b"], workers=1, **OPTIONS)
    for kind in ("perm", "chance"):
        half = len(seeds[kind]) // 2
        assert half == len(OPTIONS["levels"]) * len(OPTIONS["coefficients"])
        assert seeds[kind][:half] == seeds[kind][half:]  # human a's tasks, then b's
    columns = ["statistic", "ci_low", "ci_high", "chance_low", "chance_high", "cluster"]
    pd.testing.assert_frame_equal(both["a"].table[columns], both["b"].table[columns],
                                  check_exact=True)
    np.testing.assert_array_equal(both["a"].pairwise["pvalue"], both["b"].pairwise["pvalue"])


def test_the_cost_of_every_human_is_estimated_and_announced_once(monkeypatch):
    js = _set(_frame(np.random.default_rng(14)))
    estimates, announced, progress = [], [], []
    real = engine.preflight

    def spy(shapes, n_metrics, settings, force=False, work=None):
        estimates.append(budget.estimate_cost(shapes, n_metrics, settings, work).seconds)
        return real(shapes, n_metrics, settings, force, work)

    monkeypatch.setattr(engine, "preflight", spy)
    monkeypatch.setattr(budget, "ANNOUNCE_SECONDS", 0.0)
    correlate(js, human=["a", "b"], announce=announced.append,
              progress=lambda label, done, total: progress.append((label, done, total)),
              **OPTIONS)
    correlate(js, human="a", **OPTIONS)
    correlate(js, human="b", **OPTIONS)
    assert len(estimates) == 3  # one estimate per run, the sum of the humans' costs
    assert estimates[0] == pytest.approx(estimates[1] + estimates[2], rel=1e-12)
    assert len(announced) == 1 and announced[0].startswith("estimated run time")
    tasks_per_human = len(OPTIONS["levels"]) * len(OPTIONS["coefficients"])
    assert {total for _, _, total in progress} == {2 * tasks_per_human}
    assert progress[-1] == ("done", 2 * tasks_per_human, 2 * tasks_per_human)
    assert {label.split(":")[0] for label, _, _ in progress[:-1]} >= {"a", "b"}


def test_the_signature_records_every_human():
    js = _set(_frame(np.random.default_rng(15)))
    both = correlate(js, human=["a", "b"], k=20)
    assert "|human:a,b|" in str(both.signature)
    assert Signature.parse(str(both.signature)).human == ("a", "b")
    assert Signature.parse(str(both.signature)) == both.signature
    for human in ("a", "b"):
        assert f"|human:{human}|" in str(both[human].signature)
        assert Signature.parse(str(both[human].signature)).human == human
    assert both.signature.replace(human="a") == both["a"].signature
    one = correlate(js, human=["a"], k=20)
    assert isinstance(one, HumanResults) and one.signature == one["a"].signature


def test_several_humans_refused_with_one_line_when_wrong():
    js = _set(_frame(np.random.default_rng(16)))
    with pytest.raises(ParameterError, match="a given twice") as error:
        correlate(js, human=["a", "a"], k=20)
    assert "\n" not in str(error.value)
    with pytest.raises(ParameterError, match="not a human score column"):
        correlate(js, human=["a", "c"], k=20)


def test_stability_draws_meta_by_and_power_run_for_every_human():
    js = _set(_frame(np.random.default_rng(17), items=24))
    power = PowerSettings(grid=(6, 12), reps=4, k=20)
    both = metaeval.run(js, human=["a", "b"], k=20, stability=True, meta_by="domain",
                        keep_draws=True, power=power)
    for human in ("a", "b"):
        alone = metaeval.run(js, human=human, k=20, stability=True, meta_by="domain",
                             keep_draws=True, power=power)
        result = both[human]
        for extra in ("stability", "meta", "draws", "group_draws", "power"):
            assert getattr(result, extra) is not None, extra
        assert result.to_json_dict() == alone.to_json_dict()

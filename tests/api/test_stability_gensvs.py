"""Ranking stability on the bundled GSVS listening test: every reduced ranking is the
`correlate` result of the reduced data, tau is scipy's, the subgroup test uses the groups'
own bootstrap draws."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from metaeval import correlate, load_gensvs
from metaeval.correlation import Settings, task_seed
from metaeval.correlation.stability import ranking_stability, with_stability
from metaeval.errors import ParameterError
from metaeval.stats.resampling import bootstrap_ci

METRICS = ["sdr", "multi_res_loss", "fad_song2song_mert_df", "emb_mse_clap_music_df", "pam"]
SETTINGS = Settings(coefficients=("spearman", "pearson"), group_by="model_type", k=200, seed=3)


@pytest.fixture(scope="module")
def gsvs():
    return load_gensvs()


@pytest.fixture(scope="module")
def record(gsvs):
    return ranking_stability(gsvs, metrics=METRICS, settings=SETTINGS)


def _pooled(js, settings=SETTINGS):
    one = replace(settings, coefficients=("spearman",), group_by=None, chance=False,
                  ceiling=False)
    table = correlate(js, metrics=METRICS, settings=one).table.set_index("metric").loc[METRICS]
    return table["statistic"].to_numpy(float), (table["cluster"] == 1).to_numpy(bool)


def test_leave_one_system_out_is_correlate_without_that_system(gsvs, record):
    block = record["leave_one_out"][0]
    assert block["unit"] == "system"
    assert [r["left_out"] for r in block["runs"]] == sorted(gsvs.table["system"].unique())
    full, _ = _pooled(gsvs)
    assert [f["statistic"] for f in record["full"]] == pytest.approx(full.tolist())
    for run in block["runs"]:
        values, best = _pooled(gsvs.without_systems([run["left_out"]]))
        assert [run["values"][m] for m in METRICS] == pytest.approx(values.tolist())
        assert run["best"] == [m for m, b in zip(METRICS, best) if b]
        assert run["top"] == METRICS[int(np.argmax(values))]
        assert run["tau"] == pytest.approx(stats.kendalltau(full, values).statistic)
        assert run["top_changed"] == (run["top"] != record["top"])
    assert block["depends_on"] == [r["left_out"] for r in block["runs"] if r["top_changed"]]
    assert block["tau_min"] == pytest.approx(min(r["tau"] for r in block["runs"]))


def test_leave_one_group_out_is_the_other_group(gsvs, record):
    block = record["leave_one_out"][1]
    assert block["unit"] == "group" and block["column"] == "model_type"
    by_name = {r["left_out"]: r for r in block["runs"]}
    values, _ = _pooled(gsvs.subset("model_type", "generative"))
    assert [by_name["discriminative"]["values"][m] for m in METRICS] == pytest.approx(
        values.tolist())
    flagged = [f for f in record["flags"] if "model_type group" in f]
    assert bool(flagged) == bool(block["depends_on"])


def test_subgroup_differences_use_each_groups_bootstrap(gsvs, record):
    (comp,) = record["subgroups"]
    assert (comp["group_a"], comp["group_b"]) == ("discriminative", "generative")
    draws = {}
    for name in ("discriminative", "generative"):
        gold, scores, _, _ = gsvs.subset("model_type", name).matrices(METRICS, "DMOS")
        draws[name] = bootstrap_ci(gold, scores, "spearman", "none", k=200,
                                   seed=task_seed(3, "subgroup", name, "none", "spearman"))
    a, b = draws["discriminative"], draws["generative"]
    for i, row in enumerate(comp["metrics"]):
        assert row["value_a"] == pytest.approx(a.statistic[i])
        assert row["delta"] == pytest.approx(a.statistic[i] - b.statistic[i])
        d = a.bootstrap_distribution[i] - b.bootstrap_distribution[i]
        assert row["ci_low"] == pytest.approx(np.quantile(d, 0.025))
        k = len(d)
        p = min(1, 2 * min((d <= 0).sum() + 1, (d >= 0).sum() + 1) / (k + 1))
        assert row["pvalue"] == pytest.approx(p)
    for rev in comp["reversals"]:
        i, j = METRICS.index(rev["metric_i"]), METRICS.index(rev["metric_j"])
        assert a.statistic[i] > a.statistic[j] and b.statistic[i] < b.statistic[j]
    n_reversed = sum((a.statistic[i] - a.statistic[j]) * (b.statistic[i] - b.statistic[j]) < 0
                     for i in range(5) for j in range(i + 1, 5))
    assert len(comp["reversals"]) == n_reversed > 0  # GSVS: generative reorders the metrics


def test_with_stability_goes_into_results_json(gsvs):
    settings = replace(SETTINGS, k=50, chance=False, ceiling=False)
    result = correlate(gsvs, metrics=METRICS[:3], settings=settings)
    result = with_stability(result, gsvs, settings)
    payload = result.to_json_dict()
    assert payload["stability"]["k"] == 50 and payload["settings"]["stability"]["seed"] == 3
    assert len(payload["stability"]["leave_one_out"][0]["runs"]) == 5


def test_unknown_group_column_is_a_parameter_error(gsvs):
    with pytest.raises(ParameterError, match="group_by"):
        ranking_stability(gsvs, metrics=METRICS[:2], settings=SETTINGS, group_by="nope")

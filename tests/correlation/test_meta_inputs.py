"""The meta-analysis input check (:mod:`metaeval.correlation.meta_inputs`): every set left out
of the pooling is named with its reason, a perfect r is left out (never clipped), a set given
twice and impossible values are refused, in the library and in `metaeval meta`."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from metaeval import correlate, load_gensvs
from metaeval.cli import app
from metaeval.correlation.meta import meta_analysis
from metaeval.errors import DataError, ParameterError
from metaeval.report import write_reports
from tests.meta_by_hand import random_effects_by_hand

runner = CliRunner()


def _set(name: str, r: float, n: int, data: str | None = None, level: str = "system") -> dict:
    return {"name": name, "signature": f"data:{data or name}@0123|coef:pearson",
            "coefficient": "pearson", "level": level, "values": {"m": r}, "n": {"m": float(n)},
            "draws": None}


def _row(record: dict, metric: str = "m") -> dict:
    return next(r for r in record["metrics"] if r["metric"] == metric)


def test_a_perfect_r_is_left_out_of_the_pooling_with_a_note_not_clipped():
    sets = [_set("tiny", 1.0, 5), _set("b", 0.6, 20), _set("c", 0.35, 30), _set("d", 0.5, 25)]
    record = meta_analysis(sets)
    want = random_effects_by_hand([0.6, 0.35, 0.5], [20, 30, 25])
    row = _row(record)
    assert row["pooled"] == pytest.approx(want["pooled"], abs=1e-12)  # 0.47..., not 1.000
    assert row["tau2"] == pytest.approx(want["tau2"], abs=1e-12)
    assert row["n_sets"] == 3
    assert row["average"] == pytest.approx((1.0 + 0.6 + 0.35 + 0.5) / 4)  # kept in the average
    assert "set tiny has pearson = 1 (a perfect correlation: Fisher z is infinite" in row["note"]
    assert any(n.startswith("metric m: set tiny has pearson = 1") and
               n.endswith("pooled over 3 of 4 sets") for n in record["notes"])
    # -1 (and 1 up to float rounding) too
    assert "pearson = -1" in _row(meta_analysis([_set("a", -1.0, 6), _set("b", 0.2, 40)]))["note"]
    assert _row(meta_analysis([_set("a", 1 - 1e-15, 6), _set("b", 0.2, 40)]))["n_sets"] == 1


def test_sets_with_too_few_points_or_no_value_are_named_with_their_reason():
    sets = [_set("three", 0.9, 3), _set("b", 0.6, 20), _set("c", 0.4, 30)]
    sets.append({**_set("empty", float("nan"), 2), "notes": {"m": "2 point(s) at level system, "
                                                                  "fewer than the minimum 3"}})
    record = meta_analysis(sets)
    row = _row(record)
    want = random_effects_by_hand([0.6, 0.4], [20, 30])
    assert row["pooled"] == pytest.approx(want["pooled"], abs=1e-12) and row["n_sets"] == 2
    assert row["note"] == ("set three has n = 3 points, too few for the Fisher-z variance (needs "
                           "n > 3); set empty has no value (2 point(s) at level system, fewer "
                           "than the minimum 3)")
    assert math.isnan(row["average"]) and not row["in_every_set"]
    assert "metric m: no value in 1 of 4 sets, so no average and no cluster" in record["notes"][0]


def test_gsvs_subsets_at_level_system_say_why_nothing_is_pooled():
    """GSVS model_type subsets have 3 and 2 systems: at level system no set has a Fisher-z
    variance (n <= 3) and the 2-system set no value. The meta-analysis used to report them
    as sets (n_sets 1) with a NaN pooled value and no reason."""
    result = correlate(load_gensvs(), metrics=["sdr", "multi_res_loss"], levels=("system",),
                       coefficients=("pearson",), meta_by="model_type", k=20, chance=False)
    row = _row(result.meta, "sdr")
    assert math.isnan(row["pooled"]) and row["n_sets"] == 0
    assert row["note"].startswith("set discriminative has n = 3 points, too few for the "
                                  "Fisher-z variance (needs n > 3); set generative has no value")
    assert any(n.endswith("pooled over 0 of 2 sets") for n in result.meta["notes"])


def test_the_same_set_twice_is_refused_naming_both():
    with pytest.raises(ParameterError, match=r"set a and set a-2 are the same test set \(data "
                       r"a@0123, the same values and n\); pooling it twice would count one "
                       r"sample as two\. Fix: give each test set once\."):
        meta_analysis([_set("a", 0.5, 20), {**_set("a", 0.5, 20), "name": "a-2"},
                       _set("b", 0.3, 20)])
    # the same data with other values (subsets of one study, another human score) is no repeat
    assert _row(meta_analysis([_set("a", 0.5, 20), {**_set("a", 0.4, 20), "name": "a2"}]))[
        "n_sets"] == 2


@pytest.mark.parametrize("r, n, needle", [
    (7.5, 20, "metric m: statistic 7.5 is not a correlation or accuracy (outside [-1, 1])"),
    (0.5, -4, "metric m: n = -4 is not a number of points"),
    (0.5, 20.5, "metric m: n = 20.5 is not a number of points")])
def test_impossible_values_are_refused(r, n, needle):
    with pytest.raises(DataError, match=needle.replace("[", r"\[").replace("]", r"\]")
                       .replace("(", r"\(").replace(")", r"\)")):
        meta_analysis([{**_set("a", r, 20), "n": {"m": n}}, _set("b", 0.3, 20)])


@pytest.mark.parametrize("keywords, needle", [
    ({"ci": 0}, "ci=0: must be between 0 and 1"), ({"ci": 1.5}, "ci=1.5"),
    ({"alpha": 1.0}, "alpha=1.0: must be between 0 and 1"),
    ({"method": "ml"}, "method='ml': choose from dl, reml")])
def test_settings_of_the_combination_are_checked(keywords, needle):
    with pytest.raises(ParameterError, match=needle.replace("(", r"\(")):
        meta_analysis([_set("a", 0.5, 20), _set("b", 0.3, 20)], **keywords)


@pytest.fixture(scope="module")
def result_folders(tmp_path_factory):
    """Two small studies' results.json, each correlated at level none."""
    folders = []
    for seed in (1, 2):
        rng = np.random.default_rng(seed)
        rows = [{"item": f"i{i}", "system": f"s{s}", "human": (h := rng.normal()),
                 "m1": h + rng.normal(), "m2": h + 2 * rng.normal()}
                for s in range(4) for i in range(8)]
        js_path = tmp_path_factory.mktemp(f"d{seed}") / "d.csv"
        pd.DataFrame(rows).to_csv(js_path, index=False)
        from metaeval.data import load_table
        result = correlate(load_table(js_path, item="item", system="system", human="human"),
                           coefficients=("pearson",), k=20, chance=False)
        folder = js_path.parent / "report"
        write_reports(result, folder, formats=["json"])
        folders.append(folder)
    return folders


def test_meta_command_refuses_bad_inputs_in_one_line(result_folders, tmp_path):
    a, b = map(str, result_folders)
    twice = runner.invoke(app, ["meta", a, a, "--out", str(tmp_path / "m")])
    assert twice.exit_code == 2 and "are the same test set" in twice.output
    assert f"({a})" in twice.output and not (tmp_path / "m").exists()
    ci = runner.invoke(app, ["meta", a, b, "--ci", "0", "--out", str(tmp_path / "m")])
    assert ci.exit_code == 2 and "error: --ci 0.0: must be between 0 and 1" in ci.output
    payload = json.loads((result_folders[1] / "results.json").read_text())
    payload["results"][0]["statistic"] = 7.5
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(payload))
    bad = runner.invoke(app, ["meta", a, str(edited), "--out", str(tmp_path / "m")])
    assert bad.exit_code == 1 and "statistic 7.5 is not a correlation" in bad.output
    assert str(edited) in bad.output and not (tmp_path / "m").exists()


def test_meta_command_writes_the_left_out_sets_into_every_file(result_folders, tmp_path):
    payload = json.loads((result_folders[1] / "results.json").read_text())
    for row in payload["results"]:
        if row["metric"] == "m1":
            row["statistic"] = 1.0
    perfect = tmp_path / "perfect.json"
    perfect.write_text(json.dumps(payload))
    ran = runner.invoke(app, ["meta", str(result_folders[0]), str(perfect), "--out",
                              str(tmp_path / "m")])
    assert ran.exit_code == 0, ran.output
    assert "metric m1: set " in ran.output and "a perfect correlation" in ran.output
    record = json.loads((tmp_path / "m" / "meta.json").read_text())
    assert any("a perfect correlation" in n for n in record["notes"])
    table = pd.read_csv(tmp_path / "m" / "meta.csv").set_index("metric")
    assert "a perfect correlation" in table.loc["m1", "note"] and table.loc["m1", "n_sets"] == 1

"""Several score files for one run (`correlate --scores a.csv --scores b.csv`, Python
``scores=[a, b]``): merged on (item, system); a metric in two files is an error naming both; a
judged pair that one file lacks follows the missing-score policy (error, or drop with a note)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.correlation import correlate, judgements
from metaeval.errors import DataError


def _files(tmp_path, seed: int):
    """ratings.csv (12 items x 3 systems), a.csv (metric m1) and b.csv (metric m2), rows of
    b.csv in another order and with item ids written as text ("007" style is kept)."""
    rng = np.random.default_rng(seed)
    items, systems = [f"{i:03d}" for i in range(12)], ["A", "B", "C"]
    keys = pd.DataFrame([(i, s) for i in items for s in systems], columns=["item", "system"])
    human = rng.normal(size=len(keys))
    keys.assign(score=human).to_csv(tmp_path / "ratings.csv", index=False)
    a = keys.assign(m1=human + rng.normal(size=len(keys)))
    b = keys.assign(m2=human + rng.normal(size=len(keys))).sample(frac=1, random_state=seed)
    a.to_csv(tmp_path / "a.csv", index=False)
    b.to_csv(tmp_path / "b.csv", index=False)
    return keys.assign(score=human), a, b


def _load(tmp_path, scores, missing="error"):
    return judgements(data=tmp_path / "ratings.csv", scores=scores, item="item",
                      system="system", human="score", missing=missing)[0]


def test_two_score_files_are_merged_on_item_and_system(tmp_path):
    truth, a, b = _files(tmp_path, 1)
    js = _load(tmp_path, [tmp_path / "a.csv", tmp_path / "b.csv"])
    assert js.metric_names == ["m1", "m2"]
    table = js.table.set_index(["item", "system"])
    expected_m2 = b.set_index(["item", "system"])["m2"].reindex(table.index)
    np.testing.assert_array_equal(table["m1"], a["m1"])
    np.testing.assert_array_equal(table["m2"], expected_m2)
    result = correlate(js, coefficients=["spearman"], k=20, seed=0)
    rows = result.table.set_index("metric")["statistic"]
    for metric, frame in (("m1", a), ("m2", b)):
        merged = truth.merge(frame, on=["item", "system"])
        assert rows[metric] == pytest.approx(stats.spearmanr(merged["score"],
                                                             merged[metric]).statistic)


def test_a_metric_in_two_files_is_an_error_naming_both(tmp_path):
    _, a, _ = _files(tmp_path, 2)
    a.assign(m2=1.0).to_csv(tmp_path / "a2.csv", index=False)
    with pytest.raises(DataError, match=r"metric 'm2' is in both .*a2\.csv and .*b\.csv"):
        _load(tmp_path, [tmp_path / "a2.csv", tmp_path / "b.csv"])


def test_a_judged_pair_one_file_lacks_follows_the_missing_policy(tmp_path):
    truth, _, b = _files(tmp_path, 3)
    b[~b["item"].isin(["003", "010"])].to_csv(tmp_path / "b.csv", index=False)  # 6 pairs fewer
    files = [tmp_path / "a.csv", tmp_path / "b.csv"]
    with pytest.raises(DataError, match=r"b\.csv: no row for 6 judged \(item, system\) pair\(s\) "
                                        r"that .*a\.csv score\(s\): .*--missing drop"):
        _load(tmp_path, files)
    js = _load(tmp_path, files, missing="drop")
    assert int(js.table["m2"].isna().sum()) == 6 and js.table["m1"].notna().all()
    assert any("has no row for 6 judged" in note and "m2" in note for note in js.notes)
    result = correlate(js, coefficients=["pearson"], k=20, seed=0)
    kept = truth.merge(b, on=["item", "system"])
    kept = kept[~kept["item"].isin(["003", "010"])]
    row = result.table.set_index("metric").loc["m2"]
    assert row["n"] == 30
    assert row["statistic"] == pytest.approx(stats.pearsonr(kept["score"], kept["m2"]).statistic)


def test_pairs_outside_the_judgements_are_not_missing_scores(tmp_path):
    _, a, b = _files(tmp_path, 4)
    extra = pd.DataFrame({"item": ["999"], "system": ["A"], "m1": [0.5]})
    pd.concat([a, extra]).to_csv(tmp_path / "a.csv", index=False)
    js = _load(tmp_path, [tmp_path / "a.csv", tmp_path / "b.csv"])
    assert js.table[["m1", "m2"]].notna().all().all()
    assert not [note for note in js.notes if "no row" in note]


def test_cli_repeated_scores_keeps_every_file(tmp_path):
    truth, a, b = _files(tmp_path, 5)
    out = tmp_path / "o"
    result = CliRunner().invoke(app, [
        "correlate", "--data", str(tmp_path / "ratings.csv"), "--item", "item", "--system",
        "system", "--human", "score", "--scores", str(tmp_path / "a.csv"), "--scores",
        str(tmp_path / "b.csv"), "--coef", "pearson", "--k", "20", "--out", str(out),
        "--format", "csv", "--quiet"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "results.csv").set_index("metric")
    assert sorted(table.index) == ["m1", "m2"]
    merged = truth.merge(a, on=["item", "system"]).merge(b, on=["item", "system"])
    for metric in ("m1", "m2"):
        assert table.loc[metric, "statistic"] == pytest.approx(
            stats.pearsonr(merged["score"], merged[metric]).statistic)


def test_each_column_keeps_its_files_metadata_and_details(tmp_path):
    from metaeval.score.files import write_scores
    from metaeval.score.merge import read_score_tables

    rng = np.random.default_rng(6)
    keys = {"item": ["1", "2"], "system": ["s", "s"]}
    for name, metric, lower in (("a", "m1", False), ("b", "m2", True)):
        frame = pd.DataFrame({**keys, metric: rng.normal(size=2), "errors": ["", ""],
                              "details": [f'{{"{metric}": "why {name}"}}', ""]})
        frame.attrs["metrics"] = {metric: {"higher_is_better": not lower,
                                           "signature": f"{metric}@{name}", "description": ""}}
        write_scores(frame, tmp_path / f"{name}.csv")
    tables = read_score_tables([tmp_path / "a.csv", tmp_path / "b.csv"])
    assert tables.metric_columns == ["m1", "m2"]
    assert tables.infos["m1"].config == "m1@a" and tables.infos["m2"].config == "m2@b"
    assert tables.infos["m2"].higher_is_better is False
    assert tables.frame["details"].tolist() == ['{"m1": "why a", "m2": "why b"}', ""]

"""The gensvs_eval listening test (registered set): loader, ratings, and the paper's per-model_type
correlations recomputed from the released CSV with scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from metaeval.data.gensvs import (
    DATA_FILE,
    LOWER_IS_BETTER,
    METRICS,
    gensvs_ratings,
    load_gensvs,
)
from metaeval.errors import DataError
from metaeval.stats.levels import correlation_at_level
from tests.registered import registered

RAW = pd.read_csv(registered("gensvs_eval", DATA_FILE))
SYSTEMS = {"htdemucs", "melroformer_small", "melroformer_large", "sgmsvs", "melroformer_bigvgan"}


@pytest.fixture(scope="module")
def js():
    return load_gensvs()


def test_shape_keys_groups(js):
    assert len(js) == 250
    assert set(js.table["system"]) == SYSTEMS
    assert js.table["item"].nunique() == 50
    assert js.human == ["DMOS"] and js.groups == ["model_type", "group_id"]
    assert js.table.groupby("model_type").size().to_dict() == {"discriminative": 150,
                                                               "generative": 100}
    assert list(js.metrics) == list(RAW.columns[31:])
    assert len(js.metrics) == 24


def test_metric_directions(js):
    lower = sorted(m for m, info in js.metrics.items() if not info.higher_is_better)
    expected = sorted(c for c in RAW.columns[31:]
                      if c == "multi_res_loss" or c.startswith(("emb_mse_", "fad_")))
    assert lower == expected == sorted(LOWER_IS_BETTER)
    assert len(lower) == 9
    assert all(js.metrics[m].description for m in METRICS)


def test_info(js):
    assert js.info.name == "gensvs_eval"
    assert js.info.licence == "MIT"
    assert "2507.11427" in js.info.citation and "Bereuter" in js.info.citation
    assert js.info.url == "https://github.com/pablebe/gensvs_eval"
    assert js.info.source.endswith("gensvs_eval_data.csv")


def test_dmos_is_mean_of_the_twelve_ratings(js):
    ratings = gensvs_ratings()
    assert len(ratings) == 250 * 12
    assert list(ratings.columns) == ["item", "system", "rater", "rating", "group_id", "model_type"]
    assert set(ratings["rating"].unique()) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert ratings["rater"].nunique() == 30
    assert not ratings.duplicated(["item", "system", "rater"]).any()
    dmos = ratings.groupby(["item", "system"])["rating"].mean()
    table = js.table.set_index(["item", "system"])["DMOS"]
    np.testing.assert_allclose(dmos.loc[table.index].to_numpy(), table.to_numpy(), rtol=0,
                               atol=1e-12)


@pytest.mark.parametrize("model_type,n", [("discriminative", 150), ("generative", 100)])
@pytest.mark.parametrize("coefficient", ["pearson", "spearman"])
def test_per_model_type_correlations_equal_scipy(js, model_type, n, coefficient):
    part = js.subset("model_type", model_type)
    gold, scores, _, _ = part.matrices()
    assert np.isfinite(gold).sum() == n
    ours = correlation_at_level(gold, scores, coefficient, "none")
    raw = RAW[RAW["model_type"] == model_type]
    scipy_fn = stats.pearsonr if coefficient == "pearson" else stats.spearmanr
    for m, name in enumerate(js.metric_names):
        sign = -1.0 if name in LOWER_IS_BETTER else 1.0
        expected = scipy_fn(raw["DMOS"], sign * raw[name])[0]
        assert ours[m] == pytest.approx(expected, abs=1e-12), name


def test_sign_flip_matters_for_distance_metrics(js):
    """MR-STFT loss correlates negatively with DMOS raw and positively once oriented."""
    raw = RAW[RAW["model_type"] == "discriminative"]
    assert stats.spearmanr(raw["DMOS"], raw["multi_res_loss"])[0] < 0
    gold, scores, _, _ = js.subset("model_type", "discriminative").matrices(["multi_res_loss"])
    assert correlation_at_level(gold, scores, "spearman", "none")[0] > 0


def test_other_shapes_agree_with_the_main_table(js, datasets_dir):
    folder = datasets_dir / "gensvs_eval"  # the release's other files (not registered)
    dmos = pd.read_csv(folder / "dmos_ratings.csv").set_index(["file_id", "model_name"])["DMOS"]
    ours = js.table.set_index(["item", "system"])["DMOS"]
    np.testing.assert_array_equal(dmos.loc[ours.index].to_numpy(), ours.to_numpy())
    metrics = pd.read_csv(folder / "all_metrics_df.csv").set_index(["file_id", "model_name"])
    for name in ("sdr", "emb_mse_mert_df", "visqol"):
        np.testing.assert_array_equal(metrics[name].loc[ours.index].to_numpy(),
                                      js.table.set_index(["item", "system"])[name].to_numpy())


def test_explicit_path_and_errors(tmp_path):
    copy = tmp_path / "copy.csv"
    RAW.to_csv(copy, index=False)
    assert len(load_gensvs(copy)) == 250
    broken = RAW.copy()
    broken.loc[3, "sdr"] = np.nan
    broken.to_csv(copy, index=False)
    with pytest.raises(DataError, match=r"copy\.csv, row 5, column 'sdr': missing metric score"):
        load_gensvs(copy)
    dropped = load_gensvs(copy, missing="drop")
    assert dropped.table["sdr"].isna().sum() == 1
    with pytest.raises(DataError, match=r"missing column\(s\) \['rating_0'"):
        RAW.drop(columns=["rating_0"]).to_csv(copy, index=False)
        gensvs_ratings(copy)

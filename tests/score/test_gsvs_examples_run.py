"""End to end on real audio: score the 60 rated GSVS outputs, join the released DMOS, correlate.

The example audio is the companion page's, close to but not identical with the rated audio (see
the datasets README), so the released per-item values are compared for agreement, not equality.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.score.manifest import read_manifest
from metaeval.score.runner import score_items
from tests.registered import registered

FOLDER = registered("gensvs_eval_examples")
MANIFEST = FOLDER / "audio_examples_manifest.csv"
JUDGEMENTS = FOLDER / "audio_examples_dmos.csv"
DISCRIMINATIVE = ("htdemucs", "melroformer_small", "melroformer_large")


@pytest.fixture(scope="module")
def scored(datasets_dir, tmp_path_factory):
    rows = read_manifest(MANIFEST)
    assert len(rows) == 60
    scores = score_items(rows, ["sisdr", "mrstft"], batch_size=12)
    out = tmp_path_factory.mktemp("gsvs") / "scores.parquet"
    scores.to_parquet(out)
    return scores, out


def test_every_output_is_scored(scored):
    scores, _ = scored
    assert scores[["sisdr", "mrstft"]].notna().all().all()
    assert (scores["errors"].fillna("") == "").all()


def test_agreement_with_the_released_values(scored):
    scores, _ = scored
    merged = pd.read_csv(JUDGEMENTS).merge(scores, on=["item", "system"])
    disc = merged[merged["system"].isin(DISCRIMINATIVE)]
    # discriminative outputs: SI-SDR within ~1 dB for most items (datasets README), ranks agree
    assert np.median(np.abs(disc["sisdr"] - disc["released_sisdr"])) < 1.0
    assert scipy.stats.spearmanr(merged["sisdr"], merged["released_sisdr"])[0] > 0.9
    assert scipy.stats.spearmanr(merged["mrstft"], merged["released_multi_res_loss"])[0] > 0.85
    assert np.median(np.abs(merged["mrstft"] - merged["released_multi_res_loss"])) < 0.15


def test_correlate_on_the_joined_scores_equals_scipy(scored, tmp_path):
    scores, path = scored
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["correlate", "--data", str(JUDGEMENTS), "--scores", str(path),
                                      "--metrics", "sisdr,mrstft", "--k", "200", "--quiet",
                                      "--out", str(out), "--format", "csv"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "results.csv")
    merged = pd.read_csv(JUDGEMENTS).merge(scores, on=["item", "system"])
    for group, frame in [*merged.groupby("model_type"), ("all", merged)]:
        for metric, sign in (("sisdr", 1.0), ("mrstft", -1.0)):  # mrstft: lower is better
            row = table[(table["group"] == group) & (table["metric"] == metric)
                        & (table["coefficient"] == "spearman")].iloc[0]
            assert row["statistic"] == pytest.approx(
                scipy.stats.spearmanr(frame["DMOS"], sign * frame[metric])[0], abs=1e-12)

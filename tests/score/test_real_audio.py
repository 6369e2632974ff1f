"""A real-audio run: three rated outputs of the GSVS companion examples, scored and joined on DMOS."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import soxr

from metaeval.metrics.base import Batch, Metric
from metaeval.score.join import join_scores
from metaeval.score.manifest import expand_patterns, read_manifest
from metaeval.score.runner import score_items

ITEMS = ("fileid_1", "fileid_10", "fileid_14")


class EnergyRatio(Metric):
    """10 log10(sum e^2 / sum r^2): estimate level relative to the reference, in dB."""

    name = "energy_ratio"
    domain = "audio"
    inputs = ("estimate", "reference", "mixture")
    sample_rate = 16000

    def score(self, batch: Batch) -> np.ndarray:
        assert batch.sample_rate == 16000
        return np.array([10 * np.log10(np.sum(e.astype(float) ** 2) / np.sum(r.astype(float) ** 2))
                         for e, r in zip(batch["estimate"], batch["reference"], strict=True)])


def _mono_16k(path):
    data, rate = sf.read(str(path), always_2d=True)
    return soxr.resample(data.mean(axis=1), rate, 16000).astype(np.float32).astype(float)


@pytest.fixture
def examples(datasets_dir):
    path = datasets_dir / "gensvs_eval" / "audio_examples"
    if not (path / "HTDemucs" / "separated_vocals_fileid_1.wav").is_file():
        pytest.skip(f"GSVS audio examples absent at {path}")
    return path


def test_three_real_items_scored_and_joined_on_dmos(examples, datasets_dir, tmp_path):
    lines = ["item,system,estimate,reference,mixture"]
    lines += [f"{i},htdemucs,{examples}/HTDemucs/separated_vocals_{i}.wav,"
              f"{examples}/Target/target_{i}.wav,{examples}/Mixture/mixture_{i}.wav" for i in ITEMS]
    manifest = tmp_path / "items.csv"
    manifest.write_text("\n".join(lines) + "\n")
    rows = read_manifest(manifest, needs=("estimate", "reference", "mixture"))
    frame = score_items(rows, [EnergyRatio()], cache_dir=tmp_path / "cache")
    assert (frame["errors"] == "").all()
    for item, value in zip(ITEMS, frame["energy_ratio"], strict=True):
        e = _mono_16k(examples / "HTDemucs" / f"separated_vocals_{item}.wav")
        r = _mono_16k(examples / "Target" / f"target_{item}.wav")
        assert value == pytest.approx(10 * np.log10(np.sum(e ** 2) / np.sum(r ** 2)), abs=1e-4)
        assert abs(value) < 6  # a separated vocal is near the level of the true vocal

    dmos = pd.read_csv(datasets_dir / "gensvs_eval" / "dmos_ratings.csv")
    rated = dmos[(dmos["model_name"] == "htdemucs") & dmos["file_id"].isin(ITEMS)]
    joined = join_scores(rated, frame, "file_id", "model_name")
    assert len(joined) == 3 and joined["energy_ratio"].notna().all()
    by_item = dict(zip(frame["item"], frame["energy_ratio"], strict=True))
    assert joined["energy_ratio"].tolist() == [by_item[i] for i in joined["file_id"]]


def test_folder_convention_finds_the_sixty_rated_outputs(examples):
    rows = expand_patterns(f"{examples}/{{system}}/separated_vocals_{{item}}.wav",
                           f"{examples}/Target/target_{{item}}.wav",
                           f"{examples}/Mixture/mixture_{{item}}.wav",
                           needs=("estimate", "reference", "mixture"))
    assert len(rows) == 60
    assert {r.system for r in rows} == {"HTDemucs", "Mel-RoFo-S", "Mel-RoFo-L", "SGMSVS",
                                        "Mel-RoFo-S_BigVGAN"}
    assert len({r.item for r in rows}) == 12 and all(len(r.paths) == 3 for r in rows)

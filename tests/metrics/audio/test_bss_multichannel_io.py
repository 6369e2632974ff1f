"""Multichannel BSS Eval through the one audio loader and `metaeval score`: channels kept on
request, differing channel counts a missing value with its reason, the option in the cache key
and in the score metadata.

The stereo WAV files are written here from real GSVS recordings, a different excerpt per
channel (every stereo file in ../shared/datasets is dual-mono).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import soxr
import yaml
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.errors import DataError, ParameterError
from metaeval.score import score_items
from metaeval.score.audio_io import read_audio
from tests.metrics.audio import gsvs_example, mir_eval_images, stereo

pytest.importorskip("torch")
pytest.importorskip("mir_eval.separation")
ITEMS = [("HTDemucs", (1, 2)), ("SGMSVS", (5, 6))]
MULTI = "sdr:bss_eval_v3:channels=multichannel"


def write_stereo(folder, datasets_dir) -> pd.DataFrame:
    """Stereo FLOAT WAVs of target, mixture and estimate per item; plus one row whose estimate
    is mono (one channel) while its reference is stereo."""
    rows = []
    for system, ids in ITEMS:
        item = f"files_{ids[0]}_{ids[1]}"
        row = {"item": item, "system": system}
        for name, kind in (("estimate", system), ("reference", "Target"), ("mixture", "Mixture")):
            path = folder / f"{item}_{name}_{system}.wav"
            sf.write(path, stereo(datasets_dir, kind, ids).T, 44100, subtype="FLOAT")
            row[name] = path
        rows.append(row)
    mono = folder / "mono_estimate.wav"
    sf.write(mono, gsvs_example(datasets_dir, "SGMSVS", 1), 44100, subtype="FLOAT")
    rows.append({**rows[0], "system": "mono_system", "estimate": mono})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def manifest(tmp_path_factory, datasets_dir) -> pd.DataFrame:
    return write_stereo(tmp_path_factory.mktemp("stereo"), datasets_dir)


def files(row) -> dict[str, np.ndarray]:
    return {n: sf.read(row[n], always_2d=True)[0].T for n in ("estimate", "reference", "mixture")}


def test_loader_keeps_channels_when_asked_and_resamples_each(manifest):
    path = manifest["reference"][0]
    stored = sf.read(path, dtype="float32", always_2d=True)[0]
    kept, rate = read_audio(path, channels="multichannel")
    assert rate == 44100 and kept.shape == (2, stored.shape[0]) and kept.dtype == np.float32
    np.testing.assert_array_equal(kept, stored.T)
    assert not np.allclose(kept[0], kept[1])  # two different recordings
    np.testing.assert_allclose(read_audio(path)[0], stored.astype(np.float64).mean(1), atol=1e-7)
    resampled = read_audio(path, 16000, channels="multichannel")[0]
    for channel in range(2):  # each channel as if it were read alone
        alone = sf.read(path, always_2d=True)[0][:, channel]
        np.testing.assert_allclose(resampled[channel], soxr.resample(alone, 44100, 16000, "HQ"),
                                   atol=1e-6)
    with pytest.raises(ParameterError, match="mono, multichannel"):
        read_audio(path, channels="stereo")


def test_opposite_channels_are_silent_only_once_mixed_to_mono(tmp_path):
    x = np.random.default_rng(1905).normal(scale=0.1, size=8000)
    path = tmp_path / "opposite.wav"
    sf.write(path, np.stack([x, -x], 1), 8000, subtype="FLOAT")
    with pytest.raises(DataError, match="channels cancel"):
        read_audio(path)
    np.testing.assert_allclose(read_audio(path, channels="multichannel")[0][1], -x, atol=1e-7)


def test_score_cli_equals_mir_eval_on_stereo_files_and_reports_channel_mismatch(manifest,
                                                                                  tmp_path):
    manifest.to_csv(tmp_path / "m.csv", index=False)
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(app, [
        "score", "--manifest", str(tmp_path / "m.csv"), "--metrics",
        f"{MULTI},sar:bss_eval_v3:channels=multichannel,sdr:bss_eval_v3", "--out", str(out),
        "--quiet"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    for position in range(len(ITEMS)):
        signals = files(manifest.iloc[position])
        expected = mir_eval_images(signals["estimate"], signals["reference"], signals["mixture"])
        row = table.iloc[position]
        assert row[MULTI] == pytest.approx(expected[0], abs=1e-6)
        assert row["sar:bss_eval_v3:channels=multichannel"] == pytest.approx(expected[3], abs=1e-6)
        mono = {n: x.mean(0)[None] for n, x in signals.items()}
        assert row["sdr:bss_eval_v3"] == pytest.approx(
            mir_eval_images(mono["estimate"], mono["reference"], mono["mixture"])[0], abs=1e-6)
    mismatch = table.iloc[len(ITEMS)]
    assert np.isnan(mismatch[MULTI]) and np.isfinite(mismatch["sdr:bss_eval_v3"])
    reason = mismatch["errors"]
    assert "mono_estimate.wav has 1 channel(s), the reference 2" in reason
    assert "Fix:" in reason and "\n" not in reason
    card = yaml.safe_load((tmp_path / "scores.csv.yaml").read_text())["metrics"]
    assert card[MULTI]["options"]["audio_loader"] == "soundfile+channels+soxr-HQ"
    assert card[MULTI]["options"]["channels"] == "multichannel"
    assert card["sdr:bss_eval_v3"]["options"]["audio_loader"] == "soundfile+mean+soxr-HQ"


def test_cache_keeps_mono_and_multichannel_scores_apart(manifest, tmp_path):
    rows = manifest.iloc[:1]
    mono = score_items(rows, ["sdr:bss_eval_v3"], cache_dir=tmp_path)
    multi = score_items(rows, [MULTI], cache_dir=tmp_path)
    assert multi.attrs["from_cache"] == 0 and multi.attrs["computed"] == 1
    assert abs(multi[MULTI][0] - mono["sdr:bss_eval_v3"][0]) > 0.01
    again = score_items(rows, [MULTI], cache_dir=tmp_path)
    assert again.attrs["from_cache"] == 1 and again[MULTI][0] == multi[MULTI][0]

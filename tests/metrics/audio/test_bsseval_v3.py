"""BSS Eval v3 (mir_eval ``bss_eval_images``, 512 taps) reproduced on real audio.

Issue 7: a published separation study computed SAR/SIR/ISR with mir_eval's images criteria at 512
taps; the fixed 1024-tap configuration was off by 0.2-0.3 dB. Both ``sar:filter_length=512``
(fast_bss_eval, load_diag 1e-7) and the ``bss_eval_v3`` preset (exact least squares) are checked
against mir_eval itself on the GSVS audio, through the API and through `metaeval score`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.metrics import Batch, get_metric
from tests.metrics.audio import gsvs_example

pytest.importorskip("torch")
separation = pytest.importorskip("mir_eval.separation")
EXAMPLES = [("HTDemucs", 1), ("SGMSVS", 5), ("Mel-RoFo-S_BigVGAN", 3)]
SYSTEMS = {"HTDemucs": "htdemucs", "SGMSVS": "sgmsvs", "Mel-RoFo-S_BigVGAN": "melroformer_bigvgan"}
CRITERIA = ("sdr", "isr", "sir", "sar")  # the order of bss_eval_images' outputs


@pytest.fixture(scope="module")
def audio(datasets_dir):
    rows = []
    for system, file_id in EXAMPLES:
        rows.append({name: gsvs_example(datasets_dir, kind, file_id).astype(np.float64)
                     for name, kind in (("estimate", system), ("reference", "Target"),
                                        ("mixture", "Mixture"))})
    return rows


@pytest.fixture(scope="module")
def mir_eval_values(audio):
    """(items, 4) SDR, ISR, SIR, SAR of the target, as mir_eval computes them."""
    out = []
    for row in audio:
        s, e, m = row["reference"], row["estimate"], row["mixture"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # bss_eval_images is deprecated
            values = separation.bss_eval_images(np.stack([s, m - s]), np.stack([e, m - e]),
                                                compute_permutation=False)
        out.append([float(v[0]) for v in values[:4]])
    return np.array(out)


def _batch(audio) -> Batch:
    return Batch([f"{s}/{i}" for s, i in EXAMPLES],
                 {name: [row[name] for row in audio] for name in ("estimate", "reference",
                                                                  "mixture")}, 44100)


@pytest.mark.parametrize("criterion", CRITERIA)
def test_bss_eval_v3_preset_equals_mir_eval(audio, mir_eval_values, criterion):
    ours = get_metric(f"{criterion}:bss_eval_v3").score(_batch(audio))
    np.testing.assert_allclose(ours, mir_eval_values[:, CRITERIA.index(criterion)], atol=1e-6)


@pytest.mark.parametrize("criterion", ("isr", "sir", "sar"))
def test_512_taps_reproduce_mir_eval_to_a_thousandth_of_a_db(audio, mir_eval_values, criterion):
    batch = _batch(audio)
    expected = mir_eval_values[:, CRITERIA.index(criterion)]
    np.testing.assert_allclose(get_metric(f"{criterion}:filter_length=512").score(batch), expected,
                               atol=1e-3)
    default = get_metric(criterion).score(batch)  # the GSVS configuration: 1024 taps
    assert np.abs(default - expected).max() > 1e-2  # ... which is a different number


def test_score_cli_writes_both_configurations_as_columns(audio, mir_eval_values, datasets_dir,
                                                         tmp_path):
    folder = datasets_dir / "gensvs_eval" / "audio_examples"
    manifest = pd.DataFrame([{
        "item": f"fileid_{i}", "system": SYSTEMS[s],
        "estimate": folder / s / f"separated_vocals_fileid_{i}.wav",
        "reference": folder / "Target" / f"target_fileid_{i}.wav",
        "mixture": folder / "Mixture" / f"mixture_fileid_{i}.wav"} for s, i in EXAMPLES])
    manifest.to_csv(tmp_path / "m.csv", index=False)
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(app, [
        "score", "--manifest", str(tmp_path / "m.csv"), "--metrics",
        "sar,sar:filter_length=512,sir:bss_eval_v3", "--out", str(out), "--cache",
        str(tmp_path / "cache"), "--quiet"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert list(table.columns) == ["item", "system", "sar", "sar:filter_length=512",
                                   "sir:bss_eval_v3", "errors"]
    np.testing.assert_allclose(table["sar:filter_length=512"], mir_eval_values[:, 3], atol=1e-3)
    np.testing.assert_allclose(table["sir:bss_eval_v3"], mir_eval_values[:, 2], atol=1e-6)
    assert np.abs(table["sar"] - mir_eval_values[:, 3]).max() > 1e-2

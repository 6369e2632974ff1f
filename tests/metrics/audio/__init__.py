"""Tests of the audio metric adapters; `gsvs_example` loads the GSVS companion-page audio,
`stereo` builds stereo signals from it (one real recording per channel), `mir_eval_images` is
the reference of the images criteria."""

from __future__ import annotations

from pathlib import Path

import numpy as np

GSVS_SYSTEMS = ("HTDemucs", "Mel-RoFo-S", "Mel-RoFo-L", "SGMSVS", "Mel-RoFo-S_BigVGAN")
GSVS_FILE_IDS = (1, 2, 3, 5, 6, 10, 14, 21, 22, 31, 42, 44)


def gsvs_example(datasets_dir: Path, kind: str, file_id: int) -> np.ndarray:
    """Mono float32 audio (channel mean) of a system's output, ``Target`` or ``Mixture``."""
    import soundfile

    folder = Path(datasets_dir) / "gensvs_eval" / "audio_examples" / kind
    name = {"Target": "target", "Mixture": "mixture"}.get(kind, "separated_vocals")
    audio, rate = soundfile.read(folder / f"{name}_fileid_{file_id}.wav", dtype="float32", always_2d=True)
    assert rate == 44100
    return audio.mean(axis=1)


def stereo(datasets_dir: Path, kind: str, file_ids) -> np.ndarray:
    """(2, T) float64: one real GSVS recording per channel (the GSVS files are dual-mono)."""
    return np.stack([gsvs_example(datasets_dir, kind, i) for i in file_ids]).astype(np.float64)


def mir_eval_images(estimate, reference, mixture) -> np.ndarray:
    """mir_eval ``bss_eval_images`` (SDR, ISR, SIR, SAR) of the target, for (C, T) signals
    with ``mixture - reference`` as the second source."""
    import warnings

    from mir_eval.separation import bss_eval_images

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # bss_eval_images is deprecated
        values = bss_eval_images(np.stack([reference.T, (mixture - reference).T]),
                                 np.stack([estimate.T, (mixture - estimate).T]),
                                 compute_permutation=False)
    return np.array([float(v[0]) for v in values[:4]])

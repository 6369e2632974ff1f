"""methods_text: the paragraph states every setting a reader needs to reproduce the numbers."""

from __future__ import annotations

import dataclasses

from metaeval.report import methods_text


def test_mentions_settings(gensvs_result):
    text = methods_text(gensvs_result)
    for needle in ("Spearman ρ and Pearson r", "pooled level", "'DMOS'", "'model_type'",
                   "discriminative and generative", "('all')",
                   "multi_res_loss, emb_mse_mert_df and fad_song2song_clap_audio_df",
                   "sign-flipped", "95% confidence intervals are percentile bootstrap",
                   "k = 200 resamples of items", "PERM-BOTH", "Deutsch, Dror & Roth",
                   "p = (c+1)/(k+1)", "WMT", "p < 0.05", "seed 7", "50 items, 5 systems and 250 cells",
                   "metaeval 0.1.0"):
        assert needle in text, needle


def test_follows_the_settings(gensvs_result):
    settings = dict(gensvs_result.settings, k=1000, seed=123, ci_method="bca",
                    resample="systems", ci=0.9, lower_is_better=[], group_by=None,
                    missing="drop")
    text = methods_text(dataclasses.replace(gensvs_result, settings=settings, metrics={},
                                            group_column=None))
    assert "k = 1000" in text and "seed 123" in text and "seed 7" not in text
    assert "90% confidence intervals are bias-corrected and accelerated (BCa" in text
    assert "resamples of systems" in text
    assert "sign-flipped" not in text and "model_type" not in text
    assert "dropped for that metric only" in text


def test_levels_described(gensvs_result):
    t = gensvs_result.table
    both = dataclasses.replace(gensvs_result, table=t.assign(level="system"),
                               settings=dict(gensvs_result.settings, levels=["system"]))
    assert "system level (one score per system" in methods_text(both)

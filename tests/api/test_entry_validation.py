"""Validation lives in the library: every public entry point (correlate, challenge `evaluate`,
listening `compute_summary`, `power_analysis`, `meta_analysis`) refuses a bad value with one
`ParameterError` naming its parameter, before anything is computed, by the settings' one
definition (:mod:`metaeval.spec`); the CLI only maps parameter names to flags."""

from __future__ import annotations

import importlib

import pandas as pd
import pytest
from typer.testing import CliRunner

from metaeval import correlate, load_gensvs
from metaeval.challenge import evaluate, read_challenge_set
from metaeval.cli import app
from metaeval.correlation.meta import meta_analysis
from metaeval.correlation.power import power_analysis
from metaeval.errors import ParameterError
from metaeval.listening import compute_summary, read_ratings

runner = CliRunner()


def _never(*args, **kwargs):
    raise AssertionError("computed before the options were checked")


@pytest.fixture(scope="module")
def gsvs():
    return load_gensvs()


@pytest.fixture
def challenge(tmp_path, monkeypatch):
    rows = [{"source": "s", "good-translation": "ok fine", "incorrect-translation": "bad",
             "reference": "ok fine", "phenomena": "p", "langpair": "de-en"}] * 2
    pd.DataFrame(rows).to_json(tmp_path / "c.jsonl", orient="records", lines=True)
    monkeypatch.setattr(importlib.import_module("metaeval.challenge.evaluate"), "score_items",
                        _never)
    return read_challenge_set(tmp_path / "c.jsonl")


@pytest.fixture
def ratings(tmp_path, monkeypatch):
    rows = [{"item": f"i{i}", "system": s, "rater": f"r{r}", "rating": 1 + (i + r + k) % 5}
            for i in range(4) for k, s in enumerate("AB") for r in range(3)]
    pd.DataFrame(rows).to_csv(tmp_path / "r.csv", index=False)
    monkeypatch.setattr("metaeval.listening.summarize.screen", _never)
    return read_ratings(tmp_path / "r.csv", format="long", scale=(1, 5))


BAD_SETTINGS = [  # (keyword, value, message) shared by the entry points that take them
    ("k", 1.5, "k=1.5: must be a whole number."),
    ("k", "many", "k='many': must be a whole number."),
    ("k", True, "k: must be a number, not True/False."),
    ("seed", -1, "seed=-1: must be 0 or more (numpy's generators take non-negative seeds), "
                 "e.g. 0."),
    ("seed", 2.5, "seed=2.5: must be a whole number."),
    ("ci", 1.5, "ci=1.5: must be between 0 and 1, e.g. 0.95."),
    ("ci", "wide", "ci='wide': must be a number."),
]
ALPHA = [("alpha", 2.0, "alpha=2.0: must be between 0 and 1, e.g. 0.05."),
         ("alpha", float("nan"), "alpha=nan: must be between 0 and 1, e.g. 0.05.")]


def _refused(call, keyword, value, message):
    with pytest.raises(ParameterError) as caught:
        call(**{keyword: value})
    assert str(caught.value) == message


@pytest.mark.parametrize("keyword, value, message", BAD_SETTINGS + ALPHA + [
    ("k", 0, "k=0: must be at least 1 (a challenge's intervals and PERM-BOTH tests need "
             "draws), e.g. 1000.")])
def test_challenge_evaluate(challenge, keyword, value, message):
    _refused(lambda **kw: evaluate(challenge, "chrf", **kw), keyword, value, message)


@pytest.mark.parametrize("keyword, value, message", BAD_SETTINGS + [
    ("k", 0, "k=0: must be at least 1 (the intervals and the noise ceiling need draws), "
             "e.g. 1000."),
    ("correction", "none", "correction='none': unknown correction; use one of bonferroni, holm."),
    ("screening", "p800", "screening='p800': unknown screening; use one of auto, p808, mushra, none.")])
def test_listening_compute_summary(ratings, keyword, value, message):
    _refused(lambda **kw: compute_summary(ratings, **kw), keyword, value, message)


@pytest.mark.parametrize("keyword, value, message", BAD_SETTINGS[:5] + ALPHA + [
    ("chance", "no", "chance='no': must be True or False."),
    ("min_points", 2.5, "min_points=2.5: must be a whole number."),
    ("workers", 0, "workers=0: must be at least 1, e.g. 4.")])
def test_correlate(gsvs, monkeypatch, keyword, value, message):
    monkeypatch.setattr("metaeval.correlation.api.compute_humans", _never)
    _refused(lambda **kw: correlate(gsvs, metrics=["sdr", "pam"], **kw), keyword, value, message)


@pytest.mark.parametrize("keyword, value, message", BAD_SETTINGS[:5] + ALPHA + [
    ("reps", 2.5, "reps=2.5: must be a whole number."),
    ("grid", (10.5,), "grid=10.5: must be a whole number."),
    ("variance", "cells", "variance='cells': choose from cell, pooled."),
    ("coefficient", "pearsonr", "coefficient='pearsonr': unknown coefficient; choose from "
                                "pearson, spearman, kendall_b, kendall_c, tau23, acc23, aces_tau, "
                                "pairwise_acc, acc23_tiecal, spa, pdp, kendall_like, mse.")])
def test_power_analysis(gsvs, monkeypatch, keyword, value, message):
    monkeypatch.setattr("metaeval.correlation.power.item_power", _never)
    options = {"grid": (10,), "reps": 2, "k": 20, keyword: value}
    with pytest.raises(ParameterError) as caught:
        power_analysis(gsvs, ["sdr", "pam"], **options)
    assert str(caught.value) == message


def test_meta_analysis_settings():
    sets = [{"name": n, "signature": f"data:{n}@1", "coefficient": "pearson", "level": "none",
             "values": {"m": r}, "n": {"m": 30.0}, "draws": None} for n, r in (("a", .5), ("b", .3))]
    _refused(lambda **kw: meta_analysis(sets, **kw), "ci", 0, "ci=0: must be between 0 and 1, "
             "e.g. 0.95.")
    _refused(lambda **kw: meta_analysis(sets, **kw), "alpha", 1.0, "alpha=1.0: must be between "
             "0 and 1, e.g. 0.05.")


def test_the_cli_names_the_flag_of_the_library_check(tmp_path):
    rows = [{"source": "s", "good-translation": "ok", "incorrect-translation": "bad",
             "reference": "ok", "phenomena": "p", "langpair": "de-en"}] * 2
    pd.DataFrame(rows).to_json(tmp_path / "c.jsonl", orient="records", lines=True)
    ran = runner.invoke(app, ["challenge", "--set", str(tmp_path / "c.jsonl"), "--seed", "-1",
                              "--out", str(tmp_path / "o")])
    assert ran.exit_code == 2
    assert ran.output.strip() == ("error: --seed -1: must be 0 or more (numpy's generators take "
                                  "non-negative seeds), e.g. 0.")
    ran = runner.invoke(app, ["listening", "summarize", "--data", str(tmp_path / "c.jsonl"),
                              "--format", "long", "--k", "0", "--out", str(tmp_path / "o")])
    assert ran.exit_code == 2 and ran.output.startswith("error: --k 0: must be at least 1 (the intervals")

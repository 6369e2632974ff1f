"""The example plugin (examples/metaeval-example-plugin): install, discovery, scoring, LSD values."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from metaeval.errors import MetricError
from metaeval.metrics import Batch, Metric, get_metric

PLUGIN = Path(__file__).resolve().parents[2] / "examples" / "metaeval-example-plugin"


@pytest.fixture(scope="module")
def plugin_target(tmp_path_factory) -> Path:
    """The plugin installed with pip into a temporary folder (not into the environment).

    pip builds in the source tree, so it builds a copy: the repository stays clean and parallel
    test workers do not share a build folder.
    """
    source = tmp_path_factory.mktemp("plugin_source") / PLUGIN.name
    shutil.copytree(PLUGIN, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    target = tmp_path_factory.mktemp("plugin_target")
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
           "--disable-pip-version-check", "--no-cache-dir", "--target", str(target), str(source)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path_factory.getbasetemp())
    assert done.returncode == 0, done.stderr
    return target


@pytest.fixture
def plugin_on_path(plugin_target, monkeypatch):
    monkeypatch.syspath_prepend(str(plugin_target))
    yield plugin_target
    for name in [m for m in sys.modules if m.startswith("metaeval_example_plugin")]:
        del sys.modules[name]


def _env(target: Path) -> dict[str, str]:
    path = [str(target)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path), "COLUMNS": "300"}


def test_cli_lists_the_installed_plugin(plugin_target):
    done = subprocess.run([sys.executable, "-m", "metaeval.cli", "metrics", "--domain", "audio",
                           "--format", "tsv"], capture_output=True, text=True,
                          env=_env(plugin_target))
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if "log_spectral_distance" in x)
    cells = line.split("\t")
    assert cells == ["log_spectral_distance", "audio", "estimate, reference", "lower", "yes",
                     "metaeval-example-plugin", "Gray et al. 1976"]
    assert "sisdr" in done.stdout  # built-ins are still listed


def test_plugin_is_absent_without_the_install():
    with pytest.raises(MetricError, match="unknown metric 'log_spectral_distance'"):
        get_metric("log_spectral_distance")


def test_score_batch_through_get_metric(plugin_on_path):
    # Hand-computed: 4-point boxcar frames, hop 4. Frame 1: est [2,0,0,0] vs ref [1,0,0,0] has
    # |X|^2 = 4 and |Y|^2 = 1 in all 3 bins, so sqrt(mean((10 log10 4)^2)) = 10 log10 4; frame 2 is
    # identical (0). LSD = (10 log10 4 + 0) / 2 = 10 log10 2.
    metric = get_metric("log_spectral_distance", n_fft=4, hop_length=4, window="boxcar")
    assert type(metric).__module__ == "metaeval_example_plugin.lsd"
    est = np.array([2, 0, 0, 0, 0, 1, 0, 0], dtype=np.float32)
    ref = np.array([1, 0, 0, 0, 0, 1, 0, 0], dtype=np.float32)
    batch = Batch(ids=["hand", "same", "empty"],
                  inputs={"estimate": [est, ref, np.zeros(0, np.float32)],
                          "reference": [ref, ref, ref]}, sample_rate=44100)
    scores = metric.score(batch)
    assert scores.shape == (3,)
    assert scores[0] == pytest.approx(10 * np.log10(2), abs=1e-8)
    assert scores[1] == 0.0
    assert np.isnan(scores[2])


def test_scaled_noise_gives_the_gain_in_db(plugin_on_path):
    # est = 10 * ref: every bin differs by 10 log10(100) = 20 dB (eps is negligible for noise).
    rng = np.random.default_rng(0)
    ref = rng.standard_normal(44100).astype(np.float32)
    metric = get_metric("log_spectral_distance")
    assert (metric.config.n_fft, metric.config.hop_length, metric.config.window) == (2048, 512, "hann")
    batch = Batch(ids=["gain", "shorter"], inputs={"estimate": [10 * ref, 0.1 * ref[:30000]],
                                                   "reference": [ref, ref]}, sample_rate=44100)
    assert metric.score(batch) == pytest.approx([20.0, 20.0], abs=1e-4)
    assert metric.higher_is_better is False


def test_bad_config_is_a_metric_error(plugin_on_path):
    with pytest.raises(MetricError, match="unknown window 'hamming'"):
        get_metric("log_spectral_distance", window="hamming")


def _doc_blocks(language: str) -> list[str]:
    text = (PLUGIN.parents[1] / "docs" / "plugins.md").read_text()
    section = text.split("## Add your metric", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.S)


def test_add_your_metric_snippet_runs_and_is_short():
    (code,), (toml,) = _doc_blocks("python"), _doc_blocks("toml")
    assert len(code.strip().splitlines()) + len(toml.strip().splitlines()) < 20
    namespace: dict = {}
    exec(compile(code, "docs/plugins.md", "exec"), namespace)
    cls = namespace["PeakRatio"]
    assert issubclass(cls, Metric) and cls.name == "peak_ratio_db"
    entry = toml.strip().splitlines()
    assert entry[0] == '[project.entry-points."metaeval.metrics"]'
    assert entry[1] == 'peak_ratio_db = "my_metrics.peak:PeakRatio"'
    ref = np.array([0.5, -0.25, 0.1], dtype=np.float32)
    scores = cls().score(Batch(["a", "b"], {"estimate": [2 * ref, ref], "reference": [ref, ref]}, 44100))
    assert scores == pytest.approx([20 * np.log10(2), 0.0])

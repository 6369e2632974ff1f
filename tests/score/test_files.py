"""Score files keep each column's metric config (Parquet metadata, CSV sidecar card), and
`metaeval correlate --scores` carries them into the result's signature and reports.

Issue 7: `metaeval score` cleared ``frame.attrs["signatures"]``, so no report could say which
filter length or MERT layer made a column.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.data.cards import read_card
from metaeval.metrics import get_metric
from metaeval.provenance import Signature
from metaeval.score.files import read_scores, sidecar, write_scores
from metaeval.score.runner import score_items
from tests.registered import registered
from tests.score.fakes import make_tree, write_manifest

pytest.importorskip("torch")
FOLDER = registered("gensvs_eval_examples")
runner = CliRunner()


@pytest.fixture
def scored(tmp_path, monkeypatch):
    from metaeval.metrics import registry
    from metaeval.metrics.spec import MetricSpec

    make_tree(tmp_path)
    monkeypatch.setitem(registry._BUILTIN, "test_snr", MetricSpec(
        "test_snr", "audio", "tests.score.fakes:SNR", ("estimate", "reference")))
    rows = write_manifest(tmp_path, systems=("good",))
    from metaeval.score.manifest import read_manifest

    frame = score_items(read_manifest(rows), ["test_snr", "test_snr:offset=1.5"])
    return frame, tmp_path


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_written_scores_carry_each_columns_config(scored, suffix):
    frame, folder = scored
    path = write_scores(frame, folder / f"scores{suffix}")
    table, meta = read_scores(path)
    assert list(table.columns) == ["item", "system", "test_snr", "test_snr:offset=1.5", "errors"]
    assert meta["test_snr"].config == get_metric("test_snr").signature
    assert meta["test_snr:offset=1.5"].config == get_metric("test_snr", offset=1.5).signature
    assert meta["test_snr"].config != meta["test_snr:offset=1.5"].config
    assert dict(meta["test_snr:offset=1.5"].options)["offset"] == "1.5"
    if suffix == ".csv":
        card = read_card(sidecar(path))  # the sidecar is a valid dataset card
        assert card.metrics["test_snr:offset=1.5"].config == meta["test_snr:offset=1.5"].config


def test_scores_without_metadata_still_read(tmp_path):
    frame = pd.DataFrame({"item": ["1"], "system": ["A"], "m": [0.5], "errors": [""]})
    frame.to_csv(tmp_path / "plain.csv", index=False)
    table, meta = read_scores(tmp_path / "plain.csv")
    assert meta == {} and table["m"].tolist() == [0.5]


def test_correlate_puts_the_score_configs_into_the_signature(datasets_dir, tmp_path):
    if not (datasets_dir / "gensvs_eval" / "audio_examples").is_dir():
        pytest.skip("GSVS audio examples absent")
    scores = tmp_path / "scores.parquet"
    done = runner.invoke(app, ["score", "--manifest", str(FOLDER / "audio_examples_manifest.csv"),
                               "--metrics", "sisdr,sdr:filter_length=256", "--out", str(scores),
                               "--cache", str(tmp_path / "cache"), "--quiet"])
    assert done.exit_code == 0, done.output
    out = tmp_path / "report"
    result = runner.invoke(app, ["correlate", "--data", str(FOLDER / "audio_examples_dmos.csv"),
                                 "--scores", str(scores), "--k", "20", "--out", str(out),
                                 "--format", "json,html,latex", "--quiet"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "results.json").read_text())
    signature = Signature.parse(report["signature"])
    entries = {m.name: m for m in signature.metrics}
    assert entries["sisdr"].config == get_metric("sisdr").signature
    assert entries["sdr:filter_length=256"].config == get_metric("sdr:filter_length=256").signature
    assert report["metric_options"]["sdr:filter_length=256"]["filter_length"] == "256"
    html = (out / "index.html").read_text()
    assert "sdr:filter_length=256 (" + get_metric("sdr:filter_length=256").signature in html
    assert get_metric("sisdr").signature in (out / "table.tex").read_text()


def test_loudness_normalisation_is_recorded_with_each_column(scored):
    pytest.importorskip("pyloudnorm")
    frame, folder = scored
    from metaeval.score.manifest import read_manifest

    rows = read_manifest(folder / "items.csv")
    normalised = score_items(rows, ["test_snr"], loudness_lufs=-18.0)
    options = normalised.attrs["metrics"]["test_snr"]["options"]
    assert options["audio_loader"].endswith("+lufs-18")
    assert frame.attrs["metrics"]["test_snr"]["options"]["audio_loader"] == "soundfile+mean+soxr-HQ"

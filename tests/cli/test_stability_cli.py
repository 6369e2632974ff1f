"""`metaeval correlate --stability`: the ranking-stability section and results.json record."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.correlation.humans import human_payload

runner = CliRunner()


def test_stability_option_on_the_bundled_audio_set(tmp_path):
    out = tmp_path / "gsvs"
    result = runner.invoke(app, ["correlate", "--domain", "audio", "--k", "50", "--stability",
                                 "--metrics", "sdr,multi_res_loss,emb_mse_clap_music_df",
                                 "--format", "html,json", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    record = human_payload(json.loads((out / "results.json").read_text()))["stability"]
    assert record["coefficient"] == "spearman" and record["group_by"] == "model_type"
    systems = [r["left_out"] for r in record["leave_one_out"][0]["runs"]]
    assert systems == sorted(["htdemucs", "melroformer_large", "melroformer_small",
                              "melroformer_bigvgan", "sgmsvs"])
    html = (out / "index.html").read_text()
    assert 'id="stability"' in html and "Leave one system out" in html
    assert "Leave one model_type group out" in html and "discriminative vs generative" in html
    payload = human_payload(json.loads((out / "results.json").read_text()))
    label = payload["display_names"][record["top"]]
    assert label != record["top"]  # GSVS has the paper's labels
    assert record["flags"]
    for flag in record["flags"]:  # results.json keeps the column name, the report the label
        assert record["top"] in flag
        shown = flag.split(":")[0].replace(record["top"], label)
        assert shown in html and flag.split(":")[0] not in html
        assert f"ranking stability: {shown}" in " ".join(payload["notes"])


def test_without_the_option_there_is_no_stability(tmp_path):
    out = tmp_path / "plain"
    result = runner.invoke(app, ["correlate", "--domain", "audio", "--k", "20", "--metrics",
                                 "sdr,pam", "--format", "html,json", "--out", str(out),
                                 "--quiet"])
    assert result.exit_code == 0, result.output
    assert "stability" not in human_payload(json.loads((out / "results.json").read_text()))
    assert 'id="stability"' not in (out / "index.html").read_text()

"""`metaeval correlate --power`: the power section (plot + table), results.json 'power' and
the signature; bad pairs are refused before anything is computed."""

from __future__ import annotations

import json
import time

import pytest
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.correlation.humans import human_payload
from metaeval.provenance import Signature

runner = CliRunner()
METRICS = "visqol,xls_r_sqa,sisdr,multi_res_loss"


def _correlate(out, *extra):
    return runner.invoke(app, ["correlate", "--domain", "audio", "--k", "50", "--metrics",
                               METRICS, "--coef", "pearson", "--format", "html,json", "--out",
                               str(out), *extra])


@pytest.mark.slow
def test_power_section_on_the_bundled_audio_set(tmp_path):
    out = tmp_path / "gsvs"
    ran = _correlate(out, "--power", "--power-reps", "30")
    assert ran.exit_code == 0, ran.output
    assert "note: power 1/3:" in ran.output                     # progress (stderr)
    saved = human_payload(json.loads((out / "results.json").read_text()))
    record = saved["power"]
    assert record["method"] == "subsample" and record["grid"] == [10, 20, 30, 40, 50]
    assert record["raters"] == [1, 2, 4, 8, 12] and record["coefficient"] == "pearson"
    top = max(saved["results"], key=lambda r: r["statistic"] if r["group"] == "all" else -9)
    assert [p["metric_a"] for p in record["pairs"]] == [top["metric"]] * 3
    assert len(record["curves"]) == 3 * (5 + 5)
    assert all(0 <= c["power"] <= 1 for c in record["curves"])
    text = saved["signature"]
    assert "|power:subsample;items=10+20+30+40+50;raters=1+2+4+8+12;reps=30;k=100;" \
           "pairs=top3|" in text
    assert Signature.parse(text).power == record["signature"] == saved["settings"]["power"]
    html = (out / "index.html").read_text()
    assert 'id="power"' in html and 'id="power-curves"' in html and 'id="power-needed"' in html
    section = html[html.index('id="power"'):html.index("</section>", html.index('id="power"'))]
    assert '<svg class="plot"' in section and "items needed" in section


def test_chosen_pair_and_simulation(tmp_path):
    out = tmp_path / "pair"
    ran = _correlate(out, "--power-pair", "visqol,xls_r_sqa", "--power-method", "simulate",
                     "--power-grid", "10,50", "--power-raters", "6,24", "--power-reps", "20",
                     "--quiet")
    assert ran.exit_code == 0, ran.output
    saved = human_payload(json.loads((out / "results.json").read_text()))
    record = saved["power"]
    assert [(p["metric_a"], p["metric_b"]) for p in record["pairs"]] == [("visqol", "xls_r_sqa")]
    assert record["variance"] == "cell" and record["raters"] == [6, 24]
    assert "power:simulate;items=10+50;raters=6+24;reps=20;k=100;pairs=visqol>xls_r_sqa;" \
           "var=cell|" in saved["signature"]


def test_without_power_no_section_and_no_signature_field(tmp_path):
    out = tmp_path / "plain"
    ran = _correlate(out, "--quiet")
    assert ran.exit_code == 0, ran.output
    saved = human_payload(json.loads((out / "results.json").read_text()))
    assert "power" not in saved and "|power:" not in saved["signature"]
    assert 'id="power"' not in (out / "index.html").read_text()


def test_unknown_pair_is_refused_before_computing(tmp_path):
    out = tmp_path / "bad"
    start = time.perf_counter()
    ran = _correlate(out, "--power-pair", "visqol,nope")
    assert ran.exit_code == 2
    lines = [line for line in ran.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: --power-pair visqol,nope:")
    assert "unknown metric(s) nope" in lines[0] and "Fix: name two of the metrics" in lines[0]
    assert not (out / "results.json").exists() and time.perf_counter() - start < 10
    for pair, problem in (("visqol", "give two metrics as A,B"),
                          ("visqol,visqol", "give two different metrics")):
        ran = _correlate(out, "--power-pair", pair)
        assert ran.exit_code == 2 and f"--power-pair {pair}: {problem}" in ran.output
    ran = _correlate(out, "--power", "--power-grid", "10,99")
    assert ran.exit_code == 2 and "--power-grid 10,99: the data has 50 items" in ran.output
    ran = _correlate(out, "--power", "--power-raters", "24")
    assert ran.exit_code == 2 and "--power-raters 24: at most 12 ratings" in ran.output

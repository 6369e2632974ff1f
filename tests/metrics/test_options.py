"""Metric options wherever a metric is named: the request syntax, typed values, presets, clear
errors naming the valid fields, distinct columns, and `metaeval metrics --show`."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.errors import MetricOptionError
from metaeval.metrics import get_metric
from metaeval.metrics.options import parse_metric_list, parse_metric_request, split_top_level
from metaeval.score.runner import resolve_metrics

pytest.importorskip("torch")


def test_request_syntax():
    request = parse_metric_request("sar:bss_eval_v3:filter_length=1024 ")
    assert (request.name, request.presets, request.options) == (
        "sar", ("bss_eval_v3",), {"filter_length": "1024"})
    assert request.column == "sar:bss_eval_v3:filter_length=1024"
    assert split_top_level("a:x=[1,2],b,c:y=(3,4)") == ["a:x=[1,2]", "b", "c:y=(3,4)"]
    assert [r.column for r in parse_metric_list("sdr, sar:filter_length=512")] == [
        "sdr", "sar:filter_length=512"]
    with pytest.raises(MetricOptionError, match="given twice"):
        parse_metric_request("sar:filter_length=1:filter_length=2")
    with pytest.raises(MetricOptionError, match="empty metric name"):
        parse_metric_request(":filter_length=1")


def test_every_config_field_is_settable_with_its_type():
    sar = get_metric("sar:filter_length=512:load_diag=1e-5")
    assert (sar.config.filter_length, sar.config.load_diag) == (512, 1e-5)
    assert get_metric("sar:load_diag=none").config.load_diag is None
    mrstft = get_metric("mrstft:fft_sizes=[512,1024]:hop_sizes=128+256:perceptual_weighting=no")
    assert mrstft.config.fft_sizes == (512, 1024) and mrstft.config.hop_sizes == (128, 256)
    assert mrstft.config.perceptual_weighting is False
    assert get_metric("sdr", filter_length=256).config.filter_length == 256
    assert get_metric("sdr", filter_length=256).column == "sdr:filter_length=256"
    assert get_metric("sisdr").column == "sisdr"


def test_presets_and_their_overrides():
    v3 = get_metric("sar:bss_eval_v3")
    assert (v3.config.method, v3.config.filter_length, v3.config.load_diag) == (
        "bss_eval_v3", 512, None)
    assert get_metric("sar:bss_eval_v3:filter_length=1024").config.filter_length == 1024
    assert get_metric("isr", preset="bss_eval_v3").config.filter_length == 512
    assert get_metric("sar:bss_eval_v3").signature != get_metric("sar").signature


@pytest.mark.parametrize("request_text, needle", [
    ("sar:filter_len=512", "has no option 'filter_len'; its options are method, filter_length, "
                           "load_diag"),
    ("sar:v4", "has no preset 'v4'; its presets: bss_eval_v3"),
    ("sar:filter_length=abc", "'abc' is not a valid int"),
    ("stoi:extended=maybe", "not a valid bool"),
    ("sar:method=bss_eval_v3", "takes no load_diag"),
    ("nosuch:x=1", "unknown metric 'nosuch'"),
])
def test_errors_name_the_valid_choices(request_text, needle):
    with pytest.raises(MetricOptionError, match=needle):
        get_metric(request_text)


def test_two_configurations_get_two_columns_and_one_configuration_one():
    metrics = resolve_metrics(["sar", "sar:filter_length=512", "sar:bss_eval_v3"])
    assert [m.column for m in metrics] == ["sar", "sar:filter_length=512", "sar:bss_eval_v3"]
    assert len({m.signature for m in metrics}) == 3
    with pytest.raises(MetricOptionError, match="same configuration"):
        resolve_metrics(["sar", "sar:filter_length=1024"])
    with pytest.raises(MetricOptionError, match="given twice"):
        resolve_metrics(["sdr", "sdr"])


def test_metrics_show_lists_fields_defaults_and_docs():
    result = CliRunner().invoke(app, ["metrics", "--show", "sar"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "presets: bss_eval_v3 = method=bss_eval_v3, filter_length=512, load_diag=None" in out
    for line in ("filter_length  int", "1024", "distortion filter taps", "load_diag", "1e-07"):
        assert line in out, line
    bad = CliRunner().invoke(app, ["metrics", "--show", "nosuch"])
    assert bad.exit_code == 2 and bad.stderr.startswith("error: unknown metric 'nosuch'")


def test_a_colon_inside_a_value_stays_in_the_value():
    """`--metrics tigerscore:backend=http:url=http://127.0.0.1:8000/v1` (the README's local
    server example) was split at every ':' and refused."""
    from metaeval.metrics.options import parse_metric_request

    request = parse_metric_request("tigerscore:backend=http:url=http://127.0.0.1:8000/v1:max_new_tokens=64")
    assert request.options == {"backend": "http", "url": "http://127.0.0.1:8000/v1",
                               "max_new_tokens": "64"}
    assert parse_metric_request("sar:bss_eval_v3:filter_length=512").presets == ("bss_eval_v3",)

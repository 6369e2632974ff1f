"""Metric options are range-checked where they are defined: a negative BLEU smoothing value
(which gave BLEU 127) is refused on the command line, in Python and in a config object, and every
option that declares a range refuses a value outside it with one line naming the metric, the
option, the value and the allowed range."""

from __future__ import annotations

import dataclasses

import pytest
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.errors import MetricOptionError
from metaeval.metrics import get_metric
from metaeval.metrics.registry import all_specs
from metaeval.metrics.valid import at_least, between, declared, greater_than, one_of

sacrebleu = pytest.importorskip("sacrebleu")


def test_negative_bleu_smoothing_scored_127_and_is_refused():
    # what the unchecked option computed: sacrebleu takes the value as given
    raw = sacrebleu.metrics.BLEU(smooth_method="add-k", smooth_value=-1.2, effective_order=True)
    assert raw.sentence_score("a x", ["a b"]).score == pytest.approx(131.6074, abs=1e-4)
    for make in (lambda: get_metric("bleu:smooth_method=add-k:smooth_value=-1.2"),
                 lambda: get_metric("bleu", smooth_method="floor", smooth_value=-0.5)):
        with pytest.raises(MetricOptionError, match=r"metric 'bleu', option smooth_value=-"
                                                    r".*must be >= 0.*value >= 0"):
            make()
    from metaeval.metrics.text.sacrebleu_metrics import BLEU, BLEUConfig

    with pytest.raises(MetricOptionError, match="smooth_value"):
        BLEU(config=BLEUConfig(smooth_method="floor", smooth_value=-1.0))
    assert get_metric("bleu:smooth_method=floor:smooth_value=0").config.smooth_value == 0


def test_the_command_line_refuses_it_in_one_line(tmp_path):
    manifest = tmp_path / "texts.csv"
    manifest.write_text("item,system,hypothesis,reference\n1,a,the cat,the cat\n")
    result = CliRunner().invoke(app, ["score", "--manifest", str(manifest), "--metrics",
                                      "bleu:smooth_method=floor:smooth_value=-1",
                                      "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 2, result.output
    message = [line for line in result.output.splitlines() if "smooth_value" in line]
    assert len(message) == 1 and "'bleu'" in message[0] and "-1" in message[0]
    assert not (tmp_path / "s.csv").exists()


def test_range_words_and_checks():
    assert at_least(1).problem(0) == "must be >= 1" and at_least(1).problem(1) is None
    assert greater_than(0).problem(0.0) == "must be > 0" and greater_than(0).problem(1e-9) is None
    assert between(0, 1).problem(1.5) == "must be <= 1" and between(0, 1).problem(0) is None
    assert between(0, 1, open_low=True).describe() == "0 < value <= 1"
    assert "NaN" in at_least(0).problem(float("nan"))
    assert one_of("a", "b").problem("c") == "must be one of 'a', 'b'"
    assert at_least(0).problem(True) is not None  # a bool is not a number here


def _every_declared_range():
    cases = []
    for spec in all_specs():
        if spec.source != "built-in" or not spec.available:
            continue
        config = spec.load().Config
        kinds = {f.name: str(f.type) for f in dataclasses.fields(config)}
        for name, valid in declared(config).items():
            cases.append(pytest.param(spec.name, name, valid, "tuple" in kinds[name],
                                      id=f"{spec.name}:{name}"))
    return cases


@pytest.mark.parametrize("metric, option, valid, many", _every_declared_range())
def test_every_declared_range_refuses_a_value_outside_it(metric, option, valid, many):
    bad = valid.outside()
    value = [bad] if many else bad
    with pytest.raises(MetricOptionError) as caught:
        get_metric(metric, **{option: value})
    message = str(caught.value)
    assert "\n" not in message and repr(metric) in message and option in message
    assert str(bad) in message and (valid.describe() in message or
                                    ", ".join(map(str, valid.choices)) in message)


def test_the_sweep_covers_the_options_that_need_a_range():
    names = {p.id for p in _every_declared_range()}
    expected = {"bleu:smooth_value", "bleu:max_ngram_order", "chrf:char_order", "chrf:beta",
                "bertscore:batch_size", "bertscore:num_layers", "comet:batch_size",
                "tigerscore:batch_size", "tigerscore:concurrency", "sdr:filter_length",
                "mrstft:fft_sizes", "mrstft:eps", "stoi:sample_rate", "pesq:mode",
                "bsseval_v4:hop_seconds"}
    available = {s.name for s in all_specs() if s.available}
    assert {e for e in expected if e.split(":")[0] in available} <= names


def test_metrics_show_prints_each_range():
    result = CliRunner().invoke(app, ["metrics", "--show", "bleu"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stdout.splitlines() if x.startswith("smooth_value"))
    assert "value >= 0" in line

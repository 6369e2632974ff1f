"""The scoring runner: values, resampling and mono as the metric sees them, failures, cache, resume."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import soxr

from metaeval.errors import DataError, MetricError, ParameterError
from metaeval.score.audio_io import LengthMismatchWarning
from metaeval.score.manifest import expand_patterns, read_manifest
from metaeval.score.runner import failure_summary, score_items
from tests.score.fakes import SNR, FailsOn, Gain, InterruptAfter, make_tree, snr_db, write_manifest


@pytest.fixture
def tree(tmp_path):
    make_tree(tmp_path)
    return tmp_path


@pytest.fixture
def all_rows(tree):
    return expand_patterns(f"{tree}/out/{{system}}/{{item}}.wav", f"{tree}/ref/{{item}}.wav")


def _at_16k(path):
    data, rate = sf.read(str(path), always_2d=True)
    return soxr.resample(data.mean(axis=1), rate, 16000).astype(np.float32).astype(float)


def test_values_equal_a_direct_computation(tree):
    rows = read_manifest(write_manifest(tree, systems=("good",)))
    metric = SNR()
    frame = score_items(rows, [metric], batch_size=3)
    assert list(frame.columns) == ["item", "system", "test_snr", "errors"]
    expected = [snr_db(_at_16k(tree / f"out/good/{i}.wav"), _at_16k(tree / f"ref/{i}.wav"))
                for i in "abcd"]
    np.testing.assert_allclose(frame["test_snr"], expected, rtol=1e-6)
    assert (frame["errors"] == "").all()
    assert 10 < min(expected) < max(expected) < 30  # a 0.05-rms noise under a 0.5-amplitude sine
    assert set(metric.rates) == {16000} and len(metric.rates) == 2  # batches of 3 + 1


def test_rate_mono_trim_and_bad_files(tree, all_rows):
    metric = Gain()
    with pytest.warns(LengthMismatchWarning, match="item 'c', system 'odd'.*20.0 ms"):
        frame = score_items(all_rows, [metric], batch_size=4).set_index(["system", "item"])
    assert set(metric.rates) == {16000}
    for ident in ("odd/b", "odd/c", "good/a"):
        assert metric.lengths[ident.split("/")[1] + "/" + ident.split("/")[0]] == (8000, 8000)
    gain = frame["test_gain"]
    assert gain["odd", "a"] == pytest.approx(0.75, abs=1e-4)  # mean of [ref, 0.5 ref]
    assert gain["odd", "b"] == pytest.approx(1.0, abs=1e-2)  # 22.05 kHz sine resampled to 16 kHz
    assert gain["odd", "c"] == pytest.approx(1.0, abs=1e-6)  # trimmed, same sine
    errors = frame["errors"]
    assert np.isnan(gain["odd", "d"]) and errors["odd", "d"].startswith("test_gain: ")
    assert "silent" in errors["odd", "d"]
    assert np.isnan(gain["bad", "a"]) and "cannot read the audio" in errors["bad", "a"]
    assert np.isnan(gain["bad", "b"]) and "differ by 200.0 ms" in errors["bad", "b"]
    assert gain.notna().sum() == 7 and (errors[gain.notna()] == "").all()


def test_failing_batch_is_retried_item_by_item(tree):
    rows = read_manifest(write_manifest(tree, systems=("good",)))
    metric = FailsOn(bad={"b/good"}, nan={"d/good"})
    frame = score_items(rows, [metric, SNR()], batch_size=4)
    assert metric.batches == [["a/good", "b/good", "c/good", "d/good"],
                              ["a/good"], ["b/good"], ["c/good"], ["d/good"]]
    np.testing.assert_allclose(frame["test_fails"][[0, 2]], frame["test_snr"][[0, 2]])
    assert frame["test_fails"][[1, 3]].isna().all() and frame["test_snr"].notna().all()
    assert frame["errors"].tolist() == ["", "test_fails: RuntimeError: model exploded", "",
                                        "test_fails: returned nan (no defined score)"]
    [line] = failure_summary(frame)
    assert line.startswith("test_fails: 2 of 4 items failed - b/good: RuntimeError")


def test_wrong_number_of_scores_is_a_failure(tree):
    class Short(SNR):
        name = "short"

        def score(self, batch):
            return np.zeros(1)

    class Long(SNR):
        name = "long"

        def score(self, batch):
            return np.zeros(3)

    rows = read_manifest(write_manifest(tree, systems=("good",)))
    frame = score_items(rows, [Short(), Long()], batch_size=2)
    assert frame["short"].tolist() == [0.0, 0.0, 0.0, 0.0]  # retried alone, one score each
    assert frame["long"].isna().all()
    assert frame["errors"][0] == "long: metric 'long' returned 3 scores for 1 items"


def test_missing_input_for_a_metric(tree):
    rows = [{"item": "a", "system": "good", "estimate": tree / "out/good/a.wav"}]
    frame = score_items(rows, [SNR()])
    assert np.isnan(frame["test_snr"][0])
    assert frame["errors"][0] == "test_snr: no reference given for this row"


def test_cache_scores_nothing_twice(tree, all_rows):
    first = SNR()
    with pytest.warns(LengthMismatchWarning):
        one = score_items(all_rows, [first], cache_dir=tree / "cache")
    assert len(first.scored) == 7 and one.attrs["computed"] == 7 and one.attrs["from_cache"] == 0
    again = SNR()
    two = score_items(all_rows, [again], cache_dir=tree / "cache")  # warns nothing: not loaded
    assert again.scored == [] and two.attrs["from_cache"] == 7
    pd.testing.assert_frame_equal(one, two)
    other_config = SNR(offset=1.0)
    with pytest.warns(LengthMismatchWarning):
        three = score_items(all_rows, [other_config], cache_dir=tree / "cache")
    assert len(other_config.scored) == 7
    np.testing.assert_allclose(three["test_snr"], one["test_snr"] + 1.0)


def test_cache_follows_file_contents_not_names(tree):
    rows = read_manifest(write_manifest(tree, systems=("good",), items=("a",)))
    score_items(rows, [SNR()], cache_dir=tree / "cache")
    (tree / "out/good/a.wav").write_bytes((tree / "out/good/b.wav").read_bytes())
    metric = SNR()
    score_items(rows, [metric], cache_dir=tree / "cache")
    assert metric.scored == ["a/good"]


def test_interrupted_run_resumes_with_the_rest(tree):
    rows = read_manifest(write_manifest(tree, systems=("good",)))
    with pytest.raises(DataError, match="nothing to resume"):
        score_items(rows, [SNR()], cache_dir=tree / "cache", resume=True)
    with pytest.raises(KeyboardInterrupt):
        score_items(rows, [InterruptAfter(limit=2)], batch_size=2, cache_dir=tree / "cache")
    resumed = SNR()
    frame = score_items(rows, [resumed], batch_size=2, cache_dir=tree / "cache", resume=True)
    assert resumed.scored == ["c/good", "d/good"]
    assert frame.attrs["from_cache"] == 2 and frame["test_snr"].notna().all()
    fresh = score_items(rows, [SNR()], batch_size=2)
    np.testing.assert_allclose(frame["test_snr"], fresh["test_snr"])
    with pytest.raises(ParameterError, match="needs the cache folder"):
        score_items(rows, [SNR()], resume=True)


def test_progress_callback_counts_items_times_metrics(tree):
    seen = []
    rows = read_manifest(write_manifest(tree, systems=("good",)))
    score_items(rows, [SNR(), Gain()], batch_size=3, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(3, 8), (6, 8), (7, 8), (8, 8)]


def test_jobs_give_the_same_scores(tree, all_rows):
    with pytest.warns(LengthMismatchWarning):
        one = score_items(all_rows, [SNR()], jobs=1)
    with pytest.warns(LengthMismatchWarning):
        two = score_items(all_rows, [SNR()], jobs=2)
    pd.testing.assert_frame_equal(one, two)


def test_metric_names_must_be_unique_and_audio(tree):
    rows = read_manifest(write_manifest(tree, systems=("good",)))
    with pytest.raises(MetricError, match="given twice"):
        score_items(rows, [SNR(), SNR()])
    with pytest.raises(MetricError, match="unknown metric 'no_such_metric'"):
        score_items(rows, ["no_such_metric"])


def test_metric_without_a_rate_gets_each_estimate_at_its_own_rate(tree, all_rows):
    class Native(Gain):
        name = "native"
        sample_rate = None

    metric = Native()
    rows = [r for r in all_rows if r.key() in {("a", "good"), ("b", "odd"), ("c", "good")}]
    frame = score_items(rows, [metric], batch_size=8).set_index(["system", "item"])
    assert sorted(metric.rates) == [22050, 44100]  # one batch per rate
    assert metric.lengths["b/odd"] == (11025, 11025) and metric.lengths["a/good"] == (22050, 22050)
    assert frame["native"]["odd", "b"] == pytest.approx(1.0, abs=1e-2)

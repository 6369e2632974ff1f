"""The Ray backend on a local two-CPU cluster: the local backend's values, reasons and cache."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.errors import ParameterError
from metaeval.score.cache import SHARDS, ScoreCache
from metaeval.score.manifest import read_manifest
from metaeval.score.runner import score_items
from tests.registered import registered

pytest.importorskip("sacrebleu")
ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # each test starts a local Ray instance (5-30 s)
TEXT_METRICS = ["bleu:corpus=true", "chrf", "bleu"]  # corpus first: reasons in schedule order
ROWS = [{"item": str(i), "system": system,
         "hypothesis": "" if i % 4 == 1 else f"the cat {i} sat on the {system} mat",
         "reference": f"the cat {i} sat on the mat" if i % 5 else ""}
        for i in range(9) for system in ("A", "B", "C")]


@pytest.fixture(scope="module")
def cluster():
    ray = pytest.importorskip("ray")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def _by_key(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["item", "system"]).reset_index(drop=True)


def _failures(frame: pd.DataFrame) -> dict:
    return {column: sorted(failed) for column, failed in frame.attrs["failures"].items()}


def test_ray_equals_local_value_for_value_in_any_row_order(cluster, tmp_path):
    local = score_items(ROWS, TEXT_METRICS, cache_dir=tmp_path / "local")
    shuffled = random.Random(3).sample(ROWS, len(ROWS))
    remote = score_items(shuffled, TEXT_METRICS, cache_dir=tmp_path / "ray", backend="ray",
                         ray_workers=2, batch_size=2)
    assert [(r["item"], r["system"]) for r in shuffled] == list(zip(remote["item"],
                                                                    remote["system"]))
    pd.testing.assert_frame_equal(_by_key(remote), _by_key(local))
    assert (local["errors"] != "").sum() > 5  # empty hypotheses and missing references
    assert _failures(remote) == _failures(local)
    assert remote.attrs["computed"] == local.attrs["computed"] > 0


def test_shards_merge_into_the_main_cache_and_a_rerun_computes_nothing(cluster, tmp_path):
    cache = tmp_path / "cache"
    first = score_items(ROWS, ["chrf", "bleu"], cache_dir=cache, backend="ray", ray_workers=2,
                        batch_size=4)
    assert first.attrs["computed"] > 0 and first.attrs["from_cache"] == 0
    assert not (cache / SHARDS).exists()  # merged and removed
    with ScoreCache(cache, "chrf") as chrf:
        assert len(chrf) == first["chrf"].notna().sum()
    again = score_items(ROWS, ["chrf", "bleu"], cache_dir=cache, backend="ray", ray_workers=2)
    assert again.attrs["computed"] == 0
    assert again.attrs["from_cache"] == first["chrf"].notna().sum() + first["bleu"].notna().sum()
    local = score_items(ROWS, ["chrf", "bleu"], cache_dir=cache)  # the same keys
    assert local.attrs["computed"] == 0
    pd.testing.assert_frame_equal(again, first)


def test_only_uncached_rows_are_sent(cluster, tmp_path):
    cache = tmp_path / "cache"
    score_items(ROWS[:12], ["chrf"], cache_dir=cache)
    part = score_items(ROWS, ["chrf"], cache_dir=cache, backend="ray", ray_workers=2)
    full = score_items(ROWS, ["chrf"])
    cached = full["chrf"].iloc[:12].notna().sum()
    assert part.attrs["from_cache"] == cached
    assert part.attrs["computed"] == full.attrs["computed"] - cached
    pd.testing.assert_frame_equal(part, full)


def test_a_shard_left_by_an_interrupted_run_is_merged_first(tmp_path):
    done = score_items(ROWS, ["chrf"], cache_dir=tmp_path / "old")
    with ScoreCache(tmp_path / "old", "chrf") as old:
        entries = old.entries()
    shard = tmp_path / "cache" / SHARDS / "run1" / "worker-0"
    with ScoreCache(shard, "chrf") as left:
        left.merge(entries)
    rerun = score_items(ROWS, ["chrf"], cache_dir=tmp_path / "cache")
    assert rerun.attrs["computed"] == 0 and rerun.attrs["from_cache"] == len(entries)
    assert not (tmp_path / "cache" / SHARDS).exists()
    pd.testing.assert_frame_equal(rerun.drop(columns="errors"), done.drop(columns="errors"))


def test_gsvs_audio_examples_with_sisdr(cluster, datasets_dir, tmp_path):
    rows = read_manifest(registered("gensvs_eval_examples", "audio_examples_manifest.csv"))
    local = score_items(rows, ["sisdr"], batch_size=12)
    remote = score_items(rows, ["sisdr"], batch_size=12, backend="ray", ray_workers=2,
                         cache_dir=tmp_path / "cache")
    assert remote["sisdr"].notna().all() and remote.attrs["computed"] == len(rows)
    pd.testing.assert_frame_equal(remote, local)


def test_score_cli_ray_backend_reports_the_counts(cluster, tmp_path):
    args = ["score", "--manifest", str(_manifest(tmp_path)), "--metrics", "chrf", "--quiet",
            "--cache", str(tmp_path / "cache"), "--backend", "ray", "--ray-workers", "2"]
    first = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "a.csv")])
    assert first.exit_code == 0, first.output
    assert "0 from the cache" in first.output
    second = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "b.csv")])
    assert second.exit_code == 0, second.output
    assert "(0 computed" in second.output
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "a.csv"), pd.read_csv(tmp_path / "b.csv"))


def test_missing_ray_is_one_line_naming_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ParameterError, match=r"pip install 'metaeval\[distributed\]'") as caught:
        score_items(ROWS, ["chrf"], backend="ray")
    assert "\n" not in str(caught.value)
    result = CliRunner().invoke(app, ["score", "--manifest", str(_manifest(tmp_path)), "--quiet",
                                      "--metrics", "chrf", "--out", str(tmp_path / "s.csv"),
                                      "--cache", str(tmp_path / "c"), "--backend", "ray"])
    assert result.exit_code == 2 and "metaeval[distributed]" in result.output


def test_bad_backend_and_worker_count(tmp_path):
    with pytest.raises(ParameterError, match="backend"):
        score_items(ROWS, ["chrf"], backend="spark")
    with pytest.raises(ParameterError, match="backend='ray'"):
        score_items(ROWS, ["chrf"], ray_workers=2)
    pytest.importorskip("ray")
    with pytest.raises(ParameterError, match="ray_workers"):
        score_items(ROWS, ["chrf"], backend="ray", ray_workers=0)


def _manifest(tmp_path):
    path = tmp_path / "texts.csv"
    pd.DataFrame(ROWS).to_csv(path, index=False)
    return path


def test_a_worker_builds_its_metrics_once_and_falls_back_to_a_shard_folder_of_its_own(tmp_path):
    from metaeval.score.ray_backend import ScoringWorker
    from metaeval.score.runner import resolve_metrics
    from metaeval.score.text_manifest import read_text_manifest

    blocked = tmp_path / "a_file"
    blocked.write_text("not a folder")
    chrf = resolve_metrics(["chrf"])[0]
    worker = ScoringWorker([(type(chrf), chrf.config, chrf.column)], "cpu", 4, "text",
                           str(blocked / "worker-0"), {})
    built = worker.metrics["chrf"]
    rows = read_text_manifest(_manifest(tmp_path))
    first, second = worker.score("chrf", rows[:5]), worker.score("chrf", rows[5:])
    assert worker.metrics["chrf"] is built
    local = score_items(rows, ["chrf"])
    got = {(i, s): v for part in (first, second) for i, s, _, v, _, _ in part["results"]}
    assert got == {(i, s): (None if pd.isna(v) else v)
                   for i, s, v in zip(local["item"], local["system"], local["chrf"], strict=True)}
    assert len(worker.export()["chrf"]) == local["chrf"].notna().sum()
    assert worker.shard_dir != blocked / "worker-0"
    worker.remove_shards()
    assert not worker.shard_dir.exists()


def _score_on(address: str, tmp_path, timeout: str = "3") -> tuple[subprocess.CompletedProcess,
                                                                   float]:
    """`metaeval score --backend ray --ray-address ADDRESS` in a fresh process (a Ray join that
    was given up leaves a thread behind; it must not share a process with other tests)."""
    env = {**os.environ, "METAEVAL_RAY_TIMEOUT": timeout}
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "metaeval.cli", "score", "--manifest", str(_manifest(tmp_path)),
         "--metrics", "chrf", "--quiet", "--out", str(tmp_path / "s.csv"), "--cache",
         str(tmp_path / "c"), "--backend", "ray", "--ray-address", address],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    return done, time.monotonic() - start


def _fix() -> str:
    return ("Fix: start the cluster with `ray start --head` and give its address ('auto', "
            "'HOST:6379' or 'ray://HOST:10001'); METAEVAL_RAY_TIMEOUT sets the wait in seconds.")


def test_an_address_nobody_listens_on_fails_at_once_with_the_fix(tmp_path):
    pytest.importorskip("ray")
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done, seconds = _score_on(f"127.0.0.1:{port}", tmp_path)
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert errors == [f"error: --ray-address 127.0.0.1:{port}: no Ray cluster answered there "
                      f"within 3 s (Connection refused). {_fix()}"]
    assert seconds < 60 and not (tmp_path / "s.csv").exists()


def test_an_address_that_is_not_ray_fails_within_the_timeout(tmp_path):
    pytest.importorskip("ray")
    with socket.socket() as silent:  # accepts connections and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        address = f"127.0.0.1:{silent.getsockname()[1]}"
        done, seconds = _score_on(address, tmp_path)
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert done.returncode == 2, done.stderr[-2000:]
    assert errors == [f"error: --ray-address {address}: no Ray cluster answered there within "
                      f"3 s (it accepts connections but did not answer as Ray). {_fix()}"]
    assert seconds < 60  # Ray alone retries for minutes

"""Downloads through the registry from a fake source (a ``file://`` folder): verified, atomic,
resumable; the offline error; the cache hit; the real sets' checksums against the shared copy."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from metaeval.data import datasets, registry
from metaeval.data.download import download
from metaeval.data.fetch import fetch, part_path
from metaeval.errors import DataError, DataUnavailable

FILES = {"ratings.csv": b"item,system,score\n1,a,2.5\n", "audio/stim 01/a b.wav": b"RIFF" * 5000,
         "LICENSE": b"MIT\n"}


@pytest.fixture
def fake_registry(tmp_path, monkeypatch):
    """One registered set ``toy`` (3 files, one with spaces in its path) served from a
    ``file://`` folder laid out like a repository (files under ``release/``)."""
    remote = tmp_path / "remote"
    for path, payload in FILES.items():
        (remote / "release" / path).parent.mkdir(parents=True, exist_ok=True)
        (remote / "release" / path).write_bytes(payload)
    entry = {"name": "toy", "folder": "toy", "title": "Toy set", "licence": "CC0",
             "citation": "Nobody, Toy, 2026.", "repo": "someone/toy", "commit": "abc1234",
             "base_url": remote.as_uri(),
             "files": [{"path": p, "remote": f"release/{p}", "sha256": hashlib.sha256(b).hexdigest(),
                        "bytes": len(b)} for p, b in FILES.items()]}
    sets = tmp_path / "sets"
    sets.mkdir()
    (sets / "toy.json").write_text(json.dumps(entry))
    monkeypatch.setattr(registry, "SETS_DIR", sets)
    registry.registry.cache_clear()
    monkeypatch.setenv("METAEVAL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("METAEVAL_DATA_DIR", raising=False)
    monkeypatch.delenv("METAEVAL_OFFLINE", raising=False)
    yield remote / "release"
    registry.registry.cache_clear()


def test_first_use_downloads_into_the_cache_then_hits_it(fake_registry, tmp_path):
    folder = datasets.resolve("toy", progress=False)
    assert folder == tmp_path / "cache" / "datasets" / "toy"
    for path, payload in FILES.items():
        assert (folder / path).read_bytes() == payload
    assert not [p for p in folder.rglob(".*")]  # no part file left
    assert datasets.locate("toy") == ("cache", folder)
    for path in FILES:  # the source is gone: the cache alone serves the next run
        (fake_registry / path).unlink()
    assert datasets.resolve("toy", progress=False) == folder


def test_data_dir_comes_first_and_an_altered_file_there_is_refused(fake_registry, tmp_path,
                                                                   monkeypatch):
    local = tmp_path / "mine"
    download("toy", local, progress=False)
    monkeypatch.setenv("METAEVAL_DATA_DIR", str(local))
    assert datasets.resolve("toy", progress=False) == local / "toy"
    assert datasets.locate("toy")[0] == "data dir"
    (local / "toy" / "ratings.csv").write_bytes(b"item,system,score\n1,a,9.9\n")
    with pytest.raises(DataError, match=r"mine/toy/ratings.csv: its sha256 differs from the "
                                         r"registered file of data set 'toy'.*Fix: restore it"):
        datasets.resolve("toy", progress=False)
    # a partial copy in the data folder is passed over for the cache
    (local / "toy" / "LICENSE").unlink()
    assert datasets.resolve("toy", progress=False) == tmp_path / "cache" / "datasets" / "toy"


def test_checksum_failure_is_refused_and_leaves_nothing(fake_registry, tmp_path):
    (fake_registry / "audio" / "stim 01" / "a b.wav").write_bytes(b"tampered")
    with pytest.raises(DataUnavailable, match=r"checksum mismatch.*nothing was written"):
        datasets.resolve("toy", progress=False)
    stim = tmp_path / "cache" / "datasets" / "toy" / "audio" / "stim 01"
    assert list(stim.iterdir()) == []  # neither the file nor its part


def test_an_interrupted_download_resumes_from_its_part(fake_registry, tmp_path):
    source = fake_registry / "audio" / "stim 01" / "a b.wav"
    target = tmp_path / "out" / "a b.wav"
    target.parent.mkdir()
    part_path(target).write_bytes(FILES["audio/stim 01/a b.wav"][:7000])  # an earlier attempt
    counted = []
    expected = hashlib.sha256(FILES["audio/stim 01/a b.wav"]).hexdigest()
    fetch(source.as_uri(), target, expected, counted.append)
    assert counted[0] == 7000  # the kept bytes were counted once, not fetched again
    assert sum(counted) == 20000 and target.read_bytes() == FILES["audio/stim 01/a b.wav"]
    assert not part_path(target).exists()
    # a part that does not belong to the file: the result fails its checksum and is deleted
    part_path(target).write_bytes(b"garbage" * 100)
    target.unlink()
    with pytest.raises(DataError, match="checksum mismatch"):
        fetch(source.as_uri(), target, expected)
    assert not part_path(target).exists() and not target.exists()


def test_offline_and_unreachable_are_one_line_with_the_fix(fake_registry, tmp_path, monkeypatch):
    monkeypatch.setenv("METAEVAL_OFFLINE", "1")
    with pytest.raises(DataUnavailable) as offline:
        datasets.resolve("toy", progress=False)
    message = str(offline.value)
    assert "\n" not in message
    for needle in ("data set 'toy'", "ratings.csv", "LICENSE", "METAEVAL_DATA_DIR (unset)",
                   "METAEVAL_OFFLINE is set", "metaeval data download toy --to DIR"):
        assert needle in message, needle
    monkeypatch.delenv("METAEVAL_OFFLINE")
    monkeypatch.setenv("METAEVAL_DATA_MIRROR", (tmp_path / "nowhere").as_uri())
    with pytest.raises(DataUnavailable, match=r"could not be downloaded: .*nowhere/toy/"):
        datasets.resolve("toy", progress=False)


def test_a_mirror_is_laid_out_like_the_data_folder(fake_registry, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    download("toy", mirror, progress=False)
    for path in FILES:
        (fake_registry / path).unlink()  # the original source is gone
    monkeypatch.setenv("METAEVAL_DATA_MIRROR", mirror.as_uri())
    assert (datasets.resolve("toy", progress=False) / "LICENSE").read_bytes() == b"MIT\n"


def test_progress_lines_when_stderr_is_not_a_terminal(fake_registry, capfd):
    datasets.resolve("toy", progress=True)
    lines = capfd.readouterr().err.strip().splitlines()
    assert len(lines) == 3 and lines[-1].startswith("toy: downloading 3 file(s) from file://")
    assert "3/3 files" in lines[-1]


def test_expand_names_a_file_of_a_registered_set(fake_registry):
    assert datasets.expand("metaeval:toy/LICENSE").read_bytes() == b"MIT\n"
    assert datasets.expand("plain/path.csv") == Path("plain/path.csv")
    with pytest.raises(DataError, match="has no file 'nope.csv'. Fix: choose one of ratings.csv"):
        datasets.expand("metaeval:toy/nope.csv")
    with pytest.raises(DataError, match="unknown data set 'nope'"):
        datasets.expand("metaeval:nope/x.csv")


def test_recorded_checksums_equal_the_shared_copy(datasets_dir):
    """Every file of every registered set with files, as the shared folder holds it."""
    registry.registry.cache_clear()
    for entry in registry.registry().values():
        for f in entry.files:
            path = datasets_dir / entry.folder / f.path
            assert path.stat().st_size == f.bytes, path
            assert registry.file_digest(path) == f.sha256, path


def test_correlate_without_data_or_network_exits_1_with_the_fix(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "METAEVAL_DATA_DIR"}
    env.update(METAEVAL_CACHE_DIR=str(tmp_path / "cache"), METAEVAL_OFFLINE="0",
               METAEVAL_DATA_MIRROR=(tmp_path / "no-network").as_uri())  # every fetch fails
    run = subprocess.run([sys.executable, "-m", "metaeval.cli", "correlate", "--domain", "audio",
                          "--out", str(tmp_path / "r")], capture_output=True, text=True, env=env,
                         cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: data set 'gensvs_eval' ")
    assert "metaeval data download gensvs_eval --to DIR" in lines[0]
    assert "METAEVAL_DATA_DIR" in lines[0] and not (tmp_path / "r").exists()

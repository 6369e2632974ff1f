"""Dataset download: checksums of the shared copy, atomic verified writes, resume. No network:
the base URL is a ``file://`` copy of the source folder."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from metaeval.data import download
from metaeval.data.download import (
    SOURCES,
    download_dataset,
    downloadable,
    read_checksums,
    sha256_of,
)
from metaeval.errors import DataError


def _mirror(tmp_path, name, files):
    """A file:// mirror of the remote folder holding the given (path -> bytes) files."""
    remote = tmp_path / "remote" / SOURCES[name].remote
    for relative, payload in files.items():
        (remote / relative).parent.mkdir(parents=True, exist_ok=True)
        (remote / relative).write_bytes(payload)
    return remote.as_uri()


@pytest.fixture
def small_source(tmp_path, monkeypatch):
    """A checksum list of three small files (one with a space in its name) and their mirror."""
    files = {"README.md": b"readme\n", "audio/stim_01/ref.wav": b"RIFF-fake-ref",
             "audio/stim 02/a b.wav": b"second"}
    manifest = {**read_checksums("bernoulli_mushra"),
                "files": [{"path": p, "sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)}
                          for p, b in files.items()]}
    folder = tmp_path / "checksums"
    folder.mkdir()
    (folder / "bernoulli_mushra.json").write_text(json.dumps(manifest))
    monkeypatch.setattr(download, "CHECKSUM_DIR", folder)
    return files, _mirror(tmp_path, "bernoulli_mushra", files)


def test_names_and_recorded_sources():
    assert downloadable() == ["bernoulli_mushra", "gensvs_eval_audio"]
    gensvs = read_checksums("gensvs_eval_audio")
    assert gensvs["base_url"] == ("https://github.com/pablebe/gensvs_eval/raw/"
                                  "ab55e904540fb532a28aa0d3afa5acff428226dd/03_audio_examples")
    assert len(gensvs["files"]) == 84  # 60 rated outputs + 12 targets + 12 mixtures
    mushra = read_checksums("bernoulli_mushra")
    assert mushra["base_url"].startswith("https://github.com/BenjSta/bernoulli-var-speech-codec/raw/49b03fe/")
    paths = {f["path"] for f in mushra["files"]}
    assert {"ratings_formated.csv", "ratings_formated_filtered.csv", "LICENSE.md",
            "audio/stim_16/ref.wav"} <= paths
    with pytest.raises(DataError, match="unknown dataset 'nope'.*bernoulli_mushra"):
        download_dataset("nope", "/tmp")


@pytest.mark.parametrize("name", ["bernoulli_mushra", "gensvs_eval_audio"])
def test_stored_checksums_match_the_shared_copy(datasets_dir, name):
    manifest = read_checksums(name)
    root = datasets_dir / manifest["folder"] / manifest["local"]
    on_disk = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert on_disk == [f["path"] for f in manifest["files"]]
    for entry in manifest["files"][:: max(1, len(manifest["files"]) // 10)]:
        assert sha256_of(root / entry["path"]) == entry["sha256"]
        assert (root / entry["path"]).stat().st_size == entry["bytes"]


def test_download_from_mirror_then_resume(tmp_path, small_source):
    files, base = small_source
    dest = tmp_path / "data"
    result = download_dataset("bernoulli_mushra", dest, base_url=base)
    assert sorted(result.downloaded) == sorted(files) and result.skipped == []
    for relative, payload in files.items():
        assert (dest / "bernoulli_mushra" / relative).read_bytes() == payload
    assert not list(dest.rglob("*.tmp")) and not list(dest.rglob(".*"))  # no temporary left
    # a second run fetches nothing; a corrupted local file is fetched again
    (dest / "bernoulli_mushra" / "README.md").write_bytes(b"truncated")
    again = download_dataset("bernoulli_mushra", dest, base_url=base)
    assert again.downloaded == ["README.md"] and len(again.skipped) == 2
    assert (dest / "bernoulli_mushra" / "README.md").read_bytes() == files["README.md"]


def test_checksum_mismatch_leaves_no_file(tmp_path, small_source):
    files, base = small_source
    remote = tmp_path / "remote" / SOURCES["bernoulli_mushra"].remote
    (remote / "audio/stim_01/ref.wav").write_bytes(b"tampered")
    dest = tmp_path / "data"
    with pytest.raises(DataError, match="checksum mismatch.*not written"):
        download_dataset("bernoulli_mushra", dest, base_url=base)
    folder = dest / "bernoulli_mushra" / "audio" / "stim_01"
    assert list(folder.iterdir()) == []  # neither the file nor a temporary part
    # without verification the (tampered) bytes are written as they are
    download_dataset("bernoulli_mushra", dest, base_url=base, verify=False)
    assert (folder / "ref.wav").read_bytes() == b"tampered"


def test_missing_remote_file_is_a_clear_error(tmp_path, small_source):
    files, base = small_source
    shutil.rmtree(tmp_path / "remote" / SOURCES["bernoulli_mushra"].remote / "audio")
    with pytest.raises(DataError, match="download failed.*run again"):
        download_dataset("bernoulli_mushra", tmp_path / "data", base_url=base)
    assert (tmp_path / "data" / "bernoulli_mushra" / "README.md").is_file()


def test_real_layout_from_a_file_mirror_of_the_shared_copy(tmp_path, datasets_dir):
    """The gensvs audio examples, mirrored under their upstream folder name, land where the
    real-data runs look for them, every file verified."""
    manifest = read_checksums("gensvs_eval_audio")
    mirror = tmp_path / "remote" / manifest["remote"]
    shutil.copytree(datasets_dir / manifest["folder"] / manifest["local"], mirror)
    result = download_dataset("gensvs_eval_audio", tmp_path / "data", base_url=mirror.as_uri())
    assert len(result.downloaded) == 84
    assert (tmp_path / "data" / "gensvs_eval" / "audio_examples" / "Target"
            / "target_fileid_1.wav").is_file()


def test_cli_download_command(tmp_path, small_source):
    from typer.testing import CliRunner

    from metaeval.cli import app

    files, base = small_source
    runner = CliRunner()
    result = runner.invoke(app, ["data", "download", "bernoulli_mushra", "--to",
                                 str(tmp_path / "d"), "--base-url", base])
    assert result.exit_code == 0, result.output
    assert "3 downloaded" in result.output
    assert (tmp_path / "d" / "bernoulli_mushra" / "audio/stim_01/ref.wav").exists()
    bad = runner.invoke(app, ["data", "download", "nope", "--to", str(tmp_path / "d")])
    assert bad.exit_code == 2 and "'nope' is not one of" in bad.output

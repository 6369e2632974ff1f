"""Download the public audio data sets metaeval's real-data runs use, with sha256 checksums.

Each downloadable set is a list of raw files of a public GitHub repository at a pinned commit.
The list and the sha256 of every file are stored in ``metaeval/data/checksums/<name>.json``
(made once from a verified copy by :func:`write_checksums`). :func:`download_dataset` fetches
each file with urllib into a temporary file next to its destination, checks its sha256 and only
then renames it into place (:func:`metaeval.io.write_atomic`), so an interrupted or corrupted download
never leaves a partial file. Files already present with the right checksum are skipped, so an
interrupted download resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from metaeval.citations import CODEC_MUSHRA_2024, GSVS_2025
from metaeval.errors import DataError
from metaeval.io import write_atomic

CHECKSUM_DIR = Path(__file__).resolve().parent / "checksums"
CHUNK = 1 << 20


@dataclass(frozen=True)
class Source:
    """Where a downloadable set lives: ``{base_url}/{remote}/{path}`` -> ``{dest}/{folder}/{local}/{path}``."""

    name: str
    repo: str  # owner/name on GitHub
    commit: str
    remote: str  # folder inside the repository
    folder: str  # folder under the destination (same layout as the shared datasets)
    local: str = ""  # sub-folder of ``folder`` the remote folder's files go to
    licence: str = ""
    citation: str = ""

    @property
    def base_url(self) -> str:
        return f"https://github.com/{self.repo}/raw/{self.commit}/{self.remote}"


SOURCES = {
    "gensvs_eval_audio": Source(
        "gensvs_eval_audio", "pablebe/gensvs_eval", "ab55e904540fb532a28aa0d3afa5acff428226dd",
        "03_audio_examples", "gensvs_eval", "audio_examples", "MIT",
        GSVS_2025),
    "bernoulli_mushra": Source(
        "bernoulli_mushra", "BenjSta/bernoulli-var-speech-codec", "49b03fe",
        "mushra_results_dataset", "bernoulli_mushra", "",
        "CC BY 4.0 (speech: VCTK CC BY 4.0, TSP simplified BSD)",
        CODEC_MUSHRA_2024),
}


@dataclass
class DownloadResult:
    """What :func:`download_dataset` did: files fetched and files already present (verified)."""

    name: str
    folder: Path
    downloaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def downloadable() -> list[str]:
    """Names accepted by :func:`download_dataset`."""
    return sorted(SOURCES)


def _source(name: str) -> Source:
    if name not in SOURCES:
        raise DataError(f"unknown dataset {name!r}. Fix: choose one of {', '.join(downloadable())}.")
    return SOURCES[name]


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def checksum_path(name: str) -> Path:
    return CHECKSUM_DIR / f"{_source(name).name}.json"


def read_checksums(name: str) -> dict:
    """The stored manifest of ``name``: source fields and ``files`` [{path, sha256, bytes}]."""
    path = checksum_path(name)
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise DataError(f"{path}: cannot read the checksum list of {name!r} ({error}). Fix: "
                        "reinstall metaeval.") from error
    return manifest


def write_checksums(name: str, copy_root: str | Path) -> Path:
    """Record the file list and sha256 of a verified local copy (``copy_root/<folder>/<local>``).

    For maintainers: run once when a source is added; the JSON ships with the package.
    """
    source = _source(name)
    root = Path(copy_root) / source.folder / source.local
    if not root.is_dir():
        raise DataError(f"{root} is not a folder. Fix: pass the folder that holds {source.folder}/.")
    files = [{"path": p.relative_to(root).as_posix(), "sha256": sha256_of(p), "bytes": p.stat().st_size}
             for p in sorted(root.rglob("*")) if p.is_file()]
    manifest = {"name": source.name, "repo": source.repo, "commit": source.commit,
                "remote": source.remote, "folder": source.folder, "local": source.local,
                "base_url": source.base_url, "licence": source.licence,
                "citation": source.citation, "files": files}
    return write_atomic(checksum_path(name), json.dumps(manifest, indent=1) + "\n")


def _fetch(url: str, target: Path, expected: str | None) -> None:
    """Download ``url`` to ``target`` atomically; with ``expected`` the sha256 must match."""

    def download(temporary: Path) -> None:
        digest = hashlib.sha256()
        with temporary.open("wb") as out, urllib.request.urlopen(url, timeout=60) as response:
            for block in iter(lambda: response.read(CHUNK), b""):
                digest.update(block)
                out.write(block)
        if expected is not None and digest.hexdigest() != expected:
            raise DataError(f"{url}: checksum mismatch (sha256 {digest.hexdigest()}, expected "
                            f"{expected}); the file was not written. Fix: retry; if it persists "
                            "the source changed, report it to the metaeval maintainers.")

    try:
        write_atomic(target, download)
    except (urllib.error.URLError, OSError) as error:
        raise DataError(f"{url}: download failed ({error}); {target} was not written. Fix: check "
                        "the network (or the mirror given as base_url) and run again: files "
                        "already downloaded are kept.") from error


def download_dataset(name: str, dest: str | Path, base_url: str | None = None, verify: bool = True,
                     progress: Callable[[int, int, str], None] | None = None) -> DownloadResult:
    """Download the set ``name`` into ``dest/<folder>`` (the layout ``METAEVAL_DATA_DIR`` expects).

    ``base_url`` replaces the recorded ``https://github.com/<repo>/raw/<commit>/<folder>`` (a
    mirror, or ``file://`` for an offline copy). With ``verify`` every file's sha256 must equal the
    stored one, and files already present with the right sha256 are skipped (resume); without it
    present files are kept unchecked. ``progress(done, total, path)`` is called after each file.
    """
    manifest = read_checksums(name)
    base = (base_url or manifest["base_url"]).rstrip("/")
    folder = Path(dest) / manifest["folder"]
    root = folder / manifest["local"]
    result = DownloadResult(name, folder)
    files = manifest["files"]
    for done, entry in enumerate(files, start=1):
        relative, expected = entry["path"], entry["sha256"]
        target = root / relative
        if target.is_file() and (not verify or sha256_of(target) == expected):
            result.skipped.append(relative)
        else:
            _fetch(f"{base}/{urllib.parse.quote(relative)}", target, expected if verify else None)
            result.downloaded.append(relative)
        if progress is not None:
            progress(done, len(files), relative)
    return result

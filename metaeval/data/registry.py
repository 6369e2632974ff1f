"""The registry of real data sets: what each set is, where it is found, how it is fetched.

Each set is one JSON file in ``metaeval/data/sets/``: a name, the folder it occupies in the data
layout (that of ``METAEVAL_DATA_DIR``), a licence, a citation and either

- **files** at a pinned commit of a public repository (``base_url``/``remote``) with the sha256
  and size of each (a ``convert`` entry names our converter when some files are made from a
  released file of another format, e.g. SummEval from BARTScore's pickle; they are verified by
  their own sha256 after conversion), or
- **build**: a set our own code derives from other sets (the TED MQM challenge pairs), built at
  first use into the cache under a key of its inputs and of the builder's code
  (:mod:`metaeval.data.derived`).

A set with files is resolved, in order, from ``$METAEVAL_DATA_DIR/<folder>`` (every file
present; a file whose sha256 differs is an error, never silently used), the user cache
(``$METAEVAL_CACHE_DIR``, else ``$XDG_CACHE_HOME/metaeval``, else ``~/.cache/metaeval``; folder
``datasets/<folder>``), then a download of the missing files into the cache
(:mod:`metaeval.data.fetch`: verified, atomic, resumable; one progress bar on stderr).
``METAEVAL_OFFLINE=1`` forbids downloads; ``METAEVAL_DATA_MIRROR`` (a URL, ``file://`` too) is
a mirror laid out like the data folder and replaces every set's source. Without a network and
without a copy, resolving fails with one line naming the set, its files and the fix.

We wrote this instead of using pooch: the same hashes-and-cache idea, plus ``file://`` mirrors,
byte-range resume, one progress bar per set, sets made by our own converters and builders, and
the project's one-line errors.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from metaeval.errors import DataError
from metaeval.paths import DATA_DIR_VARIABLE, cache_root, data_dir

SETS_DIR = Path(__file__).resolve().parent / "sets"
OFFLINE_VARIABLE, MIRROR_VARIABLE = "METAEVAL_OFFLINE", "METAEVAL_DATA_MIRROR"


@dataclass(frozen=True)
class SetFile:
    """One file of a set: ``path`` under the set's folder, ``remote`` under the repository
    (None: made by the set's converter), its sha256 and size."""

    path: str
    sha256: str
    bytes: int
    remote: str | None = None


@dataclass(frozen=True)
class DataSet:
    """One registered data set (fields as in ``metaeval/data/sets/<name>.json``)."""

    name: str
    folder: str
    title: str
    licence: str
    citation: str
    url: str = ""
    description: str = ""
    repo: str = ""
    commit: str = ""
    base_url: str = ""
    files: tuple[SetFile, ...] = ()
    convert: dict = field(default_factory=dict)  # function, sources [{remote, sha256}], note
    build: dict = field(default_factory=dict)  # function, inputs [set names], outputs [paths]

    @property
    def derived(self) -> bool:
        """Built by our code from other sets (no pinned files of its own)."""
        return bool(self.build)

    @property
    def size(self) -> int:
        return sum(f.bytes for f in self.files)

    @property
    def source(self) -> str:
        """Where it comes from, for listings and reports."""
        if self.derived:
            return "built by metaeval from " + ", ".join(self.build["inputs"])
        return f"{self.repo}@{self.commit}" if self.repo else self.base_url

    def file(self, path: str) -> SetFile:
        for entry in self.files:
            if entry.path == path:
                return entry
        names = ", ".join(f.path for f in self.files) or ", ".join(self.build.get("outputs", []))
        raise DataError(f"data set {self.name!r} has no file {path!r}. Fix: choose one of {names}.")


@cache
def registry() -> dict[str, DataSet]:
    """Every registered set by name."""
    sets = {}
    for path in sorted(SETS_DIR.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        raw["files"] = tuple(SetFile(**f) for f in raw.get("files", ()))
        sets[raw["name"]] = DataSet(**raw)
    return sets


def dataset(name: str) -> DataSet:
    """The registered set ``name`` (a `DataError` listing the names otherwise)."""
    sets = registry()
    if name not in sets:
        raise DataError(f"unknown data set {name!r}. Fix: choose one of {', '.join(sets)} "
                        "(`metaeval data list`).")
    return sets[name]


def offline() -> bool:
    return os.environ.get(OFFLINE_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")


def mirror() -> str | None:
    return os.environ.get(MIRROR_VARIABLE, "").strip().rstrip("/") or None


def datasets_cache() -> Path:
    """Where downloaded sets are kept (``<cache>/datasets/<folder>``)."""
    return cache_root() / "datasets"


_VERIFIED: dict[tuple[str, int, int], str] = {}  # (path, size, mtime_ns) -> sha256, per process


def file_digest(path: Path) -> str:
    """The sha256 of ``path``, computed once per process per (path, size, mtime)."""
    from metaeval.data.fetch import sha256_of

    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _VERIFIED:
        _VERIFIED[key] = sha256_of(path)
    return _VERIFIED[key]


def missing_files(entry: DataSet, root: Path) -> list[SetFile]:
    """The files of ``entry`` absent under ``root/<folder>``."""
    return [f for f in entry.files if not (root / entry.folder / f.path).is_file()]


def altered_files(entry: DataSet, root: Path) -> list[SetFile]:
    """Present files of ``entry`` under ``root/<folder>`` whose size or sha256 differ."""
    altered = []
    for f in entry.files:
        path = root / entry.folder / f.path
        if path.is_file() and (path.stat().st_size != f.bytes or file_digest(path) != f.sha256):
            altered.append(f)
    return altered


def found_in(entry: DataSet) -> tuple[str, Path] | None:
    """(``data dir`` | ``cache``, folder) holding every file of ``entry``, verified; None if none.

    A complete copy in ``METAEVAL_DATA_DIR`` with an altered file is an error: the folder the
    user configured is never silently passed over.
    """
    configured = data_dir()
    if configured is not None and not missing_files(entry, configured):
        altered = altered_files(entry, configured)
        if altered:
            path = configured / entry.folder / altered[0].path
            raise DataError(f"{path}: its sha256 differs from the registered file of data set "
                            f"{entry.name!r} ({entry.source}). Fix: restore it (`metaeval data "
                            f"download {entry.name} --to {configured}`), or pass your own copy "
                            "as --data FILE.")
        return "data dir", configured / entry.folder
    cached = datasets_cache()
    if not missing_files(entry, cached) and not altered_files(entry, cached):
        return "cache", cached / entry.folder
    return None


def unavailable(entry: DataSet, reason: str) -> str:
    """The one-line error for a set that is neither present nor downloadable."""
    files = [f.path for f in entry.files]
    shown = ", ".join(files[:4]) + (f" and {len(files) - 4} more" if len(files) > 4 else "")
    where = data_dir()
    return (f"data set {entry.name!r} ({shown}; {entry.size / 1e6:.1f} MB from {entry.source}) "
            f"is not in {DATA_DIR_VARIABLE} ({where or 'unset'}) nor in the cache "
            f"({datasets_cache() / entry.folder}) and could not be downloaded: {reason}. Fix: "
            f"set {DATA_DIR_VARIABLE} to a folder holding {entry.folder}/, or run `metaeval data "
            f"download {entry.name} --to DIR` where there is a network and set "
            f"{DATA_DIR_VARIABLE}=DIR.")

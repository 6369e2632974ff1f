"""Download a registered set into a data folder: its pinned files, or its converter's output.

:func:`download_into` fetches every file of a set that is missing (or altered) under
``root/<folder>`` from the set's source (``METAEVAL_DATA_MIRROR`` or ``base_url`` when given:
a mirror laid out like the data folder), each with :func:`metaeval.data.fetch.fetch`; a set
with a ``convert`` entry downloads the released source file(s) into a temporary folder, runs
our converter, checks each output's registered sha256 and only then moves it into place.
Progress: one bar per set on stderr (a line per file when stderr is not a terminal).
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import tempfile
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from metaeval.data.fetch import fetch, sha256_of
from metaeval.data.registry import DataSet, altered_files, dataset, mirror, registry
from metaeval.errors import DataError


@dataclass
class DownloadResult:
    """What a download did: the files fetched (or converted) and those already present."""

    name: str
    folder: Path
    downloaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class SetProgress:
    """One progress display for a set: a rich bar on a terminal, else a line per file."""

    def __init__(self, enabled: bool | Callable, label: str, total_bytes: int):
        self.callback = enabled if callable(enabled) else None
        self.label, self.total, self.done, self.bar = label, total_bytes, 0, None
        self.lines = bool(enabled) and self.callback is None and not sys.stderr.isatty()
        if enabled and self.callback is None and not self.lines:
            from rich.console import Console
            from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

            self.bar = Progress("{task.description}", BarColumn(), DownloadColumn(),
                                TransferSpeedColumn(), console=Console(stderr=True))
            self.task = self.bar.add_task(label, total=total_bytes)
            self.bar.start()

    def advance(self, count: int) -> None:
        self.done += count
        if self.bar is not None:
            self.bar.update(self.task, advance=count)
        if self.callback is not None:
            self.callback(self.done, self.total)

    def file_done(self, path: str, index: int, count: int) -> None:
        if self.lines:
            print(f"{self.label}: {index}/{count} files, {self.done / 1e6:.1f} of "
                  f"{self.total / 1e6:.1f} MB ({path})", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _url(base: str, relative: str) -> str:
    return f"{base.rstrip('/')}/{urllib.parse.quote(relative)}"


def _sources(entry: DataSet, base_url: str | None) -> tuple[str, bool]:
    """(base URL, whether it is laid out like the data folder, i.e. a mirror)."""
    chosen = base_url or mirror()
    if chosen:
        return f"{chosen.rstrip('/')}/{entry.folder}", True
    return entry.base_url, False


def _convert(entry: DataSet, base: str, folder: Path, todo: list, progress: SetProgress) -> None:
    """Download the released source files, run the converter, verify and place its outputs."""
    module, _, function = entry.convert["function"].partition(":")
    converter = getattr(importlib.import_module(module), function)
    with tempfile.TemporaryDirectory(prefix=f".{entry.name}-", dir=folder.parent) as scratch:
        sources = []
        for source in entry.convert["sources"]:
            path = Path(scratch) / Path(source["remote"]).name
            fetch(_url(base, source["remote"]), path, source["sha256"], progress.advance)
            sources.append(path)
        outputs = Path(scratch) / "out"
        outputs.mkdir()
        converter(*sources, outputs)
        for entry_file in todo:
            made = outputs / entry_file.path
            if not made.is_file() or sha256_of(made) != entry_file.sha256:
                raise DataError(f"{entry.name}: the converted {entry_file.path} differs from "
                                "the registered file (sha256); nothing was written. Fix: report "
                                "it to the metaeval maintainers, or use a copy of the set via "
                                "METAEVAL_DATA_DIR.")
        for entry_file in todo:
            (folder / entry_file.path).parent.mkdir(parents=True, exist_ok=True)
            os.replace(outputs / entry_file.path, folder / entry_file.path)


def download_into(entry: DataSet, root: Path, base_url: str | None = None,
                  progress: bool | Callable = True) -> DownloadResult:
    """Make ``root/<folder>`` hold every file of ``entry``: fetch what is missing or altered."""
    if entry.derived:
        raise DataError(f"data set {entry.name!r} is built by metaeval from "
                        f"{', '.join(entry.build['inputs'])}; download those instead.")
    folder = Path(root) / entry.folder
    altered = {f.path for f in altered_files(entry, Path(root))}
    todo = [f for f in entry.files if f.path in altered or not (folder / f.path).is_file()]
    result = DownloadResult(entry.name, folder, skipped=[f.path for f in entry.files
                                                         if f not in todo])
    if not todo:
        return result
    for f in todo:
        if f.path in altered:
            (folder / f.path).unlink()
    base, is_mirror = _sources(entry, base_url)
    shown = f"{entry.name}: downloading {len(todo)} file(s) from {base}"
    bar = SetProgress(progress, shown, sum(f.bytes for f in todo))
    try:
        direct = [f for f in todo if is_mirror or f.remote is not None]
        for index, f in enumerate(direct, start=1):
            fetch(_url(base, f.path if is_mirror else f.remote), folder / f.path, f.sha256,
                  bar.advance)
            bar.file_done(f.path, index, len(direct))
        converted = [f for f in todo if f not in direct]
        if converted:
            _convert(entry, base, folder, converted, bar)
    finally:
        bar.close()
    result.downloaded = [f.path for f in todo]
    return result


def download(name: str, dest: str | Path, base_url: str | None = None,
             progress: bool | Callable = True) -> list[DownloadResult]:
    """Download set ``name`` (``all``: every set with files) into ``dest`` (the data layout)."""
    names = [n for n, e in registry().items() if not e.derived] if name == "all" else [name]
    results = []
    for each in names:
        results.append(download_into(dataset(each), Path(dest), base_url, progress))
    return results


def copy_set(name: str, source_root: Path, dest: Path) -> None:
    """Copy a verified set from one data folder to another (maintainers; tests)."""
    entry = dataset(name)
    for f in entry.files:
        target = dest / entry.folder / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source_root / entry.folder / f.path, target)

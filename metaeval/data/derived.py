"""Sets metaeval builds from other sets at first use, cached under a key of what they depend on.

A derived set (``build`` in its registry entry: a builder ``module:function``, the input sets,
the output files) lives in ``<cache>/derived/<name>-<key>/``, where the key is the sha256 of
the builder's source code, the registered sha256 of every input file and the folder each input
was found in (a builder may write those paths, e.g. a score manifest). Any change of the code
or of the data gives a new key, hence a new build; the same inputs give the same folder, so
the build runs once. The builder writes into a temporary folder that is renamed into place
when complete: a reader never sees half a set, and two processes building at once both end
with one complete folder.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from metaeval.data.registry import DataSet, dataset
from metaeval.errors import DataError
from metaeval.paths import cache_root

COMPLETE = ".complete"  # marker written last into a finished build


def derived_cache() -> Path:
    return cache_root() / "derived"


def _builder(entry: DataSet) -> Callable:
    module, _, function = entry.build["function"].partition(":")
    return getattr(importlib.import_module(module), function)


def build_key(entry: DataSet, inputs: dict[str, Path]) -> str:
    """The key of a build: builder source, input files' registered digests, input folders."""
    module = importlib.import_module(entry.build["function"].partition(":")[0])
    code = hashlib.sha256(Path(module.__file__).read_bytes()).hexdigest()
    described = {"builder": entry.build["function"], "code": code,
                 "inputs": {name: {"folder": str(folder.resolve()),
                                   "files": [f.sha256 for f in dataset(name).files]}
                            for name, folder in sorted(inputs.items())}}
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:16]


def built_folder(entry: DataSet) -> Path | None:
    """The newest complete build of ``entry`` in the cache, if any (for listings)."""
    builds = [p for p in derived_cache().glob(f"{entry.name}-*") if (p / COMPLETE).is_file()]
    return max(builds, key=lambda p: p.stat().st_mtime) if builds else None


def build(entry: DataSet, inputs: dict[str, Path]) -> Path:
    """The folder of ``entry`` built from its resolved ``inputs`` (set name -> folder), built now
    if no complete build with the same key exists."""
    folder = derived_cache() / f"{entry.name}-{build_key(entry, inputs)}"
    if (folder / COMPLETE).is_file():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{entry.name}-", dir=folder.parent))
    try:
        _builder(entry)(inputs, scratch)
        absent = [p for p in entry.build["outputs"] if not (scratch / p).is_file()]
        if absent:
            raise DataError(f"building data set {entry.name!r} wrote no {absent[0]}. Fix: report "
                            "it to the metaeval maintainers.")
        (scratch / COMPLETE).write_text(entry.build["function"] + "\n")
        try:
            os.replace(scratch, folder)
        except OSError:  # another process finished the same build first
            if not (folder / COMPLETE).is_file():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return folder

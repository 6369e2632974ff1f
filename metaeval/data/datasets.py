"""Find, download or build a registered data set: the one entry point readers use.

:func:`resolve` returns the folder holding every file of a set (found in ``METAEVAL_DATA_DIR``
or the cache, else downloaded into the cache; a derived set is built from its resolved inputs);
:func:`resolve_file` one of its files; :func:`expand` turns ``metaeval:<set>/<file>`` (what
reports show for files of registered sets) into that file; :func:`locate` says where a set is
now without fetching anything. The order and the rules are in :mod:`metaeval.data.registry`.
"""

from __future__ import annotations

from pathlib import Path

from metaeval.data import derived
from metaeval.data.download import download_into
from metaeval.data.registry import (
    OFFLINE_VARIABLE,
    dataset,
    datasets_cache,
    found_in,
    offline,
    registry,
    unavailable,
)
from metaeval.errors import DataError, DataUnavailable

SCHEME = "metaeval:"  # metaeval:<set>/<file> names a file of a registered set


def locate(name: str) -> tuple[str, Path] | None:
    """(``data dir`` | ``cache`` | ``built``, folder) of set ``name`` as it is now, or None."""
    entry = dataset(name)
    if entry.derived:
        folder = derived.built_folder(entry)
        return ("built", folder) if folder is not None else None
    return found_in(entry)


def resolve(name: str, progress: bool = True) -> Path:
    """The folder holding every file of set ``name``: found, downloaded or built."""
    entry = dataset(name)
    if entry.derived:
        inputs = {each: resolve(each, progress) for each in entry.build["inputs"]}
        return derived.build(entry, inputs)
    where = found_in(entry)
    if where is not None:
        return where[1]
    if offline():
        raise DataUnavailable(unavailable(entry, f"{OFFLINE_VARIABLE} is set"))
    try:
        download_into(entry, datasets_cache(), base_url=None, progress=progress)
    except DataError as error:
        raise DataUnavailable(unavailable(entry, str(error).rstrip("."))) from error
    return datasets_cache() / entry.folder


def resolve_file(name: str, path: str, progress: bool = True) -> Path:
    """One file of a registered set (see :func:`resolve`)."""
    entry = dataset(name)
    if not (entry.derived and path in entry.build["outputs"]):
        entry.file(path)  # raises, naming the set's files
    return resolve(name, progress) / path


def _owner(head: str, inner: str) -> str:
    """The set a ``metaeval:<head>/<inner>`` names: the set ``head``, else the set whose folder
    is ``head`` and that has the file ``inner`` (reports show folders)."""
    sets = registry()
    if head in sets:
        return head
    for name, entry in sets.items():
        if entry.folder == head and any(f.path == inner for f in entry.files):
            return name
    return head  # unknown: dataset() names the choices


def expand(path: str | Path) -> Path:
    """``metaeval:<set>/<file>`` as the resolved file; any other path unchanged."""
    text = str(path)
    if not text.startswith(SCHEME):
        return Path(path)
    head, _, inner = text[len(SCHEME):].partition("/")
    if not inner:
        raise DataError(f"{text}: name a file of the set, e.g. {SCHEME}{head}/FILE "
                        "(`metaeval data list` shows the sets).")
    return resolve_file(_owner(head, inner), inner)

"""Writing files so that a reader never sees half of one, and JSON-safe values.

:func:`write_atomic` is the one writer of single files (score tables, downloads): the data go to
a temporary file next to the target (same file system) and replace it with ``os.replace``
(atomic on POSIX and Windows); the temporary file is removed when anything fails.
:func:`write_set` writes a report folder as a set: every file into a staging folder next to it,
then the staging folder takes the folder's place, so a failure or a kill never leaves files of
two runs side by side. :func:`check_output_folder` / :func:`check_output_file` refuse an
unusable ``--out`` before any long computation.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from metaeval.errors import ParameterError

Writer = Callable[[Path], None]


def file_mode(path: Path) -> int:
    """The mode of the file being replaced; a new file gets 0o666 minus the umask."""
    if path.exists():
        return path.stat().st_mode & 0o7777
    return 0o666 & ~_umask()


def write_atomic(path: Path | str, data: str | bytes | Writer) -> Path:
    """Write ``data`` to ``path`` atomically; return the path.

    ``data`` is text (UTF-8), bytes, or a callable that writes the file at the temporary path it
    is given (e.g. ``lambda tmp: frame.to_parquet(tmp)``).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(tmp)
    try:
        os.chmod(temporary, file_mode(path))
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, str):
                handle.write(data.encode("utf-8"))
            elif isinstance(data, bytes):
                handle.write(data)
            if not callable(data):
                handle.flush()
                os.fsync(handle.fileno())
        if callable(data):
            data(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def _writable_parent(path: Path) -> Path:
    """The nearest existing folder above ``path`` (where it would be created)."""
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return parent


def check_output_folder(folder: Path | str, parameter: str = "out",
                        owned: Iterable[str] | None = None) -> Path:
    """``folder`` as a Path if a report folder can be written there, else `ParameterError`
    (an existing file, a folder that cannot be written, a parent that is a file; with ``owned``,
    the names a report may hold, an existing folder holding other files)."""
    folder = Path(folder)
    if owned is not None and folder.is_dir():
        foreign = sorted(p.name for p in folder.iterdir()
                         if p.is_file() and p.name not in set(owned) and not p.name.startswith("."))
        if foreign:
            raise ParameterError(parameter, str(folder), f"holds files this report does not "
                                 f"write ({', '.join(foreign[:5])}). Fix: choose a new or empty "
                                 "folder.")
    if folder.exists() and not folder.is_dir():
        raise ParameterError(parameter, str(folder), "is a file, not a folder. Fix: give a folder "
                             "path for the report (it is created if needed).")
    parent = _writable_parent(folder)  # the folder is created or replaced inside it
    if not parent.is_dir():
        raise ParameterError(parameter, str(folder), f"{parent} is a file, so the folder cannot be "
                             "created. Fix: choose another path.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ParameterError(parameter, str(folder), f"{parent} is not writable. Fix: choose a "
                             "folder you can write to.")
    return folder


def check_output_file(path: Path | str, parameter: str = "out") -> Path:
    """``path`` as a Path if the file can be written, else `ParameterError`."""
    path = Path(path)
    if path.is_dir():
        raise ParameterError(parameter, str(path), "is a folder. Fix: give a file name.")
    parent = path.parent if path.parent.exists() else _writable_parent(path)
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise ParameterError(parameter, str(path), f"{parent} is not a writable folder. Fix: choose "
                             "another path.")
    return path


def safe_name(name: object, fallback: str = "report") -> str:
    """``name`` as one safe path component (a dataset card's name may be ``../../x`` or an
    absolute path): letters, digits, ``. _ -`` kept, anything else ``_``, no leading dot."""
    import re

    text = re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)).strip("._")
    return text or fallback


STAGING, OLD = ".staging-", ".old-"


def _clean_stale(folder: Path) -> None:
    """Remove what killed runs left next to ``folder``: staging folders, temporary files; a
    previous report moved aside just before a kill is put back when the folder is missing."""
    parent = folder.parent
    if not parent.is_dir():
        return
    for entry in parent.glob(f".{folder.name}.*"):
        if entry.name.startswith(f".{folder.name}{OLD}") and not folder.exists():
            os.rename(entry, folder)
        elif entry.is_dir() and (STAGING in entry.name or OLD in entry.name):
            shutil.rmtree(entry, ignore_errors=True)
    if folder.is_dir():
        for stale in folder.glob(".*.tmp"):
            stale.unlink(missing_ok=True)


def write_set(folder: Path | str, files: Mapping[str, str | bytes | Writer],
              owned: Iterable[str] = ()) -> dict[str, Path]:
    """Write ``files`` (name -> data, as :func:`write_atomic`) as the whole content of
    ``folder``; return name -> final path.

    The files go into ``.<folder>.staging-*`` next to ``folder``, which then replaces it (the
    old folder is moved aside and removed), so readers see the old set or the new one. Files
    of an earlier run with a name in ``owned`` (the other files such a report can hold) go with
    the old set; any other file in ``folder`` makes this a `ParameterError` (never delete what
    the report did not write).
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale(folder)
    if folder.exists():
        known = set(files) | set(owned)
        foreign = sorted(p.name for p in folder.iterdir() if p.name not in known)
        if foreign:
            raise ParameterError("out", str(folder), f"holds files this report does not write "
                                 f"({', '.join(foreign[:5])}). Fix: choose a new or empty "
                                 "folder.")
    stage = Path(tempfile.mkdtemp(prefix=f".{folder.name}{STAGING}", dir=folder.parent))
    try:
        os.chmod(stage, 0o777 & ~_umask())
        for name, data in files.items():
            write_atomic(stage / name, data)
        if folder.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{folder.name}{OLD}", dir=folder.parent))
            os.rmdir(old)
            os.rename(folder, old)
            os.rename(stage, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(stage, folder)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return {name: folder / name for name in files}


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def json_safe(value: Any) -> Any:
    """``value`` with numpy scalars as Python numbers, NaN/inf as None, tuples as lists, frames
    as lists of records and mapping keys as text: ready for ``json.dumps``."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "to_dict") and hasattr(value, "columns"):  # a pandas DataFrame
        return [json_safe(r) for r in value.to_dict(orient="records")]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if value is not None and not isinstance(value, (str, int)):
        try:  # pandas NA / NaT
            import pandas as pd

            if pd.isna(value):
                return None
        except (TypeError, ValueError):
            pass
    return value

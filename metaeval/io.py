"""Writing files so that a reader never sees half of one, and JSON-safe values.

:func:`write_atomic` is the one writer of single files (score tables, downloads): the data go to
a temporary file next to the target (same file system) and replace it with ``os.replace``
(atomic on POSIX and Windows); the temporary file is removed when anything fails.
:func:`write_set` writes a report folder as a set: every file into a staging folder next to it,
then the staging folder (named by the run's pid and a random token) takes the folder's place,
so a failure or a kill never leaves files of two runs side by side, and two runs writing the
same folder both succeed; what dead runs left is cleaned, never a live run's staging folder.
:func:`check_output_folder` / :func:`check_output_file` refuse an unusable ``--out`` before
any long computation; a folder that turns out unwritable is one `OutputError` line.
"""

from __future__ import annotations

import contextlib
import errno
import math
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from metaeval.errors import OutputError, ParameterError

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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}-",
                                   suffix=".tmp")
    except OSError as error:
        raise unwritable(path.parent, error) from None
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
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise unwritable(path.parent, error) from None
        raise
    return path


UNWRITABLE = {errno.EACCES: "permission denied", errno.EPERM: "permission denied",
              errno.EROFS: "read-only file system", errno.ENOSPC: "no space left on the device",
              errno.EDQUOT: "disk quota exceeded"}


def unwritable(folder: Path, error: OSError) -> BaseException:
    """``error`` as one :class:`OutputError` line naming ``folder`` and the fix when the folder
    cannot be written (permissions, read-only, full); any other ``error`` as it is."""
    reason = UNWRITABLE.get(error.errno)
    if reason is None:
        return error
    fix = ("free some space or choose another output folder." if error.errno in
           (errno.ENOSPC, errno.EDQUOT) else f"make it writable (chmod -R u+w '{folder}') or "
           "choose another output folder (--out).")
    return OutputError(f"{folder}: cannot write here ({reason}). Fix: {fix}")


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
    for place in (parent, folder) if folder.is_dir() else (parent,):
        if not os.access(place, os.W_OK | os.X_OK):
            raise ParameterError(parameter, str(folder), f"{place} is not writable. Fix: make "
                                 f"it writable (chmod -R u+w '{place}') or choose another "
                                 "folder.")
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
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)).strip("._")
    return text or fallback


STAGING, OLD = ".staging-", ".old-"
STALE_AFTER = 24 * 3600  # seconds: a staging folder of a run whose liveness is unknown
SWAP_TRIES = 50
_OWNER = re.compile(r"(?:staging-|old-|\.)(\d+)-[0-9A-Za-z_]+(?:\.tmp)?$")  # pid of the run


def _alive(pid: int) -> bool | None:
    """Whether process ``pid`` runs (None where that cannot be told)."""
    if pid == os.getpid() or os.name != "posix":
        return True if pid == os.getpid() else None
    try:
        os.kill(pid, 0)  # signal 0: only asks whether it exists
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it runs under another user
        pass
    return True


def _is_stale(entry: Path) -> bool:
    """Left by a run that is gone (its pid is dead; unknown liveness: after STALE_AFTER)."""
    owner = _OWNER.search(entry.name)
    if owner is None:
        return True  # named before runs put their pid in it
    alive = _alive(int(owner.group(1)))
    if alive is not None:
        return not alive
    with contextlib.suppress(FileNotFoundError):
        return time.time() - entry.stat().st_mtime > STALE_AFTER
    return False


def _clean_stale(folder: Path) -> None:
    """Remove what dead runs left next to ``folder``: staging folders and temporary files; a
    previous report a dead run moved aside just before it was killed is put back when the
    folder is missing. Folders and files of live runs (other writers of the same report) stay."""
    parent = folder.parent
    if not parent.is_dir():
        return
    for entry in parent.glob(f".{folder.name}.*"):
        if not (entry.is_dir() and (STAGING in entry.name or OLD in entry.name)) \
                or not _is_stale(entry):
            continue
        if entry.name.startswith(f".{folder.name}{OLD}") and not folder.exists():
            with contextlib.suppress(OSError):  # if it cannot go back, it stays
                os.rename(entry, folder)
            continue
        shutil.rmtree(entry, ignore_errors=True)
    if folder.is_dir():
        for stale in folder.glob(".*.tmp"):
            if _is_stale(stale):
                stale.unlink(missing_ok=True)


def _swap(stage: Path, folder: Path, token: str) -> None:
    """Put ``stage`` in the place of ``folder``; another run may do the same at the same time:
    the set moved in last wins, and neither run fails."""
    old = folder.parent / f".{folder.name}{OLD}{token}"
    for _ in range(SWAP_TRIES):
        with contextlib.suppress(FileNotFoundError):
            os.rename(folder, old)
        try:
            os.rename(stage, folder)
            return
        except OSError:
            if not folder.exists():  # not a race with another writer
                with contextlib.suppress(OSError):
                    os.rename(old, folder)
                raise
        finally:
            shutil.rmtree(old, ignore_errors=True)
    raise OSError(errno.EBUSY, "other runs keep replacing the folder", str(folder))


def _foreign(folder: Path, known: set[str]) -> list[str]:
    with contextlib.suppress(FileNotFoundError):  # another run may be replacing it
        return sorted(p.name for p in folder.iterdir() if p.name not in known
                      and not (p.name.startswith(".") and p.name.endswith(".tmp")))
    return []


def write_set(folder: Path | str, files: Mapping[str, str | bytes | Writer],
              owned: Iterable[str] = ()) -> dict[str, Path]:
    """Write ``files`` (name -> data, as :func:`write_atomic`) as the whole content of
    ``folder``; return name -> final path.

    The files go into ``.<folder>.staging-<pid>-<random>``, which then replaces ``folder``
    (the old one moved aside and removed); of two runs writing the same folder the last set
    wins. Files of an earlier run named in ``owned`` (the other files such a report can hold)
    go with the old set; any other file makes this a `ParameterError` (never delete what the
    report did not write); an unwritable folder, an :class:`OutputError`."""
    folder = Path(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        _clean_stale(folder)
        foreign = _foreign(folder, set(files) | set(owned)) if folder.exists() else []
        if foreign:
            raise ParameterError("out", str(folder), f"holds files this report does not write "
                                 f"({', '.join(foreign[:5])}). Fix: choose a new or empty "
                                 "folder.")
        token = f"{os.getpid()}-{secrets.token_hex(6)}"  # unique per run
        stage = folder.parent / f".{folder.name}{STAGING}{token}"
        os.mkdir(stage)
    except OSError as error:
        raise unwritable(folder, error) from None
    try:
        os.chmod(stage, 0o777 & ~_umask())
        for name, data in files.items():
            write_atomic(stage / name, data)
        _swap(stage, folder, token)
    except BaseException as error:
        shutil.rmtree(stage, ignore_errors=True)
        if isinstance(error, OSError):
            raise unwritable(folder, error) from None
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

"""Writing files so that a reader never sees half of one, and JSON-safe values.

:func:`write_atomic` is the one writer every report, listening summary, score table and download
uses: the data go to a temporary file next to the target (same file system) and replace it with
``os.replace`` (atomic on POSIX and Windows); the temporary file is removed when anything fails.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

Writer = Callable[[Path], None]


def file_mode(path: Path) -> int:
    """The mode of the file being replaced; a new file gets 0o666 minus the umask."""
    if path.exists():
        return path.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


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

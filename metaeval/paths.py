"""Where metaeval finds data and keeps its caches.

- ``METAEVAL_DATA_DIR``: a folder laid out like the project's ``shared/datasets``
  (``gensvs_eval/``, ``wmt_mqm_ted/``, ``bernoulli_mushra/`` ...), searched first for every
  registered data set (:mod:`metaeval.data.registry`). Unset: not used.
- The user cache (:func:`cache_root`): ``METAEVAL_CACHE_DIR``, else ``$XDG_CACHE_HOME/metaeval``,
  else ``~/.cache/metaeval``; downloaded sets live in ``datasets/``, sets built by metaeval in
  ``derived/``.
"""

from __future__ import annotations

import os
from pathlib import Path

from metaeval.errors import DataError

PACKAGE_ROOT = Path(__file__).resolve().parent
DATA_DIR_VARIABLE, CACHE_DIR_VARIABLE = "METAEVAL_DATA_DIR", "METAEVAL_CACHE_DIR"


def data_dir(required: bool = False) -> Path | None:
    """The folder ``METAEVAL_DATA_DIR`` names, or None when it is unset (or not a folder and not
    ``required``)."""
    configured = os.environ.get(DATA_DIR_VARIABLE, "").strip()
    if configured and Path(configured).expanduser().is_dir():
        return Path(configured).expanduser()
    if required:
        state = f"{configured} is not a folder" if configured else "it is unset"
        raise DataError(f"{DATA_DIR_VARIABLE} is needed here but {state}. Fix: set "
                        f"{DATA_DIR_VARIABLE} to the folder that holds gensvs_eval/, "
                        "wmt_mqm_ted/, ... (see README, 'Data').")
    return None


def cache_root() -> Path:
    """metaeval's user cache folder (created on first write, not here)."""
    configured = os.environ.get(CACHE_DIR_VARIABLE, "").strip()
    if configured:
        return Path(configured).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".cache") / "metaeval"


def display_path(path: str | Path | None) -> str:
    """A path as reports show it, without the user's machine layout: files of registered sets as
    ``metaeval:<folder>/<file>`` (downloaded or built into the cache) or
    ``$METAEVAL_DATA_DIR/<folder>/<file>``, files under the working folder relative to it,
    anything else as given."""
    if not path:
        return ""
    given = Path(path)
    try:
        resolved = given.resolve()
    except OSError:
        return str(path)
    cache = cache_root().resolve()
    for kind in ("datasets", "derived"):
        if resolved.is_relative_to(cache / kind):
            parts = resolved.relative_to(cache / kind).parts
            folder = parts[0].rsplit("-", 1)[0] if kind == "derived" else parts[0]
            return "metaeval:" + "/".join((folder, *parts[1:]))
    external = data_dir()
    if external is not None and resolved.is_relative_to(external.resolve()):
        return f"${DATA_DIR_VARIABLE}/{resolved.relative_to(external.resolve()).as_posix()}"
    if resolved.is_relative_to(Path.cwd()):
        return resolved.relative_to(Path.cwd()).as_posix()
    return str(path)

"""Fetch one file of a registered data set: verified, atomic, resumable.

A download goes to ``.<name>.part`` next to its destination. When an earlier attempt left such
a file, the download continues from its length (an HTTP ``Range`` request; a ``file://`` source
is read from that offset; a server that ignores the range sends the whole file and the part is
restarted). Only when the whole file's sha256 equals the registered one is it renamed into
place, so a reader never sees a partial or unverified file; a checksum mismatch deletes the part
and leaves nothing behind. ``file://`` URLs serve local mirrors and tests.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from metaeval.errors import DataError

CHUNK = 1 << 20
TIMEOUT_S = 60


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def part_path(target: Path) -> Path:
    """Where an unfinished download of ``target`` is kept (hidden, next to it)."""
    return target.parent / f".{target.name}.part"


def _open(url: str, offset: int):
    """(stream, offset the stream starts at) for ``url`` from byte ``offset`` where possible."""
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme == "file":
        handle = open(urllib.request.url2pathname(parsed.path), "rb")  # noqa: SIM115
        handle.seek(offset)
        return handle, offset
    request = urllib.request.Request(url, headers={"Range": f"bytes={offset}-"} if offset else {})
    response = urllib.request.urlopen(request, timeout=TIMEOUT_S)  # noqa: S310 (pinned sources)
    return response, offset if getattr(response, "status", 200) == 206 else 0


def fetch(url: str, target: Path, sha256: str | None,
          advance: Callable[[int], None] | None = None) -> None:
    """Download ``url`` to ``target``; with ``sha256`` the file must have that digest.

    ``advance(n)`` is called with every block's byte count (resumed bytes included once).
    Errors are `DataError` naming the URL and what was (not) written.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(target)
    offset = part.stat().st_size if part.is_file() else 0
    try:
        stream, start = _open(url, offset)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise DataError(f"{url}: cannot download ({error}); nothing was written.") from error
    if advance is not None and start:
        advance(start)
    try:
        with stream, open(part, "ab" if start else "wb") as out:
            for block in iter(lambda: stream.read(CHUNK), b""):
                out.write(block)
                if advance is not None:
                    advance(len(block))
            out.flush()
            os.fsync(out.fileno())
    except (urllib.error.URLError, OSError) as error:
        raise DataError(f"{url}: download broke off ({error}); the {part.stat().st_size if part.exists() else 0} "
                        f"bytes received are kept in {part.name} and the next attempt continues "
                        "from there.") from error
    got = sha256_of(part)
    if sha256 is not None and got != sha256:
        part.unlink(missing_ok=True)
        raise DataError(f"{url}: checksum mismatch (sha256 {got}, registered {sha256}); the file "
                        "was deleted, nothing was written. Fix: retry; if it persists, the "
                        "source changed: report it to the metaeval maintainers.")
    os.replace(part, target)

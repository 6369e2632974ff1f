"""Content hashes of input files (audio, images): the score cache keys files by their bytes, so
renaming or moving a file keeps its score."""

from __future__ import annotations

import hashlib
from pathlib import Path

from metaeval.errors import DataError, located


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def memo_file_sha256(hashes: dict[str, str], path: str | Path) -> str:
    """:func:`file_sha256` of ``path``, remembered in ``hashes``; an unreadable file is a
    `DataError` naming it."""
    key = str(Path(path))
    if key not in hashes:
        try:
            hashes[key] = file_sha256(path)
        except OSError as error:
            raise DataError(located(f"cannot read the file ({error.strerror or error})",
                                    file=key, fix="check that the file exists.")) from error
    return hashes[key]

"""Real data of the registry for tests: a set's folder or file, or the module skipped.

``registered(name)`` / ``registered(name, file)`` resolve through :mod:`metaeval.data.registry`
(``METAEVAL_DATA_DIR``, the run's cache; tests never download). Called at module level, an
unavailable set skips the whole module with the registry's reason; inside a test, that test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from metaeval.data.datasets import resolve, resolve_file
from metaeval.errors import DataUnavailable


def registered(name: str, file: str | None = None) -> Path:
    try:
        return resolve_file(name, file, progress=False) if file else resolve(name, progress=False)
    except DataUnavailable as error:
        pytest.skip(str(error), allow_module_level=True)

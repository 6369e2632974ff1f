"""Shared fixtures: the external data folder, the TED en-de matrix and its MTME reference values."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from metaeval.paths import data_dir

REFERENCE_DIR_NAME = "reference"


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    path = data_dir(required=False)
    if path is None:
        pytest.skip("external data folder absent: set METAEVAL_DATA_DIR (see README)")
    return path


@pytest.fixture(scope="session")
def reference_dir(datasets_dir: Path) -> Path:
    path = datasets_dir.parent / REFERENCE_DIR_NAME
    if not (path / "ted_ende_mtme.json").exists():
        pytest.skip(f"reference values absent at {path}")
    return path


@pytest.fixture(scope="session")
def mtme_reference(reference_dir: Path) -> dict:
    return json.loads((reference_dir / "ted_ende_mtme.json").read_text())


@pytest.fixture(scope="session")
def ted_matrix(reference_dir: Path, tmp_path_factory) -> dict:
    """The TED en-de system x segment matrix rebuilt with the reference's own script.

    Returns ``{"gold": (13, 529), "metrics": {name: (13, 529)}, "systems": [...], "segs": [...]}``.
    """
    pytest.importorskip("sacrebleu")
    out = tmp_path_factory.mktemp("ted") / "ted_ende.npz"
    subprocess.run([sys.executable, str(reference_dir / "build_ted_matrix.py"), "ende", str(out)],
                   check=True, capture_output=True)
    z = np.load(out)
    names = [str(n) for n in z["names"]]
    return {
        "gold": z["gold"],
        "metrics": {n: z[f"m_{n}"] for n in names},
        "systems": [str(s) for s in z["systems"]],
        "segs": [int(s) for s in z["segs"]],
    }

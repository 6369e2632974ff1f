"""Shared fixtures: the real data (through the registry), the TED en-de matrix and its MTME
reference values.

Real data is read through :mod:`metaeval.data.registry` from ``METAEVAL_DATA_DIR`` (default here:
``../shared/datasets`` next to the checkout), never from the network (``METAEVAL_OFFLINE=1``),
with a cache private to the test run (sets built at first use land there). A test that needs a
set that is not available is skipped with the registry's reason.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATASETS = ROOT.parent / "shared" / "datasets"
if SHARED_DATASETS.is_dir():
    os.environ.setdefault("METAEVAL_DATA_DIR", str(SHARED_DATASETS))
os.environ["METAEVAL_OFFLINE"] = "1"  # tests never download
os.environ.pop("METAEVAL_DATA_MIRROR", None)
_CACHE = tempfile.mkdtemp(prefix="metaeval-test-cache-")
os.environ["METAEVAL_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

from metaeval.errors import DataUnavailable  # noqa: E402
from metaeval.paths import data_dir  # noqa: E402

REFERENCE_DIR_NAME = "reference"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test that failed only because a registered data set is absent is a skip, not a failure."""
    outcome = yield
    report = outcome.get_result()
    if call.excinfo is not None and call.excinfo.errisinstance(DataUnavailable):
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0,
                           f"Skipped: {call.excinfo.value}")


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    path = data_dir()
    if path is None:
        pytest.skip("external data folder absent: set METAEVAL_DATA_DIR (see README)")
    return path


@pytest.fixture(scope="session")
def sisec_dir(datasets_dir: Path) -> Path:
    """The SiSEC 2018 best-of-6 listening test (skipped when the data folder lacks it)."""
    folder = datasets_dir / "sisec18_pick_the_best"
    if not (folder / "ratings_long.csv").is_file():
        pytest.skip("sisec18_pick_the_best is not in the data folder")
    return folder


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
def mtme_wmt22(reference_dir: Path) -> dict:
    """mt-metrics-eval's values on the WMT22 zh-en evalset (``reference/wmt22_zhen_mtme.json``)."""
    return json.loads((reference_dir / "wmt22_zhen_mtme.json").read_text())


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

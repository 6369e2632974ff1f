"""Where metaeval finds data that does not ship inside the package.

One setting: the environment variable ``METAEVAL_DATA_DIR`` (a folder laid out like the
project's ``shared/datasets``: ``gensvs_eval/``, ``wmt_mqm_ted/``, ``bernoulli_mushra/``...).
Without it, ``../shared/datasets`` next to a source checkout is used when it exists.
"""

from __future__ import annotations

import os
from pathlib import Path

from metaeval.errors import DataError

PACKAGE_ROOT = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_ROOT.parent
# Bundled listening tests: the top-level folder of a source checkout, or its copy inside a wheel.
LISTENING_TESTS = (REPO_ROOT / "listening_tests" if (REPO_ROOT / "listening_tests").is_dir()
                   else PACKAGE_ROOT / "bundled")


def data_dir(required: bool = True) -> Path | None:
    """The external data folder (``METAEVAL_DATA_DIR``), or None when absent and not required."""
    configured = os.environ.get("METAEVAL_DATA_DIR")
    candidates = [Path(configured)] if configured else [REPO_ROOT.parent / "shared" / "datasets"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    if required:
        raise DataError(
            f"data folder not found ({candidates[0]}). Fix: set METAEVAL_DATA_DIR to the folder "
            "that holds gensvs_eval/, wmt_mqm_ted/, ... (see README, 'Data')."
        )
    return None

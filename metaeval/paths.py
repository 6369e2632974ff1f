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


def bundled_folder(name: str, packaged: str) -> Path:
    """A bundled data folder: ``<checkout>/<name>``, or its copy ``metaeval/<packaged>`` in a wheel."""
    return REPO_ROOT / name if (REPO_ROOT / name).is_dir() else PACKAGE_ROOT / packaged


LISTENING_TESTS = bundled_folder("listening_tests", "bundled")  # listening tests (ratings)
JUDGEMENT_SETS = bundled_folder("judgement_sets", "judgement_sets")  # MT / text judgements
CHALLENGE_SETS = bundled_folder("challenge_sets", "challenge_sets")  # contrastive pairs


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


def display_path(path: str | Path | None) -> str:
    """A path as reports show it, without the user's machine layout: bundled data as
    ``metaeval:<folder>/<file>``, external data as ``$METAEVAL_DATA_DIR/...``, files under the
    working folder relative to it, anything else as given."""
    if not path:
        return ""
    given = Path(path)
    try:
        resolved = given.resolve()
    except OSError:
        return str(path)
    for root in (LISTENING_TESTS, JUDGEMENT_SETS, CHALLENGE_SETS):
        if resolved.is_relative_to(root):
            return f"metaeval:{root.name}/{resolved.relative_to(root).as_posix()}"
    external = data_dir(required=False)
    if external is not None and resolved.is_relative_to(external.resolve()):
        return f"$METAEVAL_DATA_DIR/{resolved.relative_to(external.resolve()).as_posix()}"
    if resolved.is_relative_to(Path.cwd()):
        return resolved.relative_to(Path.cwd()).as_posix()
    return str(path)

"""Fixtures shared by the listening tests: the bundled GSVS ratings and released table."""

from __future__ import annotations

import pandas as pd
import pytest

from metaeval.data.gensvs import DATA_FILE, FOLDER, gensvs_ratings


@pytest.fixture(scope="module")
def ratings() -> pd.DataFrame:
    """One row per (trial, listener) of the bundled GSVS DCR test."""
    return gensvs_ratings()


@pytest.fixture(scope="module")
def released() -> pd.DataFrame:
    """The released per-trial table (DMOS and metrics)."""
    return pd.read_csv(FOLDER / DATA_FILE)

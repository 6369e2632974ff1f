"""Fixtures shared by the listening tests: the GSVS ratings and released table (registry)."""

from __future__ import annotations

import pandas as pd
import pytest

from metaeval.data.gensvs import DATA_FILE, gensvs_ratings
from tests.registered import registered


@pytest.fixture(scope="module")
def ratings() -> pd.DataFrame:
    """One row per (trial, listener) of the GSVS DCR test."""
    return gensvs_ratings()


@pytest.fixture(scope="module")
def released() -> pd.DataFrame:
    """The released per-trial table (DMOS and metrics)."""
    return pd.read_csv(registered("gensvs_eval", DATA_FILE))

"""0/1 choices are no ratings: `listening summarize --format long --scale 0,1` on best-of-N picks
is refused (one line pointing to --format best-of-n) instead of a "mean rating" whose t interval
falls below 0 (SiSEC 2018: STL1 [-0.004, 0.031])."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.errors import ParameterError
from metaeval.listening.formats import read_ratings
from metaeval.listening.summarize import compute_summary


@pytest.fixture
def sisec(datasets_dir):
    path = datasets_dir / "sisec18_pick_the_best" / "ratings_long.csv"
    if not path.is_file():
        pytest.skip("sisec18_pick_the_best is not in the data folder")
    return path


def _picks(path, seed: int) -> None:
    """Best-of-3 pages of 5 raters on 4 items, one pick each (0/1 in a 'rating' column)."""
    rng = np.random.default_rng(seed)
    rows = []
    for item in range(4):
        for rater in range(5):
            chosen = rng.integers(0, 3)
            rows += [{"item": f"i{item}", "system": f"s{s}", "rater": f"r{rater}",
                      "rating": int(s == chosen)} for s in range(3)]
    pd.DataFrame(rows).to_csv(path, index=False)


def test_a_mean_rating_of_votes_is_refused_in_python(tmp_path):
    _picks(tmp_path / "picks.csv", seed=3)
    table = read_ratings(tmp_path / "picks.csv", format="long", scale=(0, 1))
    with pytest.raises(ParameterError, match="best-of-n") as error:
        compute_summary(table, k=5)
    assert "picks.csv" in str(error.value) and "'rating'" in str(error.value)


def test_continuous_ratings_on_a_unit_scale_are_still_summarised(tmp_path):
    rng = np.random.default_rng(4)
    rows = [{"item": f"i{i}", "system": f"s{s}", "rater": f"r{r}", "rating": rng.uniform()}
            for i in range(4) for s in range(3) for r in range(4)]
    pd.DataFrame(rows).to_csv(tmp_path / "unit.csv", index=False)
    table = read_ratings(tmp_path / "unit.csv", format="long", scale=(0, 1))
    assert len(compute_summary(table, k=5, screening="none").items) == 12


def test_the_cli_refuses_sisec_picks_as_ratings_with_one_line(tmp_path, sisec):
    result = CliRunner().invoke(app, [
        "listening", "summarize", "--data", str(sisec), "--format", "long", "--scale", "0,1",
        "--rating", "picked", "--k", "5", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --scale 0,1: ")
    assert "--format best-of-n" in lines[0] and "ratings_long.csv" in lines[0]
    assert not (tmp_path / "out").exists()

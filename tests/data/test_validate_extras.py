"""Group-size and constant-vector checks, and the table validation of hand-made sets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metaeval.data.checks import check_group_sizes, constant_vectors, usable_points
from metaeval.data.gensvs import load_gensvs
from metaeval.data.judgements import JudgementSet
from metaeval.errors import DataError


def _tiny(m2=(1.0, 2.0, 3.0, 4.0, 5.0), human=(1.0, 2.0, 2.0, 4.0, np.nan)):
    frame = pd.DataFrame({
        "item": ["a", "b", "c", "d", "e"], "system": ["s"] * 5,
        "grp": ["x", "x", "x", "y", "y"], "h": list(human),
        "m1": [0.5, 0.5, 0.5, 0.1, 0.2], "m2": list(m2),
    })
    return JudgementSet.from_frame(frame, item="item", system="system", human="h",
                                   metrics=["m1", "m2"], groups=["grp"], missing="drop")


def test_usable_points_by_hand():
    js = _tiny(m2=(1.0, np.nan, 3.0, 4.0, 5.0))
    counts = usable_points(js, "grp")
    # x: 3 rated cells, m2 missing in one; y: human missing in 'e'
    assert counts.loc["x"].to_dict() == {"m1": 3, "m2": 2}
    assert counts.loc["y"].to_dict() == {"m1": 1, "m2": 1}
    assert usable_points(js).loc["all"].to_dict() == {"m1": 4, "m2": 3}


def test_check_group_sizes_names_the_group():
    js = _tiny()
    assert check_group_sizes(js, "grp", 1) == []
    with pytest.raises(DataError, match=r"group grp='y' has 1 usable point\(s\) for metric 'm1', "
                                        r"fewer than 2.*1 more"):
        check_group_sizes(js, "grp", 2)
    warnings = check_group_sizes(js, "grp", 3, on_small="warn")
    assert len(warnings) == 2 and all("grp='y'" in w for w in warnings)
    with pytest.raises(DataError, match="unknown grouping column 'nope'"):
        check_group_sizes(js, "nope", 2)


def test_check_group_sizes_on_gensvs():
    js = load_gensvs()
    assert check_group_sizes(js, "model_type", 100) == []
    with pytest.raises(DataError, match=r"model_type='generative' has 100 usable point"):
        check_group_sizes(js, "model_type", 101)


def test_constant_vectors():
    js = _tiny()
    assert constant_vectors(js) == []
    within = constant_vectors(js, "grp")
    assert len(within) == 1
    assert "metric column 'm1' is constant (0.5) in group grp='x'" in within[0]
    flat = _tiny(m2=(2.0,) * 5, human=(3.0,) * 5)
    messages = constant_vectors(flat)
    assert any("human score column 'h'" in m for m in messages)
    assert any("metric column 'm2'" in m for m in messages)
    assert constant_vectors(load_gensvs(), "model_type") == []


def test_duplicate_rows_in_hand_made_set_are_reported_with_both_lines():
    frame = pd.DataFrame({"item": ["a", "b", "a"], "system": ["s", "s", "s"], "h": [1, 2, 3],
                          "m": [1.0, 2.0, 3.0]})
    with pytest.raises(DataError, match=r"row 2, column 'item': duplicate row for item='a', "
                                        r"system='s' \(rows 2 and 4\)"):
        JudgementSet.from_frame(frame, item="item", system="system", human="h", metrics=["m"])

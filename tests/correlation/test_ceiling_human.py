"""The noise ceiling of a run's human score comes from that score's own ratings (issue 18:
with several human columns, a human other than the set's default got the default's ratings
and so a ceiling of another score)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from metaeval import JudgementSet, correlate


def _rated(rng: np.random.Generator) -> pd.DataFrame:
    """Three raters a cell: human a reliable, human b pure noise."""
    rows = []
    for i in range(12):
        for s in range(4):
            q = rng.normal()
            for r in range(3):
                rows.append({"item": f"i{i}", "system": f"s{s}", "rater": f"r{r}",
                             "a": q + 0.3 * rng.normal(), "b": rng.normal(), "m1": q})
    return pd.DataFrame(rows)


def test_the_noise_ceiling_of_a_human_comes_from_its_own_ratings():
    frame = _rated(np.random.default_rng(18))

    def rated(humans):
        return JudgementSet.from_frame(frame, item="item", system="system", human=humans,
                                       rater="rater", metrics=["m1"])

    b_second = correlate(rated(["a", "b"]), human="b", k=20)
    b_first = correlate(rated(["b", "a"]), human="b", k=20)  # b's ratings are the set's own
    a_first = correlate(rated(["a", "b"]), human="a", k=20)
    columns = ["ceiling", "ceiling_low", "ceiling_high"]
    pd.testing.assert_frame_equal(b_second.table[columns], b_first.table[columns])
    assert b_second.signature.ceiling == b_first.signature.ceiling
    assert a_first.table["ceiling"].notna().all()
    assert not np.allclose(b_second.table["ceiling"].fillna(-1), a_first.table["ceiling"])
    assert b_second.signature.ceiling != a_first.signature.ceiling

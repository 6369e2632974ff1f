"""`evaluate` on the 100 real ACES rows against sacrebleu itself; orientation of lower-is-better
metrics; missing scores; Span-F1 from TIGERScore's error locations (a stub generator)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metaeval.challenge import aces_score, evaluate, read_challenge_set
from metaeval.challenge.aces import ACES_SCORE
from metaeval.metrics.text.tigerscore import TIGERScore

sacrebleu = pytest.importorskip("sacrebleu")


@pytest.fixture(scope="module")
def aces(datasets_dir):
    return read_challenge_set(datasets_dir / "aces_sample" / "subset.json")


@pytest.fixture(scope="module")
def result(aces, tmp_path_factory):
    return evaluate(aces, "chrf,ter", k=100, seed=0,
                    cache_dir=tmp_path_factory.mktemp("cache"))


def _taus(pairs: pd.DataFrame, good: np.ndarray, bad: np.ndarray) -> dict[str, float]:
    outcome = np.where(good > bad, 1.0, -1.0)
    return pd.Series(outcome).groupby(pairs["phenomenon"].to_numpy()).mean().to_dict()


def test_phenomenon_taus_equal_sacrebleu(aces, result):
    pairs = aces.pairs
    chrf, ter = sacrebleu.metrics.CHRF(), sacrebleu.metrics.TER()
    score = {name: {side: np.array([m.sentence_score(h, [r]).score for h, r in
                                    zip(pairs[side], pairs["reference"])])
                    for side in ("good", "bad")} for name, m in (("chrf", chrf), ("ter", ter))}
    expected = {"chrf": _taus(pairs, score["chrf"]["good"], score["chrf"]["bad"]),
                "ter": _taus(pairs, -score["ter"]["good"], -score["ter"]["bad"])}  # lower = better
    table = result.table[(result.table["langpair"] == "") & (result.table["phenomenon"] != "")]
    for row in table.itertuples():
        assert row.statistic == pytest.approx(expected[row.metric][row.phenomenon], abs=1e-12)
        if np.isnan(row.ci_low):  # every draw equal (e.g. all pairs alike): no interval
            assert "gave the same value" in row.note
        else:
            assert row.ci_low <= row.statistic + 1e-12 and row.statistic <= row.ci_high + 1e-12
    assert result.metrics == {"chrf": "higher", "ter": "lower"}
    assert np.allclose(result.good["chrf"], score["chrf"]["good"])


def test_aces_score_is_the_weighted_category_means(result):
    pooled = result.table[(result.table["langpair"] == "") & (result.table["phenomenon"] == "")]
    assert result.headline == ACES_SCORE
    for _, part in pooled.groupby("metric"):
        values = dict(zip(part["category"], part["statistic"]))
        expected, absent = aces_score(values)
        assert values[ACES_SCORE] == pytest.approx(expected)
        assert "wrong language" in absent or "punctuation" in absent  # the sample lacks some
    ranking = result.ranking
    assert list(ranking.columns) == ["metric", "statistic", "ci_low", "ci_high", "cluster"]
    assert ranking["statistic"].is_monotonic_decreasing and ranking["cluster"].iloc[0] == 1
    assert str(result.signature).startswith("set:subset@")
    assert "chrf{chrf@" in str(result.signature) and "-ter{ter@" in str(result.signature)


def test_per_langpair_rows(aces, result):
    langpairs = set(aces.pairs["langpair"])
    assert set(result.table["langpair"]) == langpairs | {""}
    for lp in langpairs:
        n = result.table[(result.table["langpair"] == lp) & (result.table["category"] ==
                                                              "all pairs")]["n"]
        assert set(n) == {int((aces.pairs["langpair"] == lp).sum())}


class _Stub:
    """A generator that reports the first word of the hypothesis as the one error."""

    def generate(self, prompts):
        out = []
        for p in prompts:
            hypothesis = p.split("Model-generated Output: \n", 1)[1].split("\n", 1)[0]
            word = hypothesis.split()[0]
            out.append("The model-generated output contains 1 errors, with a total score "
                       f"reduction of 2.\nError location 1: {word}\nError aspect 1: Accuracy\n"
                       "Explanation 1: wrong\nSeverity 1: Major\nScore reduction 1: 2\n")
        return out


def test_span_f1_from_tigerscore_error_locations(tmp_path):
    rows = [{"id": "a", "source": "Der Hund.", "good-translation": "The dog.",
             "incorrect-translation": "A cat.", "reference": "The dog.",
             "phenomena": "mistranslation-x", "langpair": "de-en",
             "incorrect-translation-annotated": "<v>A</v> cat."},
            {"id": "b", "source": "Die Maus.", "good-translation": "The mouse.",
             "incorrect-translation": "The house.", "reference": "",
             "phenomena": "mistranslation-x", "langpair": "de-en",
             "incorrect-translation-annotated": "The <v>house</v>."}]
    pd.DataFrame(rows).to_json(tmp_path / "span.jsonl", orient="records", lines=True)
    challenge = read_challenge_set(tmp_path / "span.jsonl")
    assert challenge.has_spans
    metric = TIGERScore(generator=_Stub(), model="stub")
    result = evaluate(challenge, [metric], k=10, cache_dir=tmp_path / "cache")
    spans = result.spans.set_index("metric")
    assert spans.loc[metric.column, "n"] == 2
    assert spans.loc[metric.column, "span_f1"] == pytest.approx(0.5)  # "A" hit, "The" missed
    bad = result.details[("a", "bad")][metric.column]
    assert bad["errors"][0]["location"] == "A"


def test_missing_scores_leave_their_pairs_out(tmp_path):
    rows = [{"source": "s", "good-translation": "ok", "incorrect-translation": "bad",
             "reference": "ok", "phenomena": "p", "langpair": "de-en"},
            {"source": "s", "good-translation": "fine", "incorrect-translation": "worse",
             "reference": "", "phenomena": "p", "langpair": "de-en"}]  # chrF needs a reference
    pd.DataFrame(rows).to_json(tmp_path / "m.jsonl", orient="records", lines=True)
    result = evaluate(read_challenge_set(tmp_path / "m.jsonl"), "chrf", k=10,
                      cache_dir=tmp_path / "cache")
    row = result.table[(result.table["langpair"] == "") & (result.table["phenomenon"] == "p")]
    assert row["n"].iloc[0] == 1 and row["statistic"].iloc[0] == 1.0
    assert any("missing score" in n for n in result.notes)

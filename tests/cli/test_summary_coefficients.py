"""The terminal summary: every requested coefficient, the chance row, display names."""

from __future__ import annotations

import dataclasses

import pytest

from metaeval import correlate
from metaeval.cli.summary import summary_tables
from metaeval.data.gensvs import load_gensvs


@pytest.fixture(scope="module")
def result():
    return correlate(load_gensvs(), metrics=["sdr", "emb_mse_mert_df", "multi_res_loss"],
                     coefficients=["spearman", "pearson", "kendall_b"], group_by="model_type",
                     k=20, seed=0, ceiling_k=5)


def _block(result, group: str) -> list[str]:
    block = next(b for b in summary_tables(result) if b.splitlines()[0].endswith(group))
    return block.splitlines()


def test_every_coefficient_is_a_column(result):
    """Only the primary coefficient was shown."""
    lines = _block(result, "generative")
    assert lines[1].split() == ["metric", "spearman", "95%", "CI", "pearson", "kendall_b",
                                "cluster", "n"]
    t = result.table.set_index(["metric", "group", "coefficient"])["statistic"]
    row = next(line for line in lines if line.startswith("M-L12 MSE (-)"))
    for coef in ("spearman", "pearson", "kendall_b"):
        assert f"{t['emb_mse_mert_df', 'generative', coef]:.3f}" in row
    assert max(map(len, lines)) <= 80


def test_chance_row_shows_the_primary_interval(result):
    lines = _block(result, "discriminative")
    t = result.table
    rows = t[(t["group"] == "discriminative") & (t["coefficient"] == "spearman")]
    chance = next(line for line in lines if line.startswith("chance"))
    assert f"[{rows['chance_low'].min():.3f}, {rows['chance_high'].max():.3f}]" in chance


def test_wide_tables_split_into_primary_and_the_rest(result):
    """Without display names (30-character columns) three coefficients do not fit 80 columns."""
    name = "signal_to_distortion_ratio_512"
    plain = dataclasses.replace(
        result, display_names={}, table=result.table.replace({"metric": {"sdr": name}}),
        metrics={name: "higher", "emb_mse_mert_df": "lower", "multi_res_loss": "lower"})
    lines = _block(plain, "all")
    assert max(map(len, lines)) <= 80
    headers = [line.split() for line in lines if line.startswith("metric")]
    assert headers == [["metric", "spearman", "95%", "CI", "cluster", "n"],
                       ["metric", "pearson", "kendall_b"]]
    assert sum(line.startswith(name) for line in lines) == 2


def test_item_level_n_shows_the_items_that_entered(datasets_dir):
    """HANNA, Empathy at level item: ``n`` read 96 for CIDEr and ROUGE-4 although 66 and 43
    prompts entered their averages; now ``66/96`` with the legend and the notes."""
    from metaeval.cli.summary import legend
    from tests.hanna import CIDER, hanna_judgements

    js = hanna_judgements(datasets_dir, "Empathy", [CIDER, "ROUGE-4 F-Score Ξ§", "BLEU Ξ§"])
    result = correlate(js, coefficients=["pearson"], levels=["item", "system"], k=0)
    item = next(b for b in summary_tables(result) if "level item" in b.splitlines()[0])
    cells = {line.split()[0]: line.split()[-1] for line in item.splitlines()[3:6]}
    assert cells == {"CIDEr": "66/96", "ROUGE-4": "43/96", "BLEU": "96"}
    notes = " ".join(item.split("notes:")[1].split())
    assert "66 of 96 items entered the average" in notes
    assert "43 of 96 items entered the average" in notes
    system = next(b for b in summary_tables(result) if "level system" in b.splitlines()[0])
    assert "/" not in "".join(line.split()[-1] for line in system.splitlines()[3:6])
    assert any(line.startswith("n: the points behind a value") for line in legend(result))

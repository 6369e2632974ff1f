"""`summarize`: the report files of both registered studies, checked against the raw data and the
scores / screening / agreement / tests / ceiling modules on the same table, and a hand case."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from metaeval.errors import ParameterError
from metaeval.listening.agreement import icc, krippendorff_alpha_interval, rater_vs_rest
from metaeval.listening.ceiling import noise_ceiling
from metaeval.listening.formats import read_ratings
from metaeval.listening.posthoc import friedman_posthoc
from metaeval.listening.ratings import RatingTable
from metaeval.listening.scores import stimulus_scores, system_scores
from metaeval.listening.screening import p808_screening
from metaeval.listening.summarize import (
    ITEM_COLUMNS,
    RATER_COLUMNS,
    SYSTEM_COLUMNS,
    compute_summary,
    resolve_screening,
)
from metaeval.report.listening import FILES, summarize
from tests.registered import registered

GSVS_FILE = registered("gensvs_eval", "gensvs_eval_data.csv")

K = 100
URL_ATTRIBUTE = re.compile(r"""(?:src|href|xlink:href|action|poster|data)\s*=\s*["']?\s*"""
                           r"""(?:https?:)?//""", re.I)
GSVS_MEANS = {"htdemucs": 2.03, "melroformer_small": 2.67, "melroformer_large": 3.28,
              "sgmsvs": 3.08, "melroformer_bigvgan": 3.29}  # issue 4 / Bereuter et al. 2025


@pytest.fixture(scope="module")
def gsvs(tmp_path_factory):
    table = read_ratings(None, format="dcr")
    out = tmp_path_factory.mktemp("gsvs")
    return table, out, summarize(table, out, k=K, seed=3)


@pytest.fixture(scope="module")
def mushra(tmp_path_factory):
    table = read_ratings(None, format="mushra")
    out = tmp_path_factory.mktemp("mushra")
    return table, out, summarize(table, out, k=K, seed=3)


def _read(out, name):
    return pd.read_csv(out / name, dtype={"item": str, "system": str, "rater": str},
                       keep_default_na=False)


@pytest.mark.parametrize("study", ["gsvs", "mushra"])
def test_every_file_is_written_with_its_columns(study, request):
    _, out, written = request.getfixturevalue(study)
    assert sorted(written) == sorted(FILES)
    for name, path in written.items():
        assert path == out / name and path.stat().st_size > 0
    assert list(_read(out, "items.csv").columns)[:6] == ITEM_COLUMNS
    assert list(_read(out, "systems.csv").columns)[:5] == SYSTEM_COLUMNS
    assert list(_read(out, "raters.csv").columns) == RATER_COLUMNS
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]  # atomic writes


def test_gsvs_item_scores_are_the_released_dmos(gsvs):
    _, out, _ = gsvs
    items = _read(out, "items.csv")
    raw = pd.read_csv(GSVS_FILE)
    released = raw.set_index(["file_id", "model_name"])["DMOS"]
    assert len(items) == 250 and set(items["n_ratings"]) == {12}
    got = items.set_index(["item", "system"])["mos"]
    np.testing.assert_allclose(got.loc[released.index].to_numpy(), released.to_numpy(), atol=1e-9)
    assert (items["ci_low"] <= items["mos"]).all() and (items["mos"] <= items["ci_high"]).all()


def test_gsvs_system_means_match_the_paper(gsvs):
    _, out, _ = gsvs
    systems = _read(out, "systems.csv").set_index("system")
    assert set(systems.index) == set(GSVS_MEANS)
    for system, mean in GSVS_MEANS.items():
        assert round(systems.loc[system, "mos"], 2) == mean
    assert (systems["n_items"] == 50).all()
    assert list(systems["mos"]) == sorted(systems["mos"], reverse=True)


def test_csv_values_equal_the_scores_module(gsvs):
    table, out, _ = gsvs
    expected = stimulus_scores(table, bootstrap_k=K, seed=3)
    items = _read(out, "items.csv")
    merged = items.merge(expected, on=["item", "system"], suffixes=("", "_ref"))
    assert len(merged) == len(expected)
    for column in ("mos", "ci_low", "ci_high", "boot_low", "boot_high", "n_ratings"):
        np.testing.assert_allclose(merged[column], merged[f"{column}_ref"], rtol=1e-12)
    systems = _read(out, "systems.csv").merge(system_scores(table, bootstrap_k=K, seed=3),
                                              on="system", suffixes=("", "_ref"))
    for column in ("mos", "ci_low", "ci_high", "boot_low", "boot_high", "n_items"):
        np.testing.assert_allclose(systems[column], systems[f"{column}_ref"], rtol=1e-12)
    records = json.loads((out / "items.json").read_text())
    assert len(records) == 250 and set(ITEM_COLUMNS) <= set(records[0])
    first = items.iloc[0]
    assert records[0]["item"] == first["item"] and records[0]["mos"] == pytest.approx(first["mos"])


def test_gsvs_screening_lists_p808_raters_and_keeps_them(gsvs):
    table, out, _ = gsvs
    raters = _read(out, "raters.csv")
    reference = p808_screening(table).raters
    assert len(raters) == 30 and not raters["excluded"].any()
    assert list(raters["rater"]) == list(reference["rater"])
    assert list(raters["flags"]) == list(reference["flags"])
    listed = raters[raters["reason"] != ""]
    assert set(listed["rater"]) == set(reference.loc[reference["flags"] > 2, "rater"])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["screening"]["method"] == "p808"
    assert "3.29" in summary["screening"]["rule"] and summary["screening"]["excluded"] == []
    assert summary["counts"]["ratings_used"] == 3000


def test_summary_agreement_tests_and_ceiling_equal_the_modules(gsvs):
    table, out, _ = gsvs
    summary = json.loads((out / "summary.json").read_text())
    agreement = summary["agreement"]
    values = icc(table)
    assert agreement["icc2_1"] == pytest.approx(values.icc2_1)
    assert agreement["icc2_k"] == pytest.approx(values.icc2_k)
    assert agreement["krippendorff_alpha"] == pytest.approx(krippendorff_alpha_interval(table))
    rest = rater_vs_rest(table)
    assert agreement["rater_vs_rest_mean"] == pytest.approx(float(np.nanmean(rest["r"])))
    posthoc = friedman_posthoc(table)
    assert summary["tests"]["statistic"] == pytest.approx(posthoc.statistic)
    assert summary["tests"]["pvalue"] == pytest.approx(posthoc.pvalue)
    assert summary["tests"]["letters"] == posthoc.letters
    systems = _read(out, "systems.csv").set_index("system")
    assert systems["letter"].to_dict() == posthoc.letters
    ceiling = noise_ceiling(table, level="none", k=K, seed=3)
    got = summary["ceiling"]["none"]
    assert got["reliability"] == pytest.approx(ceiling.statistic) and got["k"] == K
    assert got["reliability_low"] <= got["reliability"] <= got["reliability_high"]
    assert got["noise_ceiling"] == pytest.approx(np.sqrt(ceiling.statistic))
    assert summary["pooling"] and {r["test"] for r in summary["pooling"]} == {"anova", "kruskal",
                                                                              "shapiro"}


def test_mushra_screening_reproduces_the_released_filtered_file(mushra):
    _, out, _ = mushra
    filtered = read_ratings(None, format="mushra", filtered=True)
    raters = _read(out, "raters.csv")
    assert raters["excluded"].dtype == bool
    dropped = set(raters.loc[raters["excluded"], "rater"])
    assert dropped and all("hidden reference" in r for r in
                           raters.loc[raters["excluded"], "reason"])
    assert set(raters["rater"]) - dropped == set(filtered.raters)
    items = _read(out, "items.csv").set_index(["item", "system"])
    expected = filtered.stimulus_means()
    np.testing.assert_allclose(items.loc[expected.index, "mos"], expected.to_numpy(), atol=1e-9)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["screening"]["method"] == "mushra"
    assert sorted(summary["screening"]["excluded"]) == sorted(dropped)
    assert summary["counts"]["ratings_used"] == len(filtered.frame)
    systems = _read(out, "systems.csv")
    assert systems.iloc[0]["system"] == "Reference" and systems.iloc[-1]["system"] == "Anchor"


@pytest.mark.parametrize("study", ["gsvs", "mushra"])
def test_html_is_self_contained_with_letters_and_screening_table(study, request):
    table, out, _ = request.getfixturevalue(study)
    page = (out / "index.html").read_text()
    assert not URL_ATTRIBUTE.search(page)
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", page, re.I)
    assert page.count("<svg") == 1
    systems = _read(out, "systems.csv")
    plot = page[page.index("<svg"):page.index("</svg>")]
    drawn = re.findall(r'<text style="font-weight: 700[^>]*>([a-z]+)</text>', plot)
    assert drawn == list(systems["letter"])  # one letter group per system, best system first
    assert len(set(drawn)) > 1  # both studies have significant differences
    for row in systems.itertuples():
        assert re.search(rf'data-system="{re.escape(row.system)}">.*?<span class="letter">'
                         rf"{row.letter}</span>", page, re.S)
    screening = page[page.index('id="screening-table"'):]
    screening = screening[:screening.index("</table>")]
    raters = _read(out, "raters.csv")
    assert screening.count("data-rater=") == len(raters)
    for row in raters[raters["reason"] != ""].itertuples():
        assert f'data-rater="{row.rater}"' in screening and row.reason in screening
    for needle in ("ICC(2,1)", "ICC(2,k)", "Krippendorff", "rater-vs-rest", 'id="item-table"',
                   'id="methods"', table.info.citation.split(",")[0], table.info.licence):
        assert needle in page.replace("&#34;", '"').replace("&amp;", "&"), needle


def test_hand_computed_long_table(tmp_path):
    """3 systems x 3 items x 3 raters: every MOS and the t interval computed by hand."""
    ratings = {("i1", "A"): [5, 4, 3], ("i2", "A"): [4, 4, 4], ("i3", "A"): [5, 5, 2],
               ("i1", "B"): [3, 3, 2], ("i2", "B"): [2, 3, 1], ("i3", "B"): [3, 2, 2],
               ("i1", "C"): [1, 2, 1], ("i2", "C"): [1, 1, 2], ("i3", "C"): [2, 1, 1]}
    rows = [{"item": i, "system": s, "rater": f"r{n}", "rating": v}
            for (i, s), values in ratings.items() for n, v in enumerate(values)]
    table = RatingTable(pd.DataFrame(rows), kind="acr", scale=(1, 5))
    written = summarize(table, tmp_path / "o", screening="none", k=50)
    items = _read(tmp_path / "o", "items.csv").set_index(["item", "system"])
    # (i1, A): mean 4, sd 1, t_{0.975, 2} = 4.302652729911275 -> 4 +- 4.3027 / sqrt(3)
    assert items.loc[("i1", "A"), "mos"] == pytest.approx(4.0)
    half = 4.302652729911275 / np.sqrt(3)
    assert items.loc[("i1", "A"), "ci_low"] == pytest.approx(4 - half)
    assert items.loc[("i1", "A"), "ci_high"] == pytest.approx(4 + half)
    # (i2, A): all ratings equal -> zero-width interval
    assert items.loc[("i2", "A"), ["ci_low", "ci_high"]].tolist() == pytest.approx([4.0, 4.0])
    systems = _read(tmp_path / "o", "systems.csv").set_index("system")
    assert systems["mos"].to_dict() == pytest.approx({"A": 4.0, "B": 21 / 9, "C": 12 / 9})
    raters = _read(tmp_path / "o", "raters.csv")
    assert raters["rater"].tolist() == ["r0", "r1", "r2"]
    assert raters["n_ratings"].tolist() == [9, 9, 9] and not raters["excluded"].any()
    summary = json.loads(written["summary.json"].read_text())
    assert summary["screening"] == {"method": "none", "rule": "no screening: every rater kept",
                                    "excluded": [], "flagged": [], "zero_variance": []}
    assert summary["pooling"] is None


def test_auto_screening_and_bad_settings(tmp_path):
    gsvs = read_ratings(None, format="dcr")
    assert resolve_screening(gsvs, "auto") == "p808"
    assert resolve_screening(read_ratings(None, format="mushra"), "auto") == "mushra"
    with pytest.raises(ParameterError, match="unknown screening"):
        summarize(gsvs, tmp_path / "x", screening="bs1116")
    with pytest.raises(ParameterError, match="k=0: must be"):
        compute_summary(gsvs, k=0)
    assert not (tmp_path / "x").exists()


def test_items_csv_goes_straight_into_correlate(gsvs, tmp_path):
    """items.csv + its card + a scores file: `metaeval correlate` correlates only the metric."""
    from scipy.stats import spearmanr
    from typer.testing import CliRunner

    from metaeval.cli import app

    _, out, _ = gsvs
    raw = pd.read_csv(GSVS_FILE)
    scores = raw.rename(columns={"file_id": "item", "model_name": "system"})
    scores[["item", "system", "meta_audiobox_aes_PQ"]].to_csv(tmp_path / "s.csv", index=False)
    result = CliRunner().invoke(app, ["correlate", "--data", str(out / "items.csv"), "--scores",
                                      str(tmp_path / "s.csv"), "--k", "20", "--quiet",
                                      "--format", "csv", "--out", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "c" / "results.csv")
    assert set(table["metric"]) == {"meta_audiobox_aes_PQ"}
    row = table[(table["coefficient"] == "spearman") & (table["level"] == "none")].iloc[0]
    expected = spearmanr(raw["DMOS"], raw["meta_audiobox_aes_PQ"]).statistic
    assert row["statistic"] == pytest.approx(expected)

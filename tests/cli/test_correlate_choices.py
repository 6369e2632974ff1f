"""`metaeval correlate --data-format best-of-n|pairwise` end to end on the real SiSEC 2018
best-of-6 file (the issue's "done when" command), and the refusals of what does not apply."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.provenance import Signature
from tests.correlation.test_preferences_real import METRICS, accuracy_by_hand, pairwise_rows
from tests.report.latex_compile import compile_tex

runner = CliRunner()


@pytest.fixture(scope="module")
def sisec(sisec_dir):
    return sisec_dir


@pytest.fixture(scope="module")
def run(sisec, tmp_path_factory):
    out = tmp_path_factory.mktemp("choices") / "report"
    result = runner.invoke(app, [
        "correlate", "--data-format", "best-of-n", "--data", str(sisec / "ratings_long.csv"),
        "--item", "item", "--system", "system", "--rater", "rater",
        "--scores", str(sisec / "published_scores.csv"), "--k", "200", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_reports_hold_every_statistic(run):
    out, output = run
    for name in ("index.html", "table.tex", "results.csv", "results.json", "per_item.csv",
                 "bradley_terry.csv", "vote_shares.csv"):
        assert (out / name).stat().st_size > 0
    table = pd.read_csv(out / "results.csv")
    expected = {f"pref_acc[{h},{m}]" for h in ("drop", "tie") for m in ("wrong", "half",
                                                                        "epsilon")}
    assert expected | {"top1", "spearman", "kendall_b", "bt_tau"} == set(table["coefficient"])
    assert (table["ci_low"] <= table["statistic"] + 1e-12).all()
    assert (table["statistic"] <= table["ci_high"] + 1e-12).all()
    # pvalue: one-sided, against the chance draws (was NaN everywhere)
    assert table["pvalue"].between(1 / 201, 1).all()
    first = table[(table["coefficient"] == "pref_acc[drop,wrong]") & (table["level"] == "none")]
    assert dict(zip(first["metric"], first["pvalue"]))["SDR_pub"] == 1 / 201
    signature = Signature.parse(json.loads((out / "results.json").read_text())["signature"])
    assert signature.human_ties == ("drop", "tie")
    assert signature.metric_ties == ("wrong", "half", "epsilon")
    assert signature.aggregation == ("pooled", "per-item") and signature.k == 200
    assert "human-ties:drop,tie|metric-ties:wrong,half,epsilon" in output
    assert "Bradley-Terry log-strengths" in output
    html = (out / "index.html").read_text()
    assert "Bradley-Terry strengths" in html and "Per item: spearman" in html
    assert "human ceiling (held-out rater)" in html and "noise ceiling" not in html
    assert r"\textit{human ceiling}" in (out / "table.tex").read_text()


def test_table_tex_has_a_table_per_statistic_and_compiles(run, tmp_path):
    """table.tex had only the primary statistic, and at level system (where only bt_tau is
    computed) an empty table with \\multicolumn{0} that pdflatex refuses."""
    out, _ = run
    tex = (out / "table.tex").read_text()
    table = pd.read_csv(out / "results.csv")
    expected = table[["level", "coefficient"]].drop_duplicates()
    assert len(expected) == (6 + 2) + (6 + 3) + 1
    assert tex.count(r"\begin{tabular}{l") == len(expected) + 1  # and the Bradley-Terry table
    bt = pd.read_csv(out / "bradley_terry.csv").set_index(["source", "system"])
    top = bt.loc["humans"]["rank"].idxmin()
    row = next(line for line in tex.splitlines() if line.startswith(f"{top} & "))
    assert f"${bt.loc[('humans', top), 'strength']:.3f}$ (1)" in row
    assert r"\multicolumn{0}" not in tex and r"{c}{bt\_tau with vote\_share}" in tex
    for level, count in expected["level"].value_counts().items():
        assert tex.count(f"Settings: level {level};") == count
    labels = [line for line in tex.splitlines() if line.startswith(r"\label{")]
    assert len(labels) == len(set(labels)) == len(expected) + 1
    if shutil.which("pdflatex"):
        (tmp_path / "table.tex").write_text(tex)
        compile_tex(tmp_path)


def test_values_equal_hand_and_scipy(sisec, run):
    out, _ = run
    table = pd.read_csv(out / "results.csv").set_index(["coefficient", "level", "metric"])
    votes = pd.read_csv(sisec / "votes.csv")
    rows, scores = pairwise_rows(sisec), pd.read_csv(sisec / "published_scores.csv")
    for metric in METRICS:
        for h in ("drop", "tie"):
            for m in ("wrong", "half", "epsilon"):
                for aggregation, level in (("pooled", "none"), ("per-item", "item")):
                    assert table.loc[(f"pref_acc[{h},{m}]", level, metric), "statistic"] == \
                        pytest.approx(accuracy_by_hand(rows, scores, metric, h, m, aggregation))
        rho = [scipy.stats.spearmanr(s["share"], s[metric]).statistic
               for _, s in votes.groupby("item")]
        assert table.loc[("spearman", "item", metric), "statistic"] == pytest.approx(
            np.mean(rho))
    per_item = pd.read_csv(out / "per_item.csv")
    assert set(per_item["coefficient"]) >= {"top1", "spearman", "kendall_b"}
    assert len(per_item[(per_item["coefficient"] == "spearman")]) == 13 * 2


def test_bradley_terry_rankings(run):
    out, _ = run
    bt = pd.read_csv(out / "bradley_terry.csv")
    humans = bt[bt["source"] == "humans"].set_index("system")
    assert humans["strength"].sum() == pytest.approx(0.0, abs=1e-9)
    assert humans["rank"].idxmin() == "TAU1"  # most picked: 177 of 442 pages
    assert (humans["ci_low"] <= humans["strength"]).all()


@pytest.mark.parametrize("extra,message", [
    (["--coef", "pearson"], "--coef"),
    (["--ci-method", "bca"], "--ci-method bca: choice statistics have percentile"),
    (["--resample", "systems"], "--resample systems"),
    (["--human-ties", "ignore"], "--human-ties: unknown human-tie policy 'ignore'"),
    (["--bt-prior", "-1"], "--bt-prior -1"),
    (["--group-by", "item"], "--group-by item: applies to rating tables"),
    (["--human", "x"], "--human x: does not apply to choice data"),
])
def test_what_does_not_apply_is_refused(sisec, tmp_path, extra, message):
    result = runner.invoke(app, [
        "correlate", "--data-format", "best-of-n", "--data", str(sisec / "ratings_long.csv"),
        "--scores", str(sisec / "published_scores.csv"), "--k", "0", "--out",
        str(tmp_path / "r"), *extra])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "r" / "results.csv").exists()


def test_choice_columns_need_a_choice_format(tmp_path):
    data = tmp_path / "t.csv"
    data.write_text("item,system,human,m\na,x,1,2\n", encoding="utf-8")
    result = runner.invoke(app, ["correlate", "--data", str(data), "--picked", "p"])
    assert result.exit_code == 2
    assert "--picked: applies to --data-format pairwise or best-of-n" in result.output


def test_pairwise_file_end_to_end(sisec, tmp_path):
    path = tmp_path / "pairs.csv"
    pairwise_rows(sisec).rename(columns={"winner": "choice"}).to_csv(path, index=False)
    out = tmp_path / "r"
    result = runner.invoke(app, [
        "correlate", "--data-format", "pairwise", "--data", str(path), "--winner", "choice",
        "--scores", str(sisec / "published_scores.csv"), "--k", "0", "--metric-ties", "half",
        "--human-ties", "tie", "--aggregation", "pooled", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "results.csv")
    assert set(table["coefficient"]) == {"pref_acc[tie,half]", "bt_tau"}
    expected = accuracy_by_hand(pairwise_rows(sisec), pd.read_csv(
        sisec / "published_scores.csv"), "SDR_pub", "tie", "half", "pooled")
    row = table[(table["coefficient"] == "pref_acc[tie,half]") & (table["metric"] == "SDR_pub")]
    assert float(row["statistic"].iloc[0]) == pytest.approx(expected)


def test_several_score_files_are_merged_and_csvs_name_the_human(sisec, run, tmp_path):
    """--scores repeated (main's merged score files) works for choices as for ratings: the
    metrics of two files give the values of the one file; the choice CSVs of the one report
    folder start with the ``human`` column, as every CSV of a report does, and per_item.csv
    has the columns of a rating run's --per-item."""
    scores = pd.read_csv(sisec / "published_scores.csv")
    parts = []
    for metric in METRICS:
        parts.append(tmp_path / f"{metric}.csv")
        scores[["item", "system", metric]].to_csv(parts[-1], index=False)
    out = tmp_path / "r"
    result = runner.invoke(app, [
        "correlate", "--data-format", "best-of-n", "--data", str(sisec / "ratings_long.csv"),
        "--scores", str(parts[0]), "--scores", str(parts[1]), "--k", "200", "--out", str(out),
        "--quiet"])
    assert result.exit_code == 0, result.output
    merged, single = pd.read_csv(out / "results.csv"), pd.read_csv(run[0] / "results.csv")
    keys = ["coefficient", "level", "metric"]
    values = ["statistic", "ci_low", "ci_high", "cluster", "ceiling"]
    assert len(merged) == len(single) == 36  # 2 metrics x 18 statistic-levels
    pd.testing.assert_frame_equal(merged.sort_values(keys)[keys + values].reset_index(drop=True),
                                  single.sort_values(keys)[keys + values].reset_index(drop=True))
    for name in ("per_item.csv", "bradley_terry.csv", "vote_shares.csv"):
        table = pd.read_csv(out / name)
        assert list(table.columns)[0] == "human" and set(table["human"]) == {"vote_share"}
    # per_item.csv in the columns of a rating run's --per-item (one vocabulary, one file)
    per_item = pd.read_csv(out / "per_item.csv")
    assert list(per_item.columns) == ["human", "group", "level", "coefficient", "metric",
                                      "display_name", "unit", "statistic"]
    assert set(per_item["level"]) == {"item"} and set(per_item["group"]) == {"all"}
    votes = pd.read_csv(sisec / "votes.csv")
    rho = {item: scipy.stats.spearmanr(s["share"], s["SDR_pub"]).statistic
           for item, s in votes.groupby("item")}
    mine = per_item[(per_item["coefficient"] == "spearman") & (per_item["metric"] == "SDR_pub")]
    assert dict(zip(mine["unit"], mine["statistic"])) == pytest.approx(rho)

"""`metaeval correlate --data-format mtme`: on the real WMT22 zh-en evalset every value of
mt-metrics-eval's reference JSON through the CLI (protocols wmt22, wmt23, wmt24 and a plain run,
k=0), the WMT23/WMT24-style averages, `metaeval.run` equal to the CLI; on small evalsets of our
own: several language pairs, a user's metric, significance and the errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import metaeval
from metaeval.cli import app
from metaeval.correlation.sources import EvalSetData
from metaeval.correlation.taskset import Task
from metaeval.data.mtme import load_evalset
from metaeval.provenance import Signature
from tests.data.mtme_builder import write_evalset

runner = CliRunner()
LP = "zh-en"
PLAIN = ["--coef", "pearson,pdp", "--level", "item"]
# reference task -> (run, task name in results.csv)
REFERENCE_TASKS = {
    "sys_pearson": ("wmt22", "coef=pearson;level=system;group=zh-en;gold=mqm;table=system"),
    "sys_accuracy": ("wmt22", "coef=pairwise_acc;level=system;group=zh-en;gold=mqm;table=system"),
    "seg_kendall_none": ("wmt22", "coef=kendall_b;level=none;group=zh-en;gold=mqm;table=cells"),
    "seg_pearson_none": ("wmt23", "coef=pearson;level=none;group=zh-en;gold=mqm;table=cells"),
    "seg_acc_eq_item": ("wmt24", "coef=acc23_tiecal;level=item;group=zh-en;gold=mqm;table=cells"),
    "sys_spa": ("wmt24", "coef=spa;level=system;group=zh-en;gold=mqm;table=cells"),
    "seg_pearson_item": ("plain", "coef=pearson;level=item;group=zh-en;gold=mqm;table=cells"),
    "seg_pdp_item": ("plain", "coef=pdp;level=item;group=zh-en;gold=mqm;table=cells"),
}
# SPA's permutation counts are exact, its mean over 105 pairs may round 1 ulp apart; acc_eq is
# checked on its exact pair counts (below), its mean of 1,875 per-item values rounds differently
TOLERANCE = {"sys_spa": 2.5e-16, "seg_acc_eq_item": 1e-13}
PAIRS = 1875 * 105  # acc_eq: every segment has all 15 systems rated, 105 pairs each


@pytest.fixture(scope="module")
def wmt22_folder(datasets_dir):
    folder = datasets_dir / "wmt22_zhen_mtme" / "wmt22"
    if not folder.is_dir():
        pytest.skip("WMT22 zh-en evalset absent")
    return folder


@pytest.fixture(scope="module")
def cli_runs(wmt22_folder, tmp_path_factory):
    """results.csv, averages.csv and results.json of each run (k=0)."""
    runs = {}
    for name in ("wmt22", "wmt23", "wmt24", "plain"):
        out = tmp_path_factory.mktemp(name)
        chosen = PLAIN if name == "plain" else ["--protocol", name]
        result = runner.invoke(app, ["correlate", "--data-format", "mtme", "--data",
                                     str(wmt22_folder), "--lp", LP, *chosen, "--k", "0",
                                     "--out", str(out), "--quiet"])
        assert result.exit_code == 0, result.output
        runs[name] = {"results": pd.read_csv(out / "results.csv"),
                      "json": json.loads((out / "results.json").read_text()),
                      "averages": (pd.read_csv(out / "averages.csv")
                                   if (out / "averages.csv").exists() else None)}
    return runs


@pytest.mark.slow
@pytest.mark.parametrize("task", sorted(REFERENCE_TASKS))
def test_every_reference_value_through_the_cli(cli_runs, mtme_wmt22, task):
    run_name, task_name = REFERENCE_TASKS[task]
    table = cli_runs[run_name]["results"]
    rows = table[table["task"] == task_name].set_index("metric")
    expected = mtme_wmt22["tasks"][task]["values"]
    assert sorted(rows.index) == sorted(expected)
    for metric, value in expected.items():
        assert abs(rows.loc[metric, "statistic"] - value) <= TOLERANCE.get(task, 1e-12), \
            (task, metric, rows.loc[metric, "statistic"], value)
    assert rows["ci_low"].isna().all() and rows["cluster"].isna().all()  # k=0: point values
    if task == "seg_acc_eq_item":  # the same count of pairs judged right, to the pair
        for metric, value in expected.items():
            got = rows.loc[metric, "statistic"] * PAIRS
            assert abs(got - round(got)) < 1e-6 and round(got) == round(value * PAIRS), metric


@pytest.mark.slow
@pytest.mark.parametrize(("run_name", "key"), [("wmt23", "wmt23_style_average"),
                                               ("wmt24", "wmt24_style_average")])
def test_the_wmt_style_averages(cli_runs, mtme_wmt22, run_name, key):
    averages = cli_runs[run_name]["averages"]
    assert list(averages.columns[:5]) == ["human", "metric", "average", "rank", "cluster"]
    got = dict(zip(averages["metric"], averages["average"]))
    expected = mtme_wmt22[key]["values"]
    assert sorted(got) == sorted(expected)
    for metric, value in expected.items():
        assert abs(got[metric] - value) <= 1e-12, (metric, got[metric], value)
    assert list(averages["average"]) == sorted(averages["average"], reverse=True)


@pytest.mark.slow
def test_the_signature_names_every_task_and_says_k_0(cli_runs):
    signature = Signature.parse(cli_runs["wmt24"]["json"]["signature"])
    tasks = set(cli_runs["wmt24"]["results"]["task"])
    assert signature.protocol == "wmt24" and set(signature.tasks) == tasks
    assert [Task.parse(n).name for n in signature.tasks] == list(signature.tasks)
    assert signature.k == 0 and signature.significance == "n/a" and signature.alpha == "n/a"
    assert signature.sys_scores == "seg-mean:" + ",".join(sorted(
        cli_runs["wmt24"]["results"]["metric"].unique()))


@pytest.mark.slow
def test_python_run_equals_the_cli(cli_runs, wmt22_folder):
    result = metaeval.run(load_evalset(wmt22_folder, LP), "wmt24", k=0)
    cli = cli_runs["wmt24"]
    assert str(result.signature) == cli["json"]["signature"]
    merged = result.table.merge(cli["results"], on=["task", "metric"], suffixes=("", "_cli"))
    assert len(merged) == len(result.table) == len(cli["results"])
    np.testing.assert_array_equal(merged["statistic"], merged["statistic_cli"])
    np.testing.assert_array_equal(result.averages["average"], cli["averages"]["average"])


# --- small evalsets of our own -------------------------------------------------------------

def _correlate(folder, *args):
    return runner.invoke(app, ["correlate", "--data-format", "mtme", "--data", str(folder),
                               "--quiet", *args])


def _two_pairs(tmp_path):
    write_evalset(tmp_path, "de-en", segments=8, systems=("A", "B", "C", "D"), seed=1)
    return write_evalset(tmp_path, "zh-en", segments=8, systems=("A", "B", "E"), seed=2)


def test_global_accuracy_over_language_pairs_and_the_wmt23_weights(tmp_path):
    folder = _two_pairs(tmp_path)
    out = tmp_path / "out"
    result = _correlate(folder, "--lp", "de-en,zh-en", "--protocol", "wmt23", "--k", "0",
                        "--out", str(out))
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "results.csv")
    pooled = table[table["group"] == "all"].set_index("metric")["statistic"]
    agree = total = 0
    expected = {}
    for metric in pooled.index:  # pairs of systems within each language pair, pooled
        agree = total = 0
        for lp in ("de-en", "zh-en"):
            js = load_evalset(folder, lp).judgements(level="sys")
            gold, scores, _, _ = js.matrices([metric])
            g, m = gold[:, 0], scores[0, :, 0]
            for a in range(len(g)):
                for b in range(a + 1, len(g)):
                    total += 1
                    agree += np.sign(g[a] - g[b]) == np.sign(m[a] - m[b])
        expected[metric] = agree / total
    assert total == 10 + 6  # 5 systems (refB included) in de-en, 4 in zh-en
    for metric, value in expected.items():
        assert pooled[metric] == pytest.approx(value, abs=1e-15)
    signature = Signature.parse(json.loads((out / "results.json").read_text())["signature"])
    assert signature.weights == (0.25,) + (0.125,) * 6  # MTME WMT23: pairs of lps, then 1 each
    assert len(signature.tasks) == 7 and signature.protocol == "wmt23"


def test_a_users_metric_scored_on_the_evalset_texts_joins_the_table(tmp_path):
    pytest.importorskip("sacrebleu")
    folder = write_evalset(tmp_path, "de-en", segments=6)
    manifest, scores, out = tmp_path / "texts.jsonl", tmp_path / "mine.csv", tmp_path / "out"
    made = runner.invoke(app, ["data", "texts", "--data", str(folder), "--lp", "de-en", "--out",
                               str(manifest)])
    assert made.exit_code == 0, made.output
    rows = [json.loads(line) for line in manifest.read_text().splitlines()]
    assert len(rows) == 6 * 4 and {r["system"] for r in rows} == {"A", "B", "C", "refB"}
    assert rows[0]["reference"] == ["refA says 0 (de-en)"] and rows[0]["item"] == "1"
    scored = runner.invoke(app, ["score", "--manifest", str(manifest), "--metrics", "chrf",
                                 "--out", str(scores)])
    assert scored.exit_code == 0, scored.output
    result = _correlate(folder, "--lp", "de-en", "--scores", str(scores), "--coef", "pearson",
                        "--level", "none", "--k", "0", "--out", str(out))
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "results.csv").set_index("metric")
    js = load_evalset(folder, "de-en").judgements()
    gold, _, systems, items = js.matrices([])
    chrf = pd.read_csv(scores, dtype={"item": str}).set_index(["system", "item"])["chrf"]
    mine = np.array([[chrf[(s, i)] for i in items] for s in systems])
    assert table.loc["chrf", "statistic"] == pytest.approx(
        np.corrcoef(gold.ravel(), mine.ravel())[0, 1], abs=1e-12)
    signature = json.loads((out / "results.json").read_text())["signature"]
    assert "chrf{chrf@" in signature  # the metric's config signature


def test_significance_clusters_and_the_significance_of_the_average(tmp_path):
    folder = write_evalset(tmp_path, "de-en", segments=30, systems=("A", "B", "C", "D", "E"))
    out = tmp_path / "out"
    result = _correlate(folder, "--lp", "de-en", "--protocol", "wmt24", "--k", "50", "--out",
                        str(out))
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "results.csv")
    assert table["cluster"].notna().all() and table["ci_low"].notna().all()
    averages = pd.read_csv(out / "averages.csv")
    assert list(averages.columns) == ["human", "metric", "average", "rank", "cluster",
                                      "pvalue_next"]
    assert averages["cluster"].notna().all() and averages["pvalue_next"].iloc[:-1].between(0, 1).all()
    html = (out / "index.html").read_text()
    assert 'id="taskset-table"' in html and "COMET-refA" not in html


@pytest.mark.parametrize(("args", "message"), [
    (["--protocol", "wmt24"], "give the language pair(s) of the evalset"),
    (["--lp", "xx-yy"], "no source file xx-yy.txt or xx-yy.jsonl Fix: give the evalset folder "
                        "of mt-metrics-eval's layout (ROOT/<testset>) and a language pair it "
                        "has (--lp; here: de-en)."),
    (["--lp", "de-en", "--gold", "da"], "--gold da: no seg-level human scores of that name"),
    (["--lp", "de-en", "--ref", "refC"], "not a reference of de-en"),
    (["--lp", "de-en", "--protocol", "wmt99"], "'wmt99' is not one of 'wmt22', 'wmt23'"),
])
def test_bad_input_is_one_line_naming_what_to_fix(tmp_path, args, message):
    folder = write_evalset(tmp_path, "de-en")
    result = _correlate(folder, *args, "--k", "0", "--out", str(tmp_path / "out"))
    assert result.exit_code != 0 and message in result.output, result.output
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_a_wmt_task_set_needs_evalsets(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"item": ["1", "1", "2", "2"], "system": ["a", "b", "a", "b"],
                  "h": [1, 2, 3, 4], "m": [1, 3, 2, 4]}).to_csv(path, index=False)
    result = runner.invoke(app, ["correlate", "--data", str(path), "--item", "item", "--system",
                                 "system", "--human", "h", "--protocol", "wmt24"])
    assert result.exit_code != 0 and "is a task set over language pairs" in result.output
    with pytest.raises(metaeval.ParameterError, match="is a task set over language pairs"):
        metaeval.run(metaeval.load_table(path, item="item", system="system", human="h"),
                     "wmt24")


def test_a_protocol_with_settings_is_refused_in_python(tmp_path):
    evs = load_evalset(write_evalset(tmp_path, "de-en"), "de-en")
    with pytest.raises(metaeval.ParameterError, match="given together with a protocol"):
        metaeval.run(evs, "wmt24", settings=metaeval.Settings(k=0))


def test_a_users_scores_with_a_failed_cell_name_the_file_and_row(tmp_path):
    folder = write_evalset(tmp_path, "de-en", segments=4)
    scores = tmp_path / "mine.csv"
    frame = load_evalset(folder, "de-en").text_frame()[["item", "system"]]
    frame["mine"] = np.arange(len(frame), dtype=float)
    frame.loc[5, "mine"] = np.nan
    frame["errors"] = ["" if i != 5 else "mine: empty hypothesis" for i in range(len(frame))]
    frame.to_csv(scores, index=False)
    result = _correlate(folder, "--lp", "de-en", "--scores", str(scores), "--k", "0", "--out",
                        str(tmp_path / "out"))
    assert result.exit_code != 0
    assert f"{scores}, row 7, column 'mine': no score (mine: empty hypothesis" in result.output
    dropped = _correlate(folder, "--lp", "de-en", "--scores", str(scores), "--k", "0",
                         "--missing", "drop", "--out", str(tmp_path / "out"))
    assert dropped.exit_code == 0, dropped.output


def test_the_evalset_options_equal_their_python_fields(tmp_path):
    folder = write_evalset(tmp_path, "de-en", segments=10, systems=("A", "B", "C", "D"))
    out = tmp_path / "out"
    result = _correlate(folder, "--lp", "de-en", "--no-human-outputs", "--exclude-systems", "C",
                        "--ref", "refA", "--gold", "mqm", "--coef", "pearson,kendall_b",
                        "--level", "item,system", "--k", "30", "--out", str(out))
    assert result.exit_code == 0, result.output
    source = EvalSetData({"de-en": load_evalset(folder, "de-en")}, gold="mqm", ref="refA",
                         include_human=False, exclude=("C",))
    python = metaeval.run(source, coefficients=("pearson", "kendall_b"),
                          levels=("item", "system"), k=30)
    assert str(python.signature) == json.loads((out / "results.json").read_text())["signature"]
    cli = pd.read_csv(out / "results.csv")
    merged = python.table.merge(cli, on=["task", "metric"], suffixes=("", "_cli"))
    assert len(merged) == len(cli) == 2 * 2 * 3  # 2 levels x 2 coefficients x 3 metrics
    np.testing.assert_array_equal(merged["statistic"], merged["statistic_cli"])
    np.testing.assert_array_equal(merged["ci_low"], merged["ci_low_cli"])
    assert set(python.points["system"]) == {"A", "B", "D"}  # refB and C left out


def test_an_evalset_without_a_protocol_runs_wmts_levels_in_python_and_the_cli(tmp_path):
    folder = write_evalset(tmp_path, "de-en", segments=8)
    out = tmp_path / "out"
    assert _correlate(folder, "--lp", "de-en", "--k", "0", "--out", str(out)).exit_code == 0
    python = metaeval.run(load_evalset(folder, "de-en"), k=0)
    cli = pd.read_csv(out / "results.csv")
    assert set(python.table["level"]) == set(cli["level"]) == {"item", "none", "system"}
    assert set(python.table["coefficient"]) == {"pearson", "kendall_b"}
    assert str(python.signature) == json.loads((out / "results.json").read_text())["signature"]


def test_the_disagreement_tables_show_the_evalset_texts(tmp_path):
    folder = write_evalset(tmp_path, "de-en", segments=8)
    out = tmp_path / "out"
    assert _correlate(folder, "--lp", "de-en", "--k", "0", "--out", str(out)).exit_code == 0
    html = (out / "index.html").read_text()
    section = html[html.index('id="rank-gaps"'):]
    assert "source says" in section and "refA says" in section  # source and reference texts


@pytest.mark.parametrize(("option", "message"), [
    (["--mqm-weights", "major=10"], "no per-error rows to weigh"),
    (["--empty-output", "zero"], "metaeval score --empty-output")])
def test_options_for_data_scored_here_are_refused_for_an_evalset(wmt22_folder, tmp_path, option,
                                                                  message):
    result = runner.invoke(app, ["correlate", "--data-format", "mtme", "--data",
                                 str(wmt22_folder), "--lp", "zh-en", *option, "--k", "0",
                                 "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "o").exists()

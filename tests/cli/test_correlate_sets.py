"""`metaeval correlate` over several judgement sets (repeated --data, a folder of carded tables)
and `--meta-by` on the bundled audio set: per-set reports, the meta-analysis section, and
combined numbers equal to a hand DerSimonian-Laird / REML computation on the per-set r and n."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from metaeval import load_gensvs
from metaeval.cli import app
from metaeval.correlation.humans import human_payload
from tests.meta_by_hand import random_effects_by_hand
from tests.report.latex_compile import compile_tex, needs_pdflatex

OPTIONS = ["--coef", "pearson", "--k", "100", "--seed", "3"]
RUN = [*OPTIONS, "--format", "html,json,csv"]


def _write_set(folder, name, frame, metrics, lower=()):
    """One real table (a GSVS split) with its card."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    frame[["item", "system", "DMOS", *metrics]].to_csv(path, index=False)
    card = {"name": name, "item": "item", "system": "system", "human": "DMOS",
            "metrics": list(metrics), "lower_is_better": list(lower)}
    (folder / f"{name}.csv.yaml").write_text(yaml.safe_dump(card))
    return path


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """The discriminative and generative systems of GSVS as two carded tables; only the second
    has visqol (a metric in one set of two)."""
    table = load_gensvs().table
    folder = tmp_path_factory.mktemp("sets")
    a = _write_set(folder, "disc", table[table["model_type"] == "discriminative"],
                   ["sdr", "multi_res_loss", "pam"], ["multi_res_loss"])
    b = _write_set(folder, "gen", table[table["model_type"] == "generative"],
                   ["sdr", "multi_res_loss", "pam", "visqol"], ["multi_res_loss"])
    return folder, a, b


@pytest.fixture(scope="module")
def combined(tables, tmp_path_factory):
    folder, a, b = tables
    out = tmp_path_factory.mktemp("combined") / "report"
    result = CliRunner().invoke(app, ["correlate", "--data", str(a), "--data", str(b),
                                      "--out", str(out), *OPTIONS, "--format",
                                      "html,json,csv,latex"])
    assert result.exit_code == 0, result.output
    return out, result.output


def _per_set(out, name):
    payload = human_payload(json.loads((out / name / "results.json").read_text()))
    rows = {r["metric"]: r for r in payload["results"] if r["group"] == "all"}
    return payload, rows


def test_two_sets_give_per_set_reports_and_the_hand_meta_analysis(combined):
    out, output = combined
    record = json.loads((out / "results.json").read_text())
    meta = record["meta"]
    assert [s["name"] for s in record["sets"]] == ["disc", "gen"]
    disc, gen = _per_set(out, "disc"), _per_set(out, "gen")
    rows = {r["metric"]: r for r in meta["metrics"]}
    for metric in ("sdr", "multi_res_loss", "pam"):
        r = [disc[1][metric]["statistic"], gen[1][metric]["statistic"]]
        n = [disc[1][metric]["n"], gen[1][metric]["n"]]
        assert n == [150, 100]  # 3 and 2 systems x 50 items
        want = random_effects_by_hand(r, n)
        got = rows[metric]
        for key in ("pooled", "ci_low", "ci_high", "tau2", "q", "i2"):
            assert got[key] == pytest.approx(want[key], abs=1e-10), (metric, key)
        assert got["average"] == pytest.approx(sum(r) / 2)
        assert got["per_set"]["gen"]["statistic"] == pytest.approx(r[1])
    # the average's p from the stored draws of each set, by hand
    draws = {name: dict(zip(p["draws"]["metrics"], np.asarray(p["draws"]["draws"])))
             for name, (p, _) in (("disc", disc), ("gen", gen))}
    avg = {m: (draws["disc"][m] + draws["gen"][m]) / 2 for m in ("sdr", "pam")}
    order = meta["pairwise_p"]["metrics"]
    p = meta["pairwise_p"]["p"][order.index("sdr")][order.index("pam")]
    assert p == pytest.approx(((avg["sdr"] - avg["pam"] <= 0).sum() + 1) / 101)
    assert "meta-analysis: pearson" in output and "signature:" in output


def test_reml_matches_the_restricted_likelihood_maximum(tables, combined, tmp_path):
    out, _ = combined
    _, a, b = tables
    reml = tmp_path / "reml"
    result = CliRunner().invoke(app, ["correlate", "--data", str(a), "--data", str(b),
                                      "--meta-method", "reml", "--out", str(reml), *RUN])
    assert result.exit_code == 0, result.output
    meta = json.loads((reml / "results.json").read_text())["meta"]
    assert "REML" in meta["method"]
    disc, gen = _per_set(out, "disc")[1], _per_set(out, "gen")[1]
    for row in meta["metrics"]:
        if not row["in_every_set"]:
            continue
        m = row["metric"]
        want = random_effects_by_hand([disc[m]["statistic"], gen[m]["statistic"]], [disc[m]["n"], gen[m]["n"]], "reml")
        assert row["tau2"] == pytest.approx(want["tau2"], abs=1e-7)
        assert row["pooled"] == pytest.approx(want["pooled"], abs=1e-6)
    dl = json.loads((out / "results.json").read_text())["signature"]
    again = json.loads((reml / "results.json").read_text())["signature"]
    assert "meta:dl" in dl and "meta:reml" in again and "sets:disc@" in dl


def test_a_metric_in_one_set_is_kept_and_marked(combined):
    out, _ = combined
    meta = json.loads((out / "results.json").read_text())["meta"]
    visqol = next(r for r in meta["metrics"] if r["metric"] == "visqol")
    _, gen = _per_set(out, "gen")
    assert visqol["in_every_set"] is False and visqol["n_sets"] == 1
    assert list(visqol["per_set"]) == ["gen"]
    assert visqol["pooled"] == pytest.approx(gen["visqol"]["statistic"], abs=1e-12)
    assert visqol["average"] is None and visqol["average_cluster"] is None
    assert meta["metrics"][-1]["metric"] == "visqol"  # after the ranked metrics
    assert any("visqol is in 1 of 2 sets" in line for line in meta["notes"])
    html = (out / "index.html").read_text()
    assert "Meta-analysis across test sets" in html and "Per-set results" in html
    assert "(in 1 of 2 sets)" in html and 'href="disc/index.html"' in html
    assert (out / "disc" / "index.html").is_file() and (out / "gen" / "results.csv").is_file()
    assert "pooled" in (out / "meta.csv").read_text().splitlines()[0]


def test_a_folder_of_carded_tables_is_the_same_run(tables, combined, tmp_path):
    folder, _, _ = tables
    out = tmp_path / "folder"
    result = CliRunner().invoke(app, ["correlate", "--data", str(folder), "--out", str(out),
                                      *RUN])
    assert result.exit_code == 0, result.output
    a = json.loads((out / "results.json").read_text())
    b = json.loads((combined[0] / "results.json").read_text())
    assert a["signature"] == b["signature"] and a["meta"]["metrics"] == b["meta"]["metrics"]
    single = tmp_path / "one"
    single.mkdir()
    (single / "x.csv").write_text((folder / "disc.csv").read_text())
    (single / "x.csv.yaml").write_text((folder / "disc.csv.yaml").read_text())
    one = CliRunner().invoke(app, ["correlate", "--data", str(single), *RUN])
    assert one.exit_code == 2 and "needs two or more" in one.output


def test_a_bad_set_fails_before_any_set_is_computed(tables, tmp_path, monkeypatch):
    _, a, b = tables
    calls = []
    monkeypatch.setattr("metaeval.cli.running.run",
                        lambda *args, **kw: calls.append(1))
    bad = tmp_path / "bad.csv"
    bad.write_text("item,system,DMOS,sdr\nx,y,not-a-number,1\n")
    (tmp_path / "bad.csv.yaml").write_text("name: bad\nitem: item\nsystem: system\n"
                                           "human: DMOS\ncolour: red\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["correlate", "--data", str(a), "--data", str(b),
                                      "--data", str(bad), "--out", str(out), *RUN])
    assert result.exit_code != 0 and "bad.csv.yaml" in result.output
    assert "colour" in result.output and len(result.output.strip().splitlines()) == 1
    # a metric asked for that the third set lacks: named with its file, still nothing computed
    result = CliRunner().invoke(app, ["correlate", "--data", str(a), "--data", str(b),
                                      "--metrics", "sdr,visqol", "--out", str(out), *RUN])
    assert result.exit_code == 1 and "disc.csv" in result.output and "visqol" in result.output
    assert calls == [] and not out.exists()


def test_audio_meta_by_report_has_the_section(tmp_path):
    out = tmp_path / "audio"
    result = CliRunner().invoke(app, ["correlate", "--domain", "audio", "--meta-by",
                                      "model_type", "--metrics", "sdr,multi_res_loss,pam,visqol",
                                      "--out", str(out), *RUN])
    assert result.exit_code == 0, result.output
    html = (out / "index.html").read_text()
    assert "Meta-analysis across test sets (subsets of one study: model_type)" in html
    record = human_payload(json.loads((out / "results.json").read_text()))
    meta = record["meta"]
    assert meta["meta_by"] == "model_type" and [s["name"] for s in meta["sets"]] == [
        "discriminative", "generative"]
    assert "meta-by:model_type" in record["signature"] and "meta:dl" in record["signature"]
    groups = {(r["group"], r["metric"]): r for r in record["results"]
              if r["coefficient"] == "pearson"}
    for row in meta["metrics"]:
        m = row["metric"]
        r = [groups[("discriminative", m)]["statistic"], groups[("generative", m)]["statistic"]]
        n = [groups[("discriminative", m)]["n"], groups[("generative", m)]["n"]]
        assert row["pooled"] == pytest.approx(random_effects_by_hand(r, n)["pooled"], abs=1e-10)
        assert row["i2"] == pytest.approx(random_effects_by_hand(r, n)["i2"], abs=1e-10)
    assert any("not independent samples" in line for line in meta["notes"])
    assert "group_draws" not in record  # stored only with --keep-draws


def _body(tex: str, table: int = 0) -> list[str]:
    """The body rows of the ``table``-th table of a table.tex."""
    part = tex.split("\\begin{table", table + 1)[table + 1]
    return part.split("\\midrule\n", 1)[1].split("\\bottomrule", 1)[0].strip().splitlines()


def test_multiset_table_tex_lists_the_meta_analysis(combined):
    out, output = combined
    tex = (out / "table.tex").read_text()
    record = json.loads((out / "results.json").read_text())
    assert tex.startswith(f"% metaeval signature: {record['signature']}\n")
    assert ("Metric & Pooled & $\\tau^2$ & $I^2$ & $Q$ ($p$) & {\\scriptsize disc} & "
            "{\\scriptsize gen} & Average & Cluster" in tex)  # compact: small set names
    rows = _body(tex)
    metrics = record["meta"]["metrics"]
    names = {"multi_res_loss": "multi\\_res\\_loss$^\\dagger$", "visqol": "visqol"}
    assert [r.split(" & ")[0].split(" {")[0] for r in rows] == [
        names.get(m["metric"], m["metric"]) for m in metrics]  # no card labels: the columns
    assert all(len(r.split(" & ")) == 9 for r in rows)
    visqol = next(r for r in metrics if r["metric"] == "visqol")
    assert rows[-1].startswith("visqol {\\scriptsize (in 1 of 2 sets)}")
    assert "\\textit{absent}" in rows[-1] and f"${visqol['pooled']:.3f}$" in rows[-1]
    assert (out / "disc" / "table.tex").is_file() and f"latex: {out / 'table.tex'}" in output


@needs_pdflatex
def test_multiset_table_tex_compiles(combined, tmp_path):
    (tmp_path / "table.tex").write_text((combined[0] / "table.tex").read_text())
    compile_tex(tmp_path)


@pytest.fixture(scope="module")
def meta_by_draws(tmp_path_factory):
    """--meta-by model_type with --keep-draws (JSON and LaTeX reports)."""
    out = tmp_path_factory.mktemp("meta_by") / "audio"
    result = CliRunner().invoke(app, [
        "correlate", "--domain", "audio", "--meta-by", "model_type", "--metrics",
        "sdr,multi_res_loss,pam,visqol", "--keep-draws", "--out", str(out), *OPTIONS,
        "--format", "json,latex"])
    assert result.exit_code == 0, result.output
    return out, human_payload(json.loads((out / "results.json").read_text()))


def test_meta_by_keep_draws_stores_each_subset_s_draws(meta_by_draws):
    _, record = meta_by_draws
    stored = record["group_draws"]
    assert [d["group"] for d in stored] == ["discriminative", "generative"]
    assert set(stored[0]) == set(record["draws"])  # the form `metaeval meta` reads
    for entry in stored:  # the draws behind each subset's reported CI
        rows = {r["metric"]: r for r in record["results"] if r["group"] == entry["group"]
                and r["coefficient"] == "pearson"}
        draws = np.asarray(entry["draws"])
        assert draws.shape == (4, 100)
        for metric, d in zip(entry["metrics"], draws):
            assert np.quantile(d, [0.025, 0.975]) == pytest.approx(
                [rows[metric]["ci_low"], rows[metric]["ci_high"]], abs=1e-12)


def test_metaeval_meta_recombines_the_subsets_exactly(meta_by_draws, tmp_path):
    out, record = meta_by_draws
    again = CliRunner().invoke(app, ["meta", str(out / "results.json"), "--out",
                                     str(tmp_path / "m")])
    assert again.exit_code == 0, again.output
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    section = record["meta"]
    assert meta["pairwise_p"] == section["pairwise_p"]  # exactly, not approximately
    assert np.isfinite(np.asarray(meta["pairwise_p"]["p"], float)).sum() == 12
    keys = ("metric", "average", "average_cluster", "pooled", "tau2")
    assert [[r[k] for k in keys] for r in meta["metrics"]] == [
        [r[k] for k in keys] for r in section["metrics"]]
    assert [s["name"] for s in meta["sets"]] == ["discriminative", "generative"]
    assert all(s["draws"] for s in meta["sets"])


def test_meta_by_table_tex_has_the_meta_table_second(meta_by_draws):
    out, record = meta_by_draws
    tex = (out / "table.tex").read_text()
    assert tex.count("\\begin{table}") == 2 and tex.count("% metaeval signature:") == 2
    assert "subsets of one study" in tex.split("\\begin{table}")[2]
    rows = _body(tex, 1)
    first = record["meta"]["metrics"][0]
    assert rows[0].startswith("L\\_MR$^\\dagger$") and first["metric"] == "multi_res_loss"
    assert f"$\\mathbf{{{first['average']:.3f}}}$ & 1 \\\\" in rows[0]


@needs_pdflatex
def test_meta_by_table_tex_compiles_and_fits_the_column(meta_by_draws):
    log = compile_tex(meta_by_draws[0])
    assert "Overfull \\hbox" not in log  # compact layout, 2 subsets: 9 columns fit


def test_meta_by_is_checked_before_computing(tmp_path):
    runner = CliRunner()
    bad = runner.invoke(app, ["correlate", "--domain", "audio", "--meta-by", "colour", *RUN])
    assert bad.exit_code == 2 and "--meta-by colour: not a column" in bad.output
    clash = runner.invoke(app, ["correlate", "--domain", "audio", "--meta-by", "model_type",
                                "--group-by", "group_id", *RUN])
    assert clash.exit_code == 2 and "--group-by is group_id" in clash.output

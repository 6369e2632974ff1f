"""Meta-analysis over two GSVS test sets (discriminative / generative systems as two sets):
stored draws are those of the reported CIs, pooling and average follow the stored numbers,
`metaeval meta` combines results.json files."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from metaeval import correlate, load_gensvs
from metaeval.cli import app
from metaeval.correlation import Settings
from metaeval.correlation.meta import meta_analysis, result_draws, set_summary
from metaeval.errors import ParameterError
from metaeval.report import write_reports
from metaeval.stats.meta import dersimonian_laird, fisher_variance, fisher_z

METRICS = ["sdr", "multi_res_loss", "emb_mse_clap_music_df", "pam"]
SETTINGS = Settings(coefficients=("pearson",), k=100, seed=1, chance=False, ceiling=False,
                    significance="none")


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    js = load_gensvs()
    out = {}
    for name in ("discriminative", "generative"):
        part = js.subset("model_type", name)
        result = correlate(part, metrics=METRICS, settings=SETTINGS)
        result.draws = result_draws(result, part, SETTINGS)
        folder = tmp_path_factory.mktemp(name)
        write_reports(result, folder, formats=["json"])
        out[name] = (result, folder)
    return out


def test_stored_draws_are_the_draws_of_the_reported_interval(sets):
    for result, _ in sets.values():
        draws = np.asarray(result.draws["draws"])
        table = result.table.set_index("metric").loc[METRICS]
        assert draws.shape == (len(METRICS), 100)
        np.testing.assert_allclose(np.quantile(draws, 0.025, axis=1), table["ci_low"], atol=1e-12)
        np.testing.assert_allclose(np.quantile(draws, 0.975, axis=1), table["ci_high"],
                                   atol=1e-12)


def test_meta_analysis_follows_the_per_set_numbers(sets):
    payloads = {n: json.loads((f / "results.json").read_text()) for n, (_, f) in sets.items()}
    record = meta_analysis([set_summary(p, n) for n, p in payloads.items()])
    tables = {n: r.table.set_index("metric") for n, (r, _) in sets.items()}
    values = np.array([[tables[n].loc[m, "statistic"] for n in sets] for m in METRICS])
    n = np.array([[tables[s].loc[m, "n"] for s in sets] for m in METRICS], float)
    assert n[0].tolist() == [150, 100]  # 3 x 50 and 2 x 50 trials
    want = dersimonian_laird(fisher_z(values), fisher_variance(n, "pearson"))
    rows = {r["metric"]: r for r in record["metrics"]}
    for i, m in enumerate(METRICS):
        assert rows[m]["per_set"]["generative"]["statistic"] == pytest.approx(values[i, 1])
        assert rows[m]["pooled"] == pytest.approx(np.tanh(want.mu[i]))
        assert rows[m]["i2"] == pytest.approx(want.i2[i])
        assert rows[m]["average"] == pytest.approx(values[i].mean())
    # one-sided p of "a better than b" on the averaged draws, by hand
    draws = {s: np.asarray(r.draws["draws"]) for s, (r, _) in sets.items()}
    avg = (draws["discriminative"] + draws["generative"]) / 2
    a, b = METRICS.index("multi_res_loss"), METRICS.index("pam")
    p = ((avg[a] - avg[b] <= 0).sum() + 1) / 101
    assert record["pairwise_p"]["p"][a][b] == pytest.approx(p)
    assert record["metrics"][0]["average_cluster"] == 1


def test_without_draws_there_is_no_average_significance(sets):
    payloads = [json.loads((f / "results.json").read_text()) for _, f in sets.values()]
    for p in payloads:
        p["by_human"]["DMOS"].pop("draws")
    record = meta_analysis([set_summary(p, str(i)) for i, p in enumerate(payloads)])
    assert all(np.isnan(r["average_cluster"]) for r in record["metrics"])
    assert any("--keep-draws" in line for line in record["notes"])
    with pytest.raises(ParameterError, match="at least two"):
        meta_analysis([set_summary(payloads[0], "one")])


def test_meta_command(sets, tmp_path):
    runner = CliRunner()
    folders = [str(f) for _, f in sets.values()]
    result = runner.invoke(app, ["meta", *folders, "--out", str(tmp_path / "meta")])
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "meta" / "meta.json").read_text())
    assert record["coefficient"] == "pearson" and len(record["sets"]) == 2
    assert "pooled" in (tmp_path / "meta" / "meta.csv").read_text().splitlines()[0]
    reml = runner.invoke(app, ["meta", *folders, "--method", "reml", "--out",
                               str(tmp_path / "reml")])
    assert reml.exit_code == 0, reml.output
    assert "REML" in json.loads((tmp_path / "reml" / "meta.json").read_text())["method"]
    one = runner.invoke(app, ["meta", folders[0], "--out", str(tmp_path / "m1")])
    assert one.exit_code == 2 and "at least two" in one.output
    missing = runner.invoke(app, ["meta", folders[0], str(tmp_path / "nope.json")])
    assert missing.exit_code == 1 and "no such results file" in missing.output


def test_meta_command_writes_a_compiling_latex_table_with_its_signature(sets, tmp_path):
    """`metaeval meta` wrote meta.json and meta.csv only; now also table.tex (the same table
    as a multi-set correlate report), whose signature comment names the method and hashes
    each set's signature."""
    from tests.report.latex_compile import PDFLATEX, compile_tex

    folders = [str(f) for _, f in sets.values()]
    out = tmp_path / "meta"
    result = CliRunner().invoke(app, ["meta", *folders, "--out", str(out), "--method", "reml"])
    assert result.exit_code == 0, result.output
    tex = (out / "table.tex").read_text()
    record = json.loads((out / "meta.json").read_text())
    assert tex.startswith("% metaeval signature: meta:reml|ci:0.95|alpha:0.05|sets:")
    assert record["signature"] in tex.splitlines()[0]
    plain = tex.replace(r"\allowbreak{}", "")
    for row in record["metrics"]:
        assert row["metric"].replace("_", r"\_") in plain
        assert f"${row['pooled']:.3f}$" in plain
    other = CliRunner().invoke(app, ["meta", *folders, "--out", str(tmp_path / "dl")])
    assert other.exit_code == 0
    assert json.loads((tmp_path / "dl" / "meta.json").read_text())["signature"] != \
        record["signature"]
    if PDFLATEX:
        compile_tex(out)

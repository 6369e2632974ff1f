"""Reports of a run over several human columns (issue 18): one folder, the layout of a
one-human report with a ``human`` column in every CSV, ``humans`` and ``by_human`` in
results.json (one human's part reads back as that human's own result), an HTML section and
labelled tables per human."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from metaeval import HumanResults, JudgementSet, correlate
from metaeval.correlation.humans import human_payload
from metaeval.errors import ParameterError
from metaeval.report import write_reports


@pytest.fixture(scope="module")
def run():
    rng = np.random.default_rng(41)
    rows = []
    for i in range(16):
        for s in range(4):
            q = rng.normal()
            rows.append({"item": f"i{i}", "system": f"s{s}", "mos": q + 0.5 * rng.normal(),
                         "fluency": q + rng.normal(), "x": q + rng.normal(),
                         "y": rng.normal(), "z": q + 3 * rng.normal()})
    js = JudgementSet.from_frame(pd.DataFrame(rows), item="item", system="system",
                                 human=["mos", "fluency"], metrics=["x", "y", "z"],
                                 lower_is_better=["y"])
    return correlate(js, human=["fluency", "mos"], k=30, levels=["none", "system"],
                     stability=True)


def test_results_csv_stacks_every_human_with_a_human_column(run, tmp_path):
    write_reports(run, tmp_path, formats=["csv"])
    csv = pd.read_csv(tmp_path / "results.csv", keep_default_na=False, na_values=[""])
    assert list(csv.columns[:3]) == ["human", "task", "metric"]
    assert list(pd.unique(csv["human"])) == ["fluency", "mos"]
    for human in run.humans:
        rows = csv[csv["human"] == human].reset_index(drop=True)
        table = run[human].table
        assert list(rows["metric"]) == list(table["metric"])
        np.testing.assert_allclose(rows["statistic"], table["statistic"].astype(float),
                                   rtol=1e-15)
        assert list(rows["task"]) == list(table["task"])


def test_one_human_of_results_json_reads_back_as_its_own_result(run, tmp_path):
    write_reports(run, tmp_path, formats=["json"])
    payload = json.loads((tmp_path / "results.json").read_text())
    assert payload["humans"] == ["fluency", "mos"]
    assert payload["signature"] == str(run.signature) and "|human:fluency,mos|" in \
        payload["signature"]
    assert len(payload["results"]) == sum(len(r.table) for r in run)
    for human in run.humans:
        assert payload["by_human"][human]["stability"] is not None
        assert human_payload(payload, human) == json.loads(run[human].to_json())
    with pytest.raises(ParameterError, match="holds the results of 2 human scores"):
        human_payload(payload)
    with pytest.raises(ParameterError, match="has no results for it"):
        human_payload(payload, "coherence")


def test_a_one_human_report_is_the_report_of_a_run_of_one(run, tmp_path):
    alone, wrapped = tmp_path / "alone", tmp_path / "wrapped"
    write_reports(run["mos"], alone)
    write_reports(HumanResults.of([run["mos"]]), wrapped)
    for name in ("results.csv", "results.json", "table.tex", "index.html"):
        assert (alone / name).read_text() == (wrapped / name).read_text(), name
    payload = json.loads((alone / "results.json").read_text())
    assert payload["humans"] == ["mos"] and payload["signature"] == str(run["mos"].signature)


def test_html_and_latex_have_a_part_per_human(run, tmp_path):
    write_reports(run, tmp_path, formats=["html", "latex"])
    html = (tmp_path / "index.html").read_text()
    assert re.findall(r'<section class="human" id="([^"]+)"', html) == ["human-fluency",
                                                                       "human-mos"]
    assert 'id="fluency-stability"' in html and 'id="mos-stability"' in html
    assert "Human score: fluency" in html and html.count("<h2>Methods</h2>") == 2
    tex = (tmp_path / "table.tex").read_text()
    labels = re.findall(r"\\label\{tab:([^}]+)\}", tex)
    assert len(labels) == len(set(labels)) == 4
    assert tex.count("correlation of each metric with fluency") == 2
    assert tex.count("correlation of each metric with mos") == 2

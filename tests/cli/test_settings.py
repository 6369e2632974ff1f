"""Every setting's CLI option does what the Python keyword does: for each setting with a flag,
`metaeval correlate` with a non-default value and `metaeval.correlate` with the same keyword
give the same signature, the same numbers and the same extras (the options are generated from
the settings' one definition, :mod:`metaeval.cli.settings`)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import metaeval
from metaeval.cli import app
from metaeval.correlation.humans import human_payload
from metaeval.correlation.settings import Settings
from metaeval.spec import flag_of, spec_fields

runner = CliRunner()
BASE = {"k": 40}
# setting -> (CLI arguments, Python keywords); each changes that setting from its default
CASES = {
    "coefficients": (["--coef", "kendall_b,pdp"], {"coefficients": ("kendall_b", "pdp")}),
    "levels": (["--level", "item,system"], {"levels": ("item", "system")}),
    "group_by": (["--group-by", "part"], {"group_by": "part"}),
    "pooled": (["--group-by", "part", "--no-pooled"], {"group_by": "part", "pooled": False}),
    "resample": (["--resample", "both"], {"resample": "both"}),
    "ci": (["--ci", "0.9"], {"ci": 0.9}),
    "ci_method": (["--ci-method", "bca"], {"ci_method": "bca"}),
    "k": (["--k", "30"], {"k": 30}),
    "seed": (["--seed", "7"], {"seed": 7}),
    "significance": (["--significance", "all"], {"significance": "all"}),
    "alpha": (["--alpha", "0.2"], {"alpha": 0.2}),
    "min_points": (["--min-points", "25"], {"min_points": 25}),
    "chance": (["--no-chance"], {"chance": False}),
    "ceiling": (["--no-ceiling"], {"ceiling": False}),
    "ceiling_k": (["--ceiling-k", "30"], {"ceiling_k": 30}),
    "average": (["--level", "item", "--average", "median"],
                {"levels": ("item",), "average": "median"}),
    "tiecal_sample": (["--coef", "acc23_tiecal", "--tiecal-sample", "0.5"],
                      {"coefficients": ("acc23_tiecal",), "tiecal_sample": 0.5}),
    "stability": (["--stability"], {"stability": True}),
    "keep_draws": (["--keep-draws"], {"keep_draws": True}),
    "meta_method": (["--meta-by", "part", "--meta-method", "reml"],
                    {"meta_by": "part", "meta_method": "reml"}),
    "meta_by": (["--meta-by", "part"], {"meta_by": "part"}),
    "per_item": (["--level", "item", "--per-item"], {"levels": ("item",), "per_item": True}),
}
# settings whose CLI run writes another layout, compared with their keyword elsewhere:
# aggregate_humans (several human columns: a folder per column and one of their mean),
# tests/correlation/test_published_protocols.py::test_cli_per_item_and_aggregate_humans
SEPARATE = {"aggregate_humans"}
COMPARED = ["statistic", "ci_low", "ci_high", "pvalue", "cluster", "chance_low", "chance_high",
            "ceiling"]


def _table(path) -> pd.DataFrame:
    rng = np.random.default_rng(30)
    rows = []
    for item in range(24):
        for system in range(6):
            truth = rng.normal() + system / 3
            for rater in range(3):
                rows.append({"item": f"i{item}", "system": f"s{system}", "rater": f"r{rater}",
                             "human": round(truth + rng.normal(scale=0.6), 1),
                             "good": truth + rng.normal(scale=0.3),
                             "noisy": truth + rng.normal(scale=1.5),
                             "part": "a" if item < 12 else "b"})
    frame = pd.DataFrame(rows)
    for column in ("good", "noisy"):  # one metric value per (item, system)
        frame[column] = frame.groupby(["item", "system"])[column].transform("first")
    frame.to_csv(path, index=False)
    return frame


def test_every_setting_with_a_flag_has_a_case():
    assert set(CASES) | SEPARATE == {f.name for f, spec in spec_fields(Settings) if spec.cli}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_option_equals_the_keyword(tmp_path, name):
    path = tmp_path / "ratings.csv"
    _table(path)
    args, keywords = CASES[name]
    out = tmp_path / "out"
    result = runner.invoke(app, ["correlate", "--data", str(path), "--item", "item", "--system",
                                 "system", "--human", "human", "--rater", "rater", "--metrics",
                                 "good,noisy", "--k", str(BASE["k"]), *args,
                                 "--format", "csv,json", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    grouped = keywords.get("group_by") or keywords.get("meta_by")
    js = metaeval.load_table(path, item="item", system="system", human="human", rater="rater",
                             metrics=["good", "noisy"], groups=[grouped] if grouped else [])
    python = metaeval.correlate(js, **{**BASE, **keywords})
    stored = human_payload(json.loads((out / "results.json").read_text()))
    assert stored["signature"] == str(python.signature)
    cli = pd.read_csv(out / "results.csv")
    merged = python.table.merge(cli, on=["task", "metric"], suffixes=("", "_cli"))
    assert len(merged) == len(python.table) == len(cli)
    for column in COMPARED:
        np.testing.assert_allclose(merged[column].astype(float), merged[f"{column}_cli"],
                                   rtol=1e-12, atol=1e-14, err_msg=column)
    for extra in ("stability", "meta", "draws", "per_item"):
        assert (extra in stored and stored[extra] is not None) == \
            (getattr(python, extra) is not None), extra


def test_help_is_grouped_into_the_settings_panels():
    text = runner.invoke(app, ["correlate", "--help"], env={"COLUMNS": "200"}).stdout
    panels = [line.split("─ ")[1].split(" ─")[0] for line in text.splitlines() if "╭─ " in line]
    assert panels == ["Options", "Data", "Statistics", "Significance", "Reports", "Power",
                      "Speed"]
    starts = {p: text.index(f"╭─ {p} ") for p in panels}
    for f, spec in spec_fields(Settings):
        if not spec.cli:
            continue
        flag = flag_of(f.name, spec)
        begin = starts[spec.panel]
        end = min([s for s in starts.values() if s > begin], default=len(text))
        assert f" {flag} " in text[begin:end] or f" {flag}/" in text[begin:end], (flag,
                                                                                 spec.panel)

"""Registry and `metaeval metrics`: lazy imports, catalogue rows, unavailable and broken metrics."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from metaeval.cli import app
from metaeval.cli.metrics import metric_rows, render_rows, short_citation
from metaeval.errors import MetricError, ParameterError
from metaeval.metrics import registry
from metaeval.metrics.base import DOMAINS, Metric
from metaeval.metrics.registry import MetricSpec, all_specs, get_metric, plugin_specs

ROOT = Path(__file__).resolve().parents[2]
INPUTS = {"audio": {"estimate", "reference", "mixture"},
          "text": {"hypothesis", "reference", "source", "instruction", "context"},
          "image": {"image", "text", "references", "reference_image"}}
TARGET = re.compile(r"^metaeval\.metrics(\.[a-z_][a-z0-9_]*)+:[A-Z][A-Za-z0-9_]*$")
FAKE_MODULE = "metaeval_no_such_backend_module"


def _render(domain: str | None = None) -> str:
    return render_rows(metric_rows(domain), "table")


def test_import_does_not_load_torch():
    code = textwrap.dedent("""
        import json, sys
        steps = {}
        import metaeval
        steps["import metaeval"] = "torch" in sys.modules
        import metaeval.metrics
        steps["import metaeval.metrics"] = "torch" in sys.modules
        metaeval.metrics.all_specs()
        steps["all_specs()"] = "torch" in sys.modules
        from metaeval.cli.metrics import metric_rows
        metric_rows()
        steps["metric_rows()"] = "torch" in sys.modules
        print(json.dumps(steps))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    steps = json.loads(out.stdout)
    assert steps == dict.fromkeys(steps, False)
    assert len(steps) == 4


def _catalog() -> list[MetricSpec]:
    importlib.import_module("metaeval.metrics.catalog")
    return list(registry._BUILTIN.values())


def test_catalog_specs_are_well_formed():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    specs = _catalog()
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert len(specs) >= 16
    assert len({s.name for s in specs}) == len(specs)
    for spec in specs:
        assert TARGET.match(spec.target), spec
        assert spec.domain in DOMAINS, spec
        assert spec.inputs and set(spec.inputs) <= INPUTS[spec.domain], spec
        assert len(set(spec.inputs)) == len(spec.inputs), spec
        assert spec.extra in extras, spec
        assert all(re.fullmatch(r"[a-z_][a-z0-9_]*", m) for m in spec.requires), spec
        assert spec.citation and spec.description, spec
        assert spec.source == "built-in"
        assert isinstance(spec.higher_is_better, bool)


@pytest.mark.parametrize("spec", _catalog(), ids=lambda s: s.name)
def test_adapter_class_matches_its_spec(spec):
    module = spec.target.partition(":")[0]
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"adapter module {module} is not written yet")
    if not spec.available:
        pytest.skip(f"needs {', '.join(spec.missing_modules())}")
    cls = spec.load()
    assert issubclass(cls, Metric)
    assert (cls.name, cls.domain, tuple(cls.inputs), cls.higher_is_better) == (
        spec.name, spec.domain, spec.inputs, spec.higher_is_better)


def test_rows_cover_every_spec_sorted():
    rows = metric_rows()
    assert [r.name for r in rows] == [s.name for s in sorted(all_specs(), key=lambda s: (s.domain, s.name))]
    sisdr = next(r for r in metric_rows("audio") if r.name == "sisdr")
    assert (sisdr.domain, sisdr.inputs, sisdr.direction, sisdr.source, sisdr.citation) == (
        "audio", "estimate, reference", "higher", "built-in", "Le Roux et al. 2019")
    mrstft = next(r for r in rows if r.name == "mrstft")
    assert mrstft.direction == "lower"


def test_unavailable_metric_is_listed_with_the_install_hint(monkeypatch):
    spec = MetricSpec("fake_backend_metric", "audio", "metaeval.metrics.audio.fake:Fake",
                      ("estimate", "reference"), True, (FAKE_MODULE,), "audio", "A. Author, T, 2024.")
    monkeypatch.setitem(registry._BUILTIN, spec.name, spec)
    row = next(r for r in metric_rows("audio") if r.name == spec.name)
    assert row.available == f"no: missing {FAKE_MODULE} (pip install 'metaeval[audio]')"
    assert not spec.available
    # The rendered table keeps `[audio]` (not swallowed as rich markup).
    assert "pip install 'metaeval[audio]'" in _render("audio")
    with pytest.raises(MetricError, match=re.escape(f"needs {FAKE_MODULE}, which is not installed. "
                                                    "Fix: pip install 'metaeval[audio]'")):
        get_metric("fake_backend_metric")


def test_install_hint_without_extra_names_the_modules():
    spec = MetricSpec("x", "text", "m:X", ("hypothesis",), requires=("comet", "sentencepiece"))
    assert spec.install_hint == "pip install comet sentencepiece"


def test_unknown_domain_lists_the_domains():
    with pytest.raises(ParameterError, match="domain='speech': unknown domain.*audio, text, image"):
        metric_rows("speech")
    result = CliRunner().invoke(app, ["metrics", "--domain", "speech"])
    assert result.exit_code == 2
    assert "'audio', 'text', 'image'" in result.output


def _fake_distribution(root: Path, name: str, entry_points: dict[str, str]) -> None:
    """A minimal installed distribution (dist-info) with entry points, on a folder of sys.path."""
    info = root / f"{name.replace('-', '_')}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    lines = "\n".join(f"{k} = {v}" for k, v in entry_points.items())
    (info / "entry_points.txt").write_text(f"[metaeval.metrics]\n{lines}\n")


def test_broken_plugin_does_not_break_listing(tmp_path, monkeypatch):
    (tmp_path / "fake_spec_plugin.py").write_text(textwrap.dedent("""
        from metaeval.metrics.registry import MetricSpec
        SPEC = MetricSpec("fake_spec_metric", "text", "fake_spec_plugin:Missing",
                          ("hypothesis", "reference"), citation="B. Writer, Title, 2023.")
    """))
    _fake_distribution(tmp_path, "broken-metaeval-plugin", {
        "broken_metric": "metaeval_no_such_plugin.module:Thing",
        "not_a_metric": "json:dumps",
        "fake_spec_metric": "fake_spec_plugin:SPEC",
    })
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "fake_spec_plugin", raising=False)

    plugins = plugin_specs()
    assert {"broken_metric", "not_a_metric", "fake_spec_metric"} <= set(plugins)
    broken = plugins["broken_metric"]
    assert (broken.source, broken.available) == ("broken-metaeval-plugin", False)
    assert "ModuleNotFoundError" in broken.error
    assert plugins["not_a_metric"].error == "entry point is not a Metric subclass or MetricSpec"
    # A MetricSpec from a plugin is credited to its distribution, not to "built-in".
    assert plugins["fake_spec_metric"].source == "broken-metaeval-plugin"

    rows = {r.name: r for r in metric_rows()}
    assert {"sisdr", "sdr", "mrstft"} <= set(rows)
    assert rows["broken_metric"].available.startswith("no: ModuleNotFoundError")
    assert "pip install --force-reinstall broken-metaeval-plugin" in rows["broken_metric"].available
    assert rows["fake_spec_metric"].citation == "Writer 2023"
    result = CliRunner().invoke(app, ["metrics"], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "broken_metric" in result.output and "sisdr" in result.output
    with pytest.raises(MetricError, match="broken-metaeval-plugin is broken: ModuleNotFoundError"):
        get_metric("broken_metric")


@pytest.mark.parametrize("citation, short", [
    ("E. Vincent, R. Gribonval, C. Fevotte, Performance measurement in blind audio source "
     "separation, IEEE TASLP 14(4), 2006.", "Vincent et al. 2006"),
    ("J. Le Roux, S. Wisdom, H. Erdogan, J. Hershey, SDR - half-baked or well done?, ICASSP 2019.",
     "Le Roux et al. 2019"),
    ("F.-R. Stoter, A. Liutkus, N. Ito, The 2018 Signal Separation Evaluation Campaign, LVA/ICA 2018.",
     "Stoter et al. 2018"),
    ("C. H. Taal et al., An Algorithm for Intelligibility Prediction, IEEE TASLP 2011.", "Taal et al. 2011"),
    ("A. Gray, Distance measures for speech processing, IEEE TASSP 24(5), 1976.", "Gray 1976"),
    ("ITU-T P.862 / P.862.2 (PESQ, wide-band).", "ITU-T P.862 / P.862.2 (PESQ, wide-band)."),
    ("An unauthored description of a metric that is far too long for a table cell",
     "An unauthored description of a metric…"),
    ("", ""),
])
def test_short_citation(citation, short):
    assert short_citation(citation) == short

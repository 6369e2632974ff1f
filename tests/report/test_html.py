"""The HTML report: self-contained, complete, escaped, with the expected figures."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter

import pytest

from metaeval.report.html import render_html
from metaeval.report.plots import group_vs_group_svg, pairwise_heatmap_svg

URL_ATTRIBUTE = re.compile(r"""(?:src|href|xlink:href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//""",
                           re.I)


@pytest.fixture(scope="module")
def page(gensvs_report) -> str:
    return gensvs_report["html"].read_text(encoding="utf-8")


def test_self_contained(page):
    assert not URL_ATTRIBUTE.search(page)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", page, re.I)
    assert "@import" not in page
    assert "<script" not in page.lower()
    assert "<link" not in page.lower()
    assert "<img" not in page.lower()  # plots are inline SVG, not external images
    assert "<!DOCTYPE svg" not in page and "<?xml" not in page


def test_url_check_catches_external_resources():
    assert URL_ATTRIBUTE.search('<img src="https://cdn.example/x.png">')
    assert URL_ATTRIBUTE.search("<script src='//cdn.example/x.js'></script>")
    assert not URL_ATTRIBUTE.search("Citation: see https://arxiv.org/abs/2507.11427")


def test_every_metric_and_group_in_summary_tables(page, gensvs_result):
    groups = re.findall(r'<table class="summary" data-group="([^"]+)"', page)
    assert groups == ["discriminative", "generative", "all"]
    rows = Counter(re.findall(r'data-metric="([^"]+)"', page))
    assert rows == {metric: 3 for metric in gensvs_result.metrics}


def test_best_cluster_rows_highlighted(page, gensvs_result):
    t = gensvs_result.table
    for table in re.findall(r'<table class="summary" data-group="[^"]+">.*?</table>', page, re.S):
        group = re.search(r'data-group="([^"]+)"', table).group(1)
        best = set(re.findall(r'<tr class="best" data-metric="([^"]+)"', table))
        expected = set(t[(t["group"] == group) & (t["coefficient"] == "spearman")
                         & (t["cluster"] == 1)]["metric"])
        assert best == expected and best


def test_values_shown_with_ci(page, gensvs_result):
    t = gensvs_result.table
    row = t[(t["metric"] == "visqol") & (t["group"] == "generative")
            & (t["coefficient"] == "spearman")].iloc[0]
    assert f"{row['statistic']:.3f} <span class=\"ci\">[{row['ci_low']:.3f}, {row['ci_high']:.3f}]" in page


def test_figures_present_with_unique_ids(page):
    svgs = re.findall(r"<svg\b", page)
    assert len(svgs) == 4  # group-vs-group, forest, pairwise heatmap, scatter
    for anchor in ("group-vs-group-none", "forest-none", "pairwise-none", 'id="scatter"'):
        assert anchor in page
    ids = Counter(re.findall(r'\bid="([^"]+)"', page))
    assert [i for i, n in ids.items() if n > 1] == []
    referenced = set(re.findall(r'href="#([^"]+)"', page)) | set(re.findall(r"url\(#([^)]+)\)", page))
    assert referenced <= set(ids)


def test_text_is_escaped(page):
    assert "fixture warning: &lt;b&gt;not bold&lt;/b&gt; &amp; escaped" in page
    assert "<b>not bold</b>" not in page


def test_methods_signature_citation_and_licence(page, gensvs_result):
    methods = re.search(r'<p class="methods">(.*?)</p>', page, re.S).group(1)
    assert "k = 200" in methods and "seed 7" in methods
    assert "PERM-BOTH" in methods and "(c+1)/(k+1)" in methods
    assert str(gensvs_result.signature) in page
    assert "Bereuter, Stahl, Plumbley, Sontacchi" in page
    assert "Licence: MIT" in page


def test_group_vs_group_only_with_exactly_two_groups(gensvs_result):
    assert group_vs_group_svg(gensvs_result, "none", "spearman") is not None
    t = gensvs_result.table
    one_group = dataclasses.replace(gensvs_result, table=t[t["group"] != "generative"])
    assert group_vs_group_svg(one_group, "none", "spearman") is None
    three = t[t["group"] == "generative"].assign(group="third")
    import pandas as pd

    three_groups = dataclasses.replace(gensvs_result, table=pd.concat([t, three]))
    assert group_vs_group_svg(three_groups, "none", "spearman") is None


def test_group_vs_group_labels_each_clusters_best(gensvs_result):
    """Labels: the best metric of every cluster of either group (was: every metric, piled up)."""
    svg = group_vs_group_svg(gensvs_result, "none", "spearman")
    t = gensvs_result.table
    expected = set()
    for group in ("discriminative", "generative"):
        rows = t[(t["group"] == group) & (t["coefficient"] == "spearman")]
        expected |= set(rows.sort_values("statistic", ascending=False).drop_duplicates("cluster")
                        ["metric"])
    shown = {m for m in gensvs_result.metrics if f">{m}<" in svg}
    assert shown == expected and 0 < len(shown) < len(gensvs_result.metrics)
    assert "Spearman ρ (discriminative)" in svg and "Spearman ρ (generative)" in svg


def test_group_vs_group_legend_table_lists_every_metric(page, gensvs_result):
    t = gensvs_result.table
    legend = re.search(r'<table class="legend" data-legend="group-vs-group">.*?</table>', page,
                       re.S).group(0)
    listed = re.findall(r'data-metric-legend="([^"]+)"', legend)
    assert sorted(listed) == sorted(gensvs_result.metrics)
    value = t.set_index(["metric", "group", "coefficient"])["statistic"]
    x, y = value["sdr", "discriminative", "spearman"], value["sdr", "generative", "spearman"]
    row = re.search(r'data-metric-legend="sdr">(.*?)</tr>', legend, re.S).group(1)
    assert f"{x:.3f}" in row and f"{y:.3f}" in row and f"{y - x:+.3f}" in row


def test_heatmap_absent_without_pairwise(gensvs_result):
    empty = dataclasses.replace(gensvs_result, pairwise=gensvs_result.pairwise.iloc[0:0])
    assert pairwise_heatmap_svg(empty, "none", "spearman") is None
    page = render_html(dataclasses.replace(empty, points=empty.points.iloc[0:0]))
    assert len(re.findall(r"<svg\b", page)) == 2  # group-vs-group and forest remain


def test_item_level_caption_and_notes_say_how_many_items_entered(datasets_dir):
    """HANNA, Empathy at level item: CIDEr averages 66 prompts, ROUGE-4 43, BLEU all 96; the
    caption said only ``n = 96``."""
    from metaeval import correlate
    from tests.hanna import CIDER, hanna_judgements

    js = hanna_judgements(datasets_dir, "Empathy", [CIDER, "ROUGE-4 F-Score Ξ§", "BLEU Ξ§"])
    page = render_html(correlate(js, coefficients=["pearson"], levels=["item", "system"], k=0))
    item = page.split('<section id="level-item">', 1)[1].split("</section>", 1)[0]
    assert "(n = 96; items entering the average: 43\u201396, the notes say why)" in item
    assert ("66 of 96 items entered the average; 30 left out as undefined there (a constant "
            "metric score in 30)") in item
    system = page.split('<section id="level-system">', 1)[1].split("</section>", 1)[0]
    assert "(n = 10)" in system and "entering the average" not in system

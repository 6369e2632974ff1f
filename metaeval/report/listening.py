"""The listening-test report folder: CSV/JSON tables, a dataset card and one self-contained HTML
page (inline CSS and SVG, no scripts, no URLs), from a :class:`ListeningSummary`.

Sections: per-system violin + box plot of the per-item scores with the compact letters of the
Friedman / Wilcoxon post-hoc (systems sharing a letter do not differ significantly), the rater
screening table (who, flags, excluded, why), agreement statistics (ICC(2,1), ICC(2,k),
Krippendorff's alpha, mean rater-vs-rest correlation), the noise ceiling, the per-system and
per-item MOS tables with CIs, and a methods paragraph with the dataset citation and licence.
Rendered with jinja2 (autoescape on); only the SVG made here is inserted unescaped.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from metaeval.csvio import csv_text
from metaeval.io import json_safe, write_set
from metaeval.listening.ratings import RatingTable
from metaeval.listening.summarize import ListeningSummary, compute_summary, score_name
from metaeval.report.figures import PALETTE, figure, render_svg
from metaeval.report.formatting import fmt, fmt_p
from metaeval.report.templating import render

TEST_NAMES = {"friedman": "Friedman", "durbin": "Durbin", "skillings-mack": "Skillings-Mack"}
FILES = ("items.csv", "items.csv.yaml", "items.json", "systems.csv", "raters.csv", "summary.json",
         "index.html")
def system_plot_svg(result: ListeningSummary) -> str:
    """Violin + box plot of the per-item scores of each system, best system first, with letters."""
    order = [str(s) for s in result.systems["system"]]
    letters = dict(zip(result.systems["system"].astype(str), result.systems["letter"]))
    label = f"Per-item {score_name(result.table.kind)} per system with significance letters"
    return render_svg(_draw_systems, "listening-systems", label, result, order, letters)


def _draw_systems(result: ListeningSummary, order: list[str], letters: dict[str, str]):
    items = result.items
    data = [items.loc[items["system"].astype(str) == s, "mos"].to_numpy(dtype=float)
            for s in order]
    lo, hi = result.table.scale
    width = max(4.8, 0.95 * len(order) + 1.6)
    fig, axes = figure(width, 3.6)
    ax = axes[0][0]
    positions = np.arange(1, len(order) + 1)
    drawable = [i for i, d in enumerate(data) if len(d) > 1 and np.ptp(d) > 0]
    if drawable:
        parts = ax.violinplot([data[i] for i in drawable], positions=positions[drawable],
                              widths=0.8, showextrema=False)
        for j, body in enumerate(parts["bodies"]):
            colour = PALETTE[drawable[j] % len(PALETTE)]
            body.set_facecolor(colour)
            body.set_edgecolor(colour)
            body.set_alpha(0.28)
    ax.boxplot(data, positions=positions, widths=0.22, showfliers=True, patch_artist=True,
               boxprops={"facecolor": "white", "edgecolor": "#333333", "linewidth": 0.9},
               medianprops={"color": "#d1495b", "linewidth": 1.4},
               whiskerprops={"color": "#333333", "linewidth": 0.9},
               capprops={"color": "#333333", "linewidth": 0.9},
               flierprops={"marker": "o", "markersize": 2.5, "markerfacecolor": "#777777",
                           "markeredgecolor": "none"})
    means = [float(np.mean(d)) if len(d) else np.nan for d in data]
    ax.scatter(positions, means, marker="D", s=16, color="#1d232b", zorder=3)
    span = hi - lo
    top = hi + 0.07 * span
    for x, name in zip(positions, order):
        ax.text(x, top, letters.get(name, ""), ha="center", va="bottom", fontsize=10,
                fontweight="bold", color="#1f6fb4")
    ax.set_ylim(lo - 0.04 * span, hi + 0.18 * span)
    ax.set_xticks(positions, order, rotation=20 if len(order) > 4 else 0,
                  ha="right" if len(order) > 4 else "center")
    ax.set_xlim(0.4, len(order) + 0.6)
    ax.set_ylabel(f"per-item {score_name(result.table.kind)}")
    return fig


def methods_paragraph(result: ListeningSummary) -> str:
    """Plain text: screening, scores, CIs, agreement, tests, ceiling, seed and the data source."""
    s = result.summary
    settings, counts = s["settings"], s["counts"]
    name = score_name(result.table.kind)
    ci = round(100 * settings["ci"])
    parts = [f"The test holds {counts['ratings']} ratings by {counts['raters']} raters of "
             f"{counts['stimuli']} stimuli ({counts['items']} items x {counts['systems']} "
             f"systems) on a {fmt(result.table.scale[0], 0)}..{fmt(result.table.scale[1], 0)} "
             "scale."]
    screening = s["screening"]
    excluded = screening["excluded"]
    parts.append(f"Rater screening: {screening['rule']}; "
                 + (f"{len(excluded)} rater(s) excluded ({', '.join(excluded)}), "
                    f"{counts['ratings_used']} ratings used." if excluded
                    else "no rater excluded."))
    parts.append(f"The {name} of a stimulus is the mean of its ratings, with a {ci}% Student-t "
                 f"interval and a {ci}% percentile bootstrap over raters ({settings['k']} "
                 f"draws); a system's {name} is the mean of its per-item scores, with a t "
                 "interval over items.")
    parts.append("Agreement: ICC(2,1) and ICC(2,k), two-way random effects, absolute agreement "
                  "(Shrout & Fleiss 1979); Krippendorff's alpha with the interval metric "
                  "(Krippendorff 2011); the Pearson correlation of each rater with the mean of "
                  "the other raters on the stimuli they rated, averaged over raters.")
    tests = s["tests"]
    if tests.get("skipped"):
        parts.append(f"No test across systems was run: {tests['skipped']}")
    else:
        parts.append(f"Systems were compared with the {tests['method']}; systems sharing a "
                     "letter do not differ significantly (compact letter display).")
    parts.append("Split-half reliability (Spearman-Brown): the raters of each stimulus were "
                 "split at random into two halves, the half-panel means correlated (Spearman) "
                 f"and stepped up with 2r/(1+r), averaged over {settings['k']} splits; it is the "
                 "expected correlation between two panels of this size. The noise ceiling is "
                 "its square root, the expected correlation of a perfect metric with this "
                 "panel's means (Nili et al. 2014).")
    parts.extend(_preprocessing_sentences(s))
    if s.get("pooling"):
        parts.append("Pooling of rater groups was checked per system with one-way ANOVA, "
                     "Kruskal-Wallis and Shapiro-Wilk tests.")
    parts.append(f"All random draws use seed {settings['seed']}.")
    return " ".join(parts)


def _preprocessing_sentences(s: dict) -> list[str]:
    settings, out = s["settings"], []
    if settings.get("normalize") == "trial-minmax":
        out.append("Ratings were min-max normalised within each rater's trial to the scale.")
    if settings.get("replicates") == "average":
        out.append("Replicated trials were averaged per rater before scoring.")
    if settings.get("aggregate") == "median":
        out.append("Scores are medians (of a stimulus's ratings, of a system's per-item "
                   "scores) with order-statistic intervals for the median.")
    if settings.get("exclude_systems"):
        out.append(f"Excluded from scores and tests (screened with them): "
                   f"{', '.join(settings['exclude_systems'])}.")
    return out


CEILING_LEVELS = {"none": "stimuli pooled (level none)", "system": "system means (level system)"}


def _ceiling_rows(summary: dict) -> list[dict]:
    rows = []
    for level, c in summary["ceiling"].items():
        name = CEILING_LEVELS.get(level, level)
        if "error" in c:
            rows.append({"level": name, "value": "\u2013", "range": c["error"], "k": "",
                         "perfect": "\u2013"})
        else:
            rows.append({"level": name, "value": fmt(c["reliability"]),
                         "range": f"[{fmt(c['reliability_low'])}, {fmt(c['reliability_high'])}]",
                         "k": c["k"], "perfect": fmt(c.get("noise_ceiling"))})
    return rows


def _pair_rows(result: ListeningSummary) -> list[dict]:
    pairs = result.pairs
    if pairs is None or pairs.empty:
        return []
    return [{"a": r["system_a"], "b": r["system_b"], "diff": fmt(r["diff"]), "n": r.get("n", ""),
             "statistic": fmt(r["statistic"], 1), "p": fmt_p(r["pvalue"]),
             "p_adj": fmt_p(r["p_adjusted"]), "significant": bool(r["significant"])}
            for r in pairs.to_dict(orient="records")]


def _pooling_rows(pooling) -> list[dict]:
    if pooling is None or pooling.empty:
        return []
    return [{"system": r["system"], "test": r["test"], "group": r["group"],
             "statistic": fmt(r["statistic"]), "p": fmt_p(r["pvalue"]), "n": int(r["n"])}
            for r in pooling.to_dict(orient="records")]


def render_html(result: ListeningSummary) -> str:
    """The report page as one string."""
    s = result.summary
    agreement = s["agreement"]
    tests = s["tests"]
    dataset = s["dataset"]
    name = score_name(result.table.kind)
    raters = [{"rater": r["rater"], "n": int(r["n_ratings"]), "flags": int(r["flags"]),
               "excluded": bool(r["excluded"]), "reason": r["reason"] or ""}
              for r in result.raters.to_dict(orient="records")]
    raters.sort(key=lambda r: (not r["excluded"], -r["flags"]))  # stable: id order kept
    systems = [{"system": r["system"], "mos": fmt(r["mos"]),
                "ci": f"[{fmt(r['ci_low'])}, {fmt(r['ci_high'])}]",
                "boot": (f"[{fmt(r['boot_low'])}, {fmt(r['boot_high'])}]"
                         if "boot_low" in r else ""),
                "n": int(r["n_items"]), "letter": r["letter"]}
               for r in result.systems.to_dict(orient="records")]
    items = [{"item": r["item"], "system": r["system"], "mos": fmt(r["mos"]),
              "ci": f"[{fmt(r['ci_low'])}, {fmt(r['ci_high'])}]",
              "boot": (f"[{fmt(r['boot_low'])}, {fmt(r['boot_high'])}]"
                       if "boot_low" in r else ""),
              "n": int(r["n_ratings"])}
             for r in result.items.to_dict(orient="records")]
    title = dataset.get("title") or dataset.get("name") or "Listening test"
    return render("listening.html.j2",
        title=title, dataset=dataset, score=name, counts=s["counts"], kind=result.table.kind,
        screening=s["screening"], raters=raters, n_excluded=sum(r["excluded"] for r in raters),
        agreement={"icc2_1": fmt(agreement["icc2_1"]), "icc2_k": fmt(agreement["icc2_k"]),
                   "alpha": fmt(agreement["krippendorff_alpha"]),
                   "rest": fmt(agreement["rater_vs_rest_mean"]),
                   "n_raters": len(agreement["rater_vs_rest"])},
        friedman={"statistic": fmt(tests.get("statistic")), "p": fmt_p(tests.get("pvalue")),
                  "correction": tests["correction"], "name": TEST_NAMES.get(tests["test"], "no"),
                  "skipped": tests.get("skipped", "")},
        notes=s.get("notes", []), signature=s.get("signature", ""),
        pairs=_pair_rows(result), ceiling=_ceiling_rows(s), systems=systems, items=items,
        pooling=_pooling_rows(result.pooling), plot=system_plot_svg(result), methods=methods_paragraph(result),
        settings=s["settings"])


def items_card(result: ListeningSummary) -> str:
    """YAML dataset card of ``items.csv`` (see :mod:`metaeval.data.cards`) for `metaeval correlate`.

    ``human`` lists ``mos`` first (the gold score) and then the interval and count columns, so
    that only joined metric scores are correlated; a column without a value (the median's
    interval when no stimulus has enough ratings for one) is left out, as an empty human score
    is refused (and an empty column is no metric).
    """
    import yaml

    info = result.raw.info
    card = {key: value for key, value in (("name", info.name), ("title", info.title),
                                          ("citation", info.citation),
                                          ("licence", info.licence), ("url", info.url),
                                          ("description", info.description)) if value}
    card.update({"item": "item", "system": "system",
                 "human": ["mos"] + [c for c in result.items.columns
                                     if c not in ("item", "system", "mos")
                                     and result.items[c].notna().any()]})
    return yaml.safe_dump(card, sort_keys=False, allow_unicode=True)


def write_summary(result: ListeningSummary, out_dir: str | Path) -> dict[str, Path]:
    """Write the files of :data:`FILES` as a set into ``out_dir`` (an earlier summary there is
    replaced whole, :func:`metaeval.io.write_set`); returns name -> path."""
    out_dir = Path(out_dir)
    page = render_html(result)  # render first: a failing plot leaves no partial report
    texts = {
        "items.csv": csv_text(result.items),  # data for `metaeval correlate` (reads it back)
        "items.csv.yaml": items_card(result),
        "items.json": json.dumps(json_safe(result.items), indent=1) + "\n",
        "systems.csv": csv_text(result.systems),
        "raters.csv": csv_text(result.raters),
        "summary.json": json.dumps(result.summary, indent=1) + "\n",
        "index.html": page,
    }
    return write_set(out_dir, texts, owned=FILES)


def summarize(table: RatingTable, out_dir: str | Path, screening: str = "auto", k: int = 1000,
              seed: int = 0, ci: float = 0.95, correction: str = "bonferroni",
              aggregate: str = "mean", exclude_systems=()) -> dict[str, Path]:
    """Screen, score, test and report a listening test; returns file name -> written path.

    ``screening``: ``auto`` (BS.1534 when there is a hidden reference, else P.808), ``p808``,
    ``mushra`` or ``none``. ``k``: bootstrap draws and noise-ceiling splits; ``seed`` seeds both.
    """
    return write_summary(compute_summary(table, screening=screening, k=k, seed=seed, ci=ci,
                                         correction=correction, aggregate=aggregate,
                                         exclude_systems=exclude_systems), out_dir)

"""The known biases of a pairwise judge, measured on its verdicts (:mod:`metaeval.judge.verdicts`).

Per judge, each diagnostic is a share ``successes / n`` with the exact Clopper-Pearson interval
(``ci_low, ci_high``; verdicts taken as independent trials) and, next to it, the percentile
interval of the same share over ``k`` bootstrap draws of items (``boot_low, boot_high``;
verdicts on one item are not independent). Positions follow Zheng et al. (2023), "Judging
LLM-as-a-Judge with MT-Bench and Chatbot Arena", NeurIPS Datasets and Benchmarks, section 3.3:

- ``swap_consistency``: of the pairs the judge saw in both orders, the share whose two verdicts
  name the same winner (a tie twice counts as the same verdict); ``swap_first_biased`` /
  ``swap_second_biased``: the shares where each order's winner is the answer shown first /
  second (the position decided, not the answer); the rest had a tie in one order only;
- ``first_position_win_rate``: of the verdicts that are not ties, the share won by the answer
  shown first, with the exact two-sided binomial test of 0.5 (``pvalue``); ties are left out
  and counted (``excluded``);
- ``length_preference_rate``: of the verdicts that are not ties between answers of different
  lengths, the share won by the longer answer, with the binomial test of 0.5; tie verdicts and
  equal lengths are left out and counted (the note says how many of each);
- self-preference, for a judge with a ``judge_system`` (Zheng et al. 2023, section 3.3
  "self-enhancement bias": the win rate of a model judged by itself against its win rate under
  other judges): on the comparisons of the judge's own system that other judges (whose
  judge_system differs) also judged, ``self_win_rate`` is its win rate in this judge's verdicts,
  ``reference_win_rate`` in the other judges' verdicts (ties left out of both), and
  ``self_preference`` their difference, with the bootstrap interval over items (the same
  draws for both rates; no p-value).

A diagnostic without data (no pair seen in both orders, no lengths, no reference judge) is NaN
with its reason in ``note``; nothing is dropped silently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metaeval.judge.verdicts import VerdictTable
from metaeval.stats.proportions import (
    binomial_pvalue,
    clopper_pearson,
    ratio_draws,
    unit_weights,
)
from metaeval.stats.resampling import percentile_bounds

COLUMNS = ["judge", "diagnostic", "statistic", "ci_low", "ci_high", "interval", "pvalue", "n",
           "successes", "excluded", "boot_low", "boot_high", "note"]
DIAGNOSTICS = ("swap_consistency", "swap_first_biased", "swap_second_biased",
               "first_position_win_rate", "length_preference_rate", "self_win_rate",
               "reference_win_rate", "self_preference")
TESTED = ("first_position_win_rate", "length_preference_rate")  # binomial test of 0.5


def _per_item(codes: np.ndarray, success, total, n_items: int) -> tuple[np.ndarray, np.ndarray]:
    """Successes and totals per item (bincount of the verdicts' item codes)."""
    total = np.asarray(total, bool)
    success = np.asarray(success, bool) & total
    return (np.bincount(codes[success], minlength=n_items).astype(float),
            np.bincount(codes[total], minlength=n_items).astype(float))


def _share_row(name: str, counts, weights: np.ndarray, ci: float, excluded: int = 0,
               note: str = "") -> dict:
    """One proportion: Clopper-Pearson, item bootstrap and, where tested, the binomial test."""
    successes, totals = counts
    x, n = int(successes.sum()), int(totals.sum())
    low, high = clopper_pearson(x, n, ci)
    boot = percentile_bounds(ratio_draws(successes, totals, weights)[None, :], ci)
    if n == 0 and not note:
        note = "no verdict to count."
    return {"diagnostic": name, "statistic": x / n if n else np.nan, "ci_low": float(low),
            "ci_high": float(high), "interval": "clopper-pearson",
            "pvalue": binomial_pvalue(x, n) if name in TESTED else np.nan, "n": n,
            "successes": x, "excluded": excluded, "boot_low": float(boot[0][0]),
            "boot_high": float(boot[1][0]), "note": note}


def swap_rows(v: pd.DataFrame, codes: np.ndarray, n_items: int, weights, ci) -> list[dict]:
    """Swap consistency and the two position-biased shares of the pairs seen in both orders."""
    low = np.where(v["first"] < v["second"], v["first"], v["second"])
    high = np.where(v["first"] < v["second"], v["second"], v["first"])
    keyed = pd.DataFrame({"item": v["item"].to_numpy(), "low": low, "high": high,
                          "low_first": (v["first"] == low).to_numpy(),
                          "winner": v["winner"].to_numpy(), "code": codes})
    orders = keyed.pivot_table(index=["item", "low", "high"], columns="low_first",
                               values="winner", aggfunc="first")
    both = orders.reindex(columns=[True, False]).dropna()
    one_order = len(orders) - len(both)
    note = (f"{one_order} pair(s) judged in one order only, left out." if one_order else "")
    if both.empty:
        note = "no pair was judged in both orders (give each pair a row per order, with first)."
    pair_codes = keyed.groupby(["item", "low", "high"])["code"].first().reindex(both.index)
    pair_codes = pair_codes.to_numpy(dtype=int)
    lows, highs = both.index.get_level_values("low"), both.index.get_level_values("high")
    same = (both[True] == both[False]).to_numpy()
    first = ((both[True] == lows) & (both[False] == highs)).to_numpy()
    second = ((both[True] == highs) & (both[False] == lows)).to_numpy()
    everything = np.ones(len(both), bool)
    return [_share_row(name, _per_item(pair_codes, hit, everything, n_items), weights, ci,
                       one_order, note)
            for name, hit in (("swap_consistency", same), ("swap_first_biased", first),
                              ("swap_second_biased", second))]


def position_row(v: pd.DataFrame, codes, n_items: int, weights, ci) -> dict:
    decisive = (v["position"] != "tie").to_numpy()
    ties = int((~decisive).sum())
    return _share_row("first_position_win_rate",
                      _per_item(codes, (v["position"] == "first").to_numpy(), decisive, n_items),
                      weights, ci, ties, f"{ties} tie verdict(s) left out." if ties else "")


def length_row(v: pd.DataFrame, codes, n_items: int, weights, ci, lengths: str) -> dict:
    if lengths == "none":
        return _share_row("length_preference_rate", (np.zeros(n_items), np.zeros(n_items)),
                          weights, ci, 0, "no lengths: give length_a/length_b or text_a/text_b.")
    first, second = v["len_first"].to_numpy(), v["len_second"].to_numpy()
    decisive = (v["position"] != "tie").to_numpy()
    equal = decisive & (first == second)
    used = decisive & ~equal
    longer_won = np.where(v["position"] == "first", first > second, second > first)
    ties, equals = int((~decisive).sum()), int(equal.sum())
    note = f"left out: {ties} tie verdict(s), {equals} verdict(s) between equal lengths."
    return _share_row("length_preference_rate", _per_item(codes, longer_won, used, n_items),
                      weights, ci, ties + equals, note)


def self_rows(frame: pd.DataFrame, judge: str, codes_all: np.ndarray, n_items: int, weights,
              ci) -> list[dict]:
    """Self-win rate, reference win rate and their difference (module docstring)."""
    own_system = frame.loc[frame["judge"] == judge, "judge_system"].iloc[0]
    involved = (frame["first"] == own_system) | (frame["second"] == own_system)
    other = np.where(frame["first"] == own_system, frame["second"], frame["first"])
    keys = pd.Series(list(zip(frame["item"], other)), index=frame.index)
    own = involved & (frame["judge"] == judge)
    reference = involved & (frame["judge"] != judge) & (frame["judge_system"] != own_system)
    shared = set(keys[own]) & set(keys[reference])
    in_shared = keys.isin(shared)
    won = (frame["winner"] == own_system).to_numpy()
    decisive = (frame["winner"] != "tie").to_numpy()
    rows, counts = [], {}
    for name, mask in (("self_win_rate", own & in_shared),
                       ("reference_win_rate", reference & in_shared)):
        mask = mask.to_numpy()
        counts[name] = _per_item(codes_all[mask], won[mask], decisive[mask], n_items)
        ties = int((mask & ~decisive).sum())
        note = "" if shared else (f"no other judge judged a comparison of {own_system!r}: no "
                                  "reference (add verdicts of other judges or humans).")
        rows.append(_share_row(name, counts[name], weights, ci, ties, note))
    difference = rows[0]["statistic"] - rows[1]["statistic"]
    draws = (ratio_draws(*counts["self_win_rate"], weights)
             - ratio_draws(*counts["reference_win_rate"], weights))
    low, high = percentile_bounds(draws[None, :], ci)
    rows.append({"diagnostic": "self_preference", "statistic": difference,
                 "ci_low": float(low[0]), "ci_high": float(high[0]),
                 "interval": "bootstrap-items", "pvalue": np.nan, "n": len(shared),
                 "successes": np.nan, "excluded": int((own & ~in_shared).sum()),
                 "boot_low": float(low[0]), "boot_high": float(high[0]),
                 "note": f"judge system {own_system!r}; n = comparisons (item, opponent) "
                         "judged by this judge and by the reference judges; excluded = this "
                         "judge's verdicts on comparisons without a reference."})
    return rows


def diagnostics_table(verdicts: VerdictTable, k: int, seed: int, ci: float) -> pd.DataFrame:
    """Every diagnostic of every judge (module docstring); one row each, :data:`COLUMNS`."""
    frame = verdicts.frame
    items = sorted(frame["item"].unique())
    codes = pd.Categorical(frame["item"], categories=items).codes.astype(int)
    weights = unit_weights(len(items), k, seed)  # the same item draws for every diagnostic
    rows = []
    for judge in verdicts.judges:
        mask = (frame["judge"] == judge).to_numpy()
        v, c = frame[mask], codes[mask]
        judged = swap_rows(v, c, len(items), weights, ci)
        judged.append(position_row(v, c, len(items), weights, ci))
        judged.append(length_row(v, c, len(items), weights, ci, verdicts.lengths))
        if pd.notna(v["judge_system"].iloc[0]):
            judged += self_rows(frame, judge, codes, len(items), weights, ci)
        rows += [{"judge": judge, **row} for row in judged]
    return pd.DataFrame(rows, columns=COLUMNS)

"""Rewrite the tables of this folder's DATASHEET.md from the pairs metaeval builds: the pairs per
phenomenon and language pair (``<!-- counts -->``) and what each step of the derivation left out
(``<!-- funnel -->``).

Usage: ``python challenge_sets/ted_mqm_pairs/count.py`` (the WMT21 TED MQM release is resolved
through the registry: ``METAEVAL_DATA_DIR``, the cache, or a download). The pairs themselves are
not kept here: :mod:`metaeval.data.ted_pairs` (the rule is in its docstring) builds them at first
use into the user cache; ``metaeval data path ted_mqm_pairs pairs.jsonl`` prints where.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from metaeval.data.datasets import resolve, resolve_file
from metaeval.data.ted_pairs import INCORRECT, LANGPAIRS, STEPS, funnel

HERE = Path(__file__).resolve().parent


def counts_table(pairs: list[dict]) -> list[str]:
    counts = Counter((p["langpair"], p["phenomena"]) for p in pairs)
    rows = ["| phenomenon (MQM category) | en-de | zh-en | all |", "|---|---|---|---|"]
    for phenomenon in sorted({p for _, p in counts}):
        de, zh = counts[("en-de", phenomenon)], counts[("zh-en", phenomenon)]
        rows.append(f"| {phenomenon} | {de} | {zh} | {de + zh} |")
    totals = Counter(p["langpair"] for p in pairs)
    rows.append(f"| **all** | {totals['en-de']} | {totals['zh-en']} | {len(pairs)} |")
    return rows


def funnel_table(steps: dict[str, Counter]) -> list[str]:
    lps = list(LANGPAIRS.values())
    rows = ["| incorrect translations | " + " | ".join(lps) + " |", "|---" * (len(lps) + 1) + "|",
            f"| {INCORRECT} | " + " | ".join(str(steps[lp][INCORRECT]) for lp in lps) + " |"]
    rows += [f"| left out: {step} | " + " | ".join(str(steps[lp][step]) for lp in lps) + " |"
             for step in STEPS]
    rows.append("| **pairs** | " + " | ".join(str(steps[lp]["pairs"]) for lp in lps) + " |")
    return rows


def replace(text: str, marker: str, rows: list[str]) -> str:
    start, end = text.index(f"<!-- {marker} -->"), text.index(f"<!-- /{marker} -->")
    return text[:start] + f"<!-- {marker} -->\n" + "\n".join(rows) + "\n" + text[end:]


def main() -> None:
    lines = resolve_file("ted_mqm_pairs", "pairs.jsonl").read_text(encoding="utf-8").splitlines()
    pairs = [json.loads(line) for line in lines]
    datasheet = HERE / "DATASHEET.md"
    text = replace(datasheet.read_text(encoding="utf-8"), "counts", counts_table(pairs))
    text = replace(text, "funnel", funnel_table(funnel(resolve("wmt_mqm_ted"))))
    datasheet.write_text(text, encoding="utf-8")
    print(f"{len(pairs)} pairs counted")


if __name__ == "__main__":
    main()

"""Rewrite the counts table of this folder's DATASHEET.md from the pairs metaeval builds.

Usage: ``python challenge_sets/ted_mqm_pairs/derive.py`` (the WMT21 TED MQM release is resolved
through the registry: ``METAEVAL_DATA_DIR``, the cache, or a download). The pairs themselves are
not kept here: :mod:`metaeval.data.ted_pairs` (the rule is in its docstring) builds them at first
use into the user cache; ``metaeval data path ted_mqm_pairs pairs.jsonl`` prints where.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from metaeval.data.registry import resolve_file

HERE = Path(__file__).resolve().parent


def main() -> None:
    lines = resolve_file("ted_mqm_pairs", "pairs.jsonl").read_text(encoding="utf-8").splitlines()
    pairs = [json.loads(line) for line in lines]
    counts = Counter((p["langpair"], p["phenomena"]) for p in pairs)
    rows = ["| phenomenon (MQM category) | en-de | zh-en |", "|---|---|---|"]
    for phenomenon in sorted({p for _, p in counts}):
        rows.append(f"| {phenomenon} | {counts[('en-de', phenomenon)]} | "
                    f"{counts[('zh-en', phenomenon)]} |")
    totals = Counter(p["langpair"] for p in pairs)
    rows.append(f"| **all** | {totals['en-de']} | {totals['zh-en']} |")
    datasheet = HERE / "DATASHEET.md"
    text = datasheet.read_text(encoding="utf-8")
    start, end = text.index("<!-- counts -->"), text.index("<!-- /counts -->")
    datasheet.write_text(text[:start] + "<!-- counts -->\n" + "\n".join(rows) + "\n" + text[end:],
                         encoding="utf-8")
    print(f"{len(pairs)} pairs counted")


if __name__ == "__main__":
    main()

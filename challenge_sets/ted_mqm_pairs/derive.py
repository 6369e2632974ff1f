"""Derive the TED MQM contrastive pairs from the WMT21 TED talks MQM annotations.

Usage: ``python challenge_sets/ted_mqm_pairs/derive.py [DATA_DIR]`` (default
``$METAEVAL_DATA_DIR`` or ``../shared/datasets``): reads ``wmt_mqm_ted/{ende,zhen}/mqm_ted_*.tsv``
(Freitag et al., TACL 2021; github.com/google/wmt-mqm-human-evaluation, Apache-2.0) and writes
``pairs.jsonl`` and the counts in ``DATASHEET.md`` next to this script.

Rule, per source segment and language pair, among the MT systems (human references excluded):
a *good* translation has no error at all (every annotation of it is ``No-error``); a *bad* one
has exactly one annotated error and it is Major. Each bad translation is paired with one good
translation of the same segment (the good systems taken in turn, by name, so pairs spread over
systems); its phenomenon is that error's MQM category (``Accuracy/Mistranslation``), its
category the part before the slash. The reference is the human reference ``ref`` (span markup
``<v>...</v>`` removed from every text).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from metaeval.data.wmt_mqm import is_reference, read_mqm_tsv  # noqa: E402

SPAN = re.compile(r"</?v>")
LANGPAIRS = {"ende": "en-de", "zhen": "zh-en"}


def clean(text) -> str:
    return SPAN.sub("", str(text or "")).strip()


def pairs_of(tsv: Path, langpair: str) -> list[dict]:
    frame = read_mqm_tsv(tsv)
    frame = frame.assign(seg_id=frame["seg_id"].astype(int))
    out = []
    for seg_id, segment in frame.groupby("seg_id", sort=True):
        refs = segment[segment["system"] == "ref"]
        if refs.empty:
            continue
        reference = clean(refs["target"].iloc[0])
        good, bad = [], []
        for system, rows in segment[~segment["system"].map(is_reference)].groupby("system"):
            errors = rows[rows["category"] != "No-error"]
            if errors.empty:
                good.append((system, clean(rows["target"].iloc[0])))
            elif len(errors) == 1 and str(errors["severity"].iloc[0]).strip() == "Major":
                bad.append((system, clean(rows["target"].iloc[0]),
                            str(errors["category"].iloc[0]).strip()))
        good.sort()
        for turn, (system, text, category) in enumerate(sorted(bad)):
            if not good:
                break
            good_system, good_text = good[turn % len(good)]
            out.append({"id": f"{langpair}-{seg_id}-{system}", "source": clean(
                segment["source"].iloc[0]), "good-translation": good_text,
                "incorrect-translation": text, "reference": reference, "phenomena": category,
                "category": category.split("/")[0].strip(), "langpair": langpair,
                "good-system": good_system, "incorrect-system": system})
    return out


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
        "METAEVAL_DATA_DIR", HERE.parents[2] / "shared" / "datasets"))
    pairs = []
    for code, langpair in LANGPAIRS.items():
        pairs += pairs_of(root / "wmt_mqm_ted" / code / f"mqm_ted_{code}.tsv", langpair)
    (HERE / "pairs.jsonl").write_text("".join(json.dumps(p, ensure_ascii=False) + "\n"
                                              for p in pairs), encoding="utf-8")
    counts = Counter((p["langpair"], p["phenomena"]) for p in pairs)
    lines = ["| phenomenon (MQM category) | en-de | zh-en |", "|---|---|---|"]
    for phenomenon in sorted({p for _, p in counts}):
        lines.append(f"| {phenomenon} | {counts[('en-de', phenomenon)]} | "
                     f"{counts[('zh-en', phenomenon)]} |")
    totals = Counter(p["langpair"] for p in pairs)
    lines.append(f"| **all** | {totals['en-de']} | {totals['zh-en']} |")
    datasheet = HERE / "DATASHEET.md"
    text = datasheet.read_text(encoding="utf-8")
    start, end = text.index("<!-- counts -->"), text.index("<!-- /counts -->")
    datasheet.write_text(text[:start] + "<!-- counts -->\n" + "\n".join(lines) + "\n"
                         + text[end:], encoding="utf-8")
    print(f"{len(pairs)} pairs written")


if __name__ == "__main__":
    main()

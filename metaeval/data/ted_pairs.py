"""The TED MQM contrastive pairs (``ted-mqm-pairs``), derived from the WMT21 TED MQM release.

Freitag et al., TACL 2021; github.com/google/wmt-mqm-human-evaluation (``ted/``, Apache-2.0),
resolved through the registry as ``wmt_mqm_ted``; built at first use into the cache
(:mod:`metaeval.data.derived`). Rule, per source segment and language pair, among the MT systems
(human references excluded): a *good* translation has no error at all (every annotation of it
is ``No-error``); a *bad* one has exactly one annotated error and it is Major. Each bad
translation (systems by name) is paired with one good translation of the same segment, the
good systems taken in turn by name so that pairs spread over systems; its phenomenon is that
error's MQM category (``Accuracy/Mistranslation``), its category the part before the slash.
The reference is the human reference ``ref``; span markup ``<v>...</v>`` is removed from every
text. Segments without a ``ref`` row are skipped. Output: ``pairs.jsonl`` in the ACES layout
plus ``category``, ``good-system`` and ``incorrect-system``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from metaeval.data.wmt_mqm import is_reference, read_mqm_tsv

SPAN = re.compile(r"</?v>")
LANGPAIRS = {"ende": "en-de", "zhen": "zh-en"}
OUTPUT = "pairs.jsonl"


def clean(text) -> str:
    return SPAN.sub("", str(text or "")).strip()


def _segments(tsv: Path) -> dict[int, list[dict]]:
    """Rows of the MQM file grouped by segment id, in file order."""
    segments: dict[int, list[dict]] = {}
    for row in read_mqm_tsv(tsv).to_dict("records"):
        segments.setdefault(int(row["seg_id"]), []).append(row)
    return segments


def _sides(rows: list[dict]) -> tuple[list, list]:
    """(good [(system, text)], bad [(system, text, category)]) of one segment's MT systems."""
    by_system: dict[str, list[dict]] = {}
    for row in rows:
        if not is_reference(row["system"]):
            by_system.setdefault(row["system"], []).append(row)
    good, bad = [], []
    for system in sorted(by_system):
        annotations = by_system[system]
        errors = [r for r in annotations if r["category"] != "No-error"]
        if not errors:
            good.append((system, clean(annotations[0]["target"])))
        elif len(errors) == 1 and str(errors[0]["severity"]).strip() == "Major":
            bad.append((system, clean(annotations[0]["target"]), str(errors[0]["category"]).strip()))
    return good, bad


def pairs_of(tsv: Path, langpair: str) -> list[dict]:
    """The contrastive pairs of one language pair's per-error TSV."""
    out = []
    for seg_id, rows in sorted(_segments(tsv).items()):
        refs = [r for r in rows if r["system"] == "ref"]
        if not refs:
            continue
        good, bad = _sides(rows)
        for turn, (system, text, category) in enumerate(bad):
            if not good:
                break
            good_system, good_text = good[turn % len(good)]
            out.append({"id": f"{langpair}-{seg_id}-{system}", "source": clean(rows[0]["source"]),
                        "good-translation": good_text, "incorrect-translation": text,
                        "reference": clean(refs[0]["target"]), "phenomena": category,
                        "category": category.split("/")[0].strip(), "langpair": langpair,
                        "good-system": good_system, "incorrect-system": system})
    return out


def all_pairs(release: Path) -> list[dict]:
    """Pairs of every language pair of the release folder (``wmt_mqm_ted/``)."""
    pairs = []
    for code, langpair in LANGPAIRS.items():
        pairs += pairs_of(release / code / f"mqm_ted_{code}.tsv", langpair)
    return pairs


def build(inputs: dict[str, Path], out: Path) -> None:
    """Registry builder: ``out/pairs.jsonl`` from the resolved ``wmt_mqm_ted`` folder."""
    pairs = all_pairs(inputs["wmt_mqm_ted"])
    (out / OUTPUT).write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs),
                              encoding="utf-8")

"""The TED MQM contrastive pairs (``ted-mqm-pairs``), derived from the WMT21 TED MQM release.

Freitag et al., TACL 2021; github.com/google/wmt-mqm-human-evaluation (``ted/``, Apache-2.0),
resolved through the registry as ``wmt_mqm_ted``; built at first use into the cache
(:mod:`metaeval.data.derived`). Span markup ``<v>...</v>`` is removed from every text first.
Rule, per source segment and language pair, among the MT systems (human references excluded);
a segment without a ``ref`` row is skipped:

1. **Same source.** A system whose source text differs from the ``ref`` row's is left out.
2. **Matching segment.** A translation is left out when it translates a neighbouring sentence:
   its median character-trigram Dice similarity to the other translations (MT and human) of
   the previous or next segment of the same document exceeds that to the other translations
   of its own segment by more than :data:`SHIFT_MARGIN` (the release's zh-en
   ``metricsystem5`` output of ``talk.6`` segments 394-411 is shifted by one segment; those 18
   differ by 0.41 or more, no other translation of either language pair by more than 0.16).
3. **One label per text.** Translations are grouped by text; a text is *good* when every
   system that produced it has no error at all (every annotation ``No-error``), *incorrect*
   when every such system has exactly one annotated error, Major, of the same category.
   A text whose annotations disagree (error-free for one system, an error for another) is
   left out: its label is contested.
4. **Different texts.** Each distinct incorrect text is paired with one distinct good text of
   the same segment, the good texts taken in turn (systems by name) so that pairs spread over
   systems; a pair's two texts therefore always differ and no pair is repeated.

A pair's phenomenon is the error's MQM category (``Accuracy/Mistranslation``), its category
the part before the slash, its systems the first (by name) that produced each text, its
reference the human reference ``ref``. Output: ``pairs.jsonl`` in the ACES layout plus
``category``, ``good-system`` and ``incorrect-system``. :func:`funnel` counts the incorrect
translations each step leaves out (the datasheet's table).
"""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from pathlib import Path

from metaeval.data.wmt_mqm import is_reference, read_mqm_tsv

SPAN = re.compile(r"</?v>")
LANGPAIRS = {"ende": "en-de", "zhen": "zh-en"}
OUTPUT = "pairs.jsonl"
SHIFT_MARGIN = 0.25  # median trigram-Dice gain that marks a translation of a neighbour segment
GOOD = "good"
INCORRECT = "incorrect translations (one error, Major)"
# why an incorrect translation (exactly one error, Major) did not become a pair, step by step
STEPS = ("no human reference for the segment", "source differs", "translates a neighbouring segment", "annotations of its text disagree",
         "same text as another incorrect translation", "no error-free text to pair with")


def clean(text) -> str:
    return SPAN.sub("", str(text or "")).strip()


def trigrams(text: str) -> frozenset[str]:
    """Character trigrams of the lower-cased text with runs of white space as one space."""
    flat = " ".join(str(text).lower().split())
    return frozenset(flat[i:i + 3] for i in range(len(flat) - 2)) or frozenset([flat])


def dice(a: frozenset, b: frozenset) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 0.0


def _label(annotations: list[dict]):
    """``GOOD`` (no error), the category of exactly one Major error, or None (anything else)."""
    errors = [r for r in annotations if r["category"] != "No-error"]
    if not errors:
        return GOOD
    if len(errors) == 1 and str(errors[0]["severity"]).strip() == "Major":
        return str(errors[0]["category"]).strip()
    return None


def _segments(tsv: Path) -> dict[int, dict]:
    """Per segment id: ``doc``, ``source`` / ``target`` / ``label`` per system (file order)."""
    rows: dict[int, dict[str, list[dict]]] = {}
    for row in read_mqm_tsv(tsv).to_dict("records"):
        rows.setdefault(int(row["seg_id"]), {}).setdefault(str(row["system"]), []).append(row)
    return {seg: {"doc": next(iter(systems.values()))[0]["doc"],
                  "source": {s: clean(a[0]["source"]) for s, a in systems.items()},
                  "target": {s: clean(a[0]["target"]) for s, a in systems.items()},
                  "label": {s: _label(a) for s, a in systems.items()}}
            for seg, systems in rows.items()}


def shifted(segments: dict[int, dict]) -> set[tuple[int, str]]:
    """(segment, system) of every translation that matches a neighbouring segment of its
    document better than its own by more than :data:`SHIFT_MARGIN` (rule 2)."""
    grams = {seg: {s: trigrams(t) for s, t in part["target"].items()}
             for seg, part in segments.items()}

    def similarity(own: frozenset, system: str, seg: int) -> float:
        others = [dice(own, g) for s, g in grams[seg].items() if s != system]
        return statistics.median(others) if others else 0.0

    out = set()
    for seg, part in segments.items():
        neighbours = [n for n in (seg - 1, seg + 1)
                      if n in segments and segments[n]["doc"] == part["doc"]]
        for system, own in grams[seg].items():
            mine = similarity(own, system, seg)
            if any(similarity(own, system, n) - mine > SHIFT_MARGIN for n in neighbours):
                out.add((seg, system))
    return out


def _texts(seg: int, part: dict, moved: set, left_out: Counter) -> tuple[list, list]:
    """(good [(text, system)], incorrect [(text, system, category)]) of one segment after
    rules 1-3; ``left_out`` counts the incorrect translations each rule removes."""
    source = part["source"]["ref"]
    texts: dict[str, list[str]] = {}
    for system in sorted(part["target"]):
        incorrect = part["label"][system] not in (GOOD, None)
        if is_reference(system):
            continue
        if part["source"][system] != source:
            left_out[STEPS[1]] += incorrect
        elif (seg, system) in moved:
            left_out[STEPS[2]] += incorrect
        else:
            texts.setdefault(part["target"][system], []).append(system)
    good, bad = [], []
    for text, systems in texts.items():
        labels = {part["label"][s] for s in systems}
        if labels == {GOOD}:
            good.append((text, systems[0]))
        elif len(labels) == 1 and None not in labels:
            bad.append((text, systems[0], labels.pop()))
            left_out[STEPS[4]] += len(systems) - 1
        else:
            left_out[STEPS[3]] += sum(part["label"][s] not in (GOOD, None) for s in systems)
    return sorted(good, key=lambda g: g[1]), sorted(bad, key=lambda b: b[1])


def derive(tsv: Path, langpair: str) -> tuple[list[dict], Counter]:
    """(the contrastive pairs of one language pair's per-error TSV, the counts of
    :data:`INCORRECT` and of the incorrect translations left out per step of :data:`STEPS`)."""
    segments = _segments(tsv)
    moved = shifted(segments)
    out, left_out = [], Counter()
    for seg, part in sorted(segments.items()):
        incorrect = sum(label not in (GOOD, None) for system, label in part["label"].items()
                        if not is_reference(system))
        left_out[INCORRECT] += incorrect
        if "ref" not in part["target"] or (seg, "ref") in moved:
            left_out[STEPS[0]] += incorrect
            continue
        good, bad = _texts(seg, part, moved, left_out)
        if not good:
            left_out[STEPS[5]] += len(bad)
            continue
        for turn, (text, system, category) in enumerate(bad):
            good_text, good_system = good[turn % len(good)]
            out.append({"id": f"{langpair}-{seg}-{system}", "source": part["source"]["ref"],
                        "good-translation": good_text, "incorrect-translation": text,
                        "reference": part["target"]["ref"], "phenomena": category,
                        "category": category.split("/")[0].strip(), "langpair": langpair,
                        "good-system": good_system, "incorrect-system": system})
    return out, left_out


def pairs_of(tsv: Path, langpair: str) -> list[dict]:
    """The contrastive pairs of one language pair's per-error TSV."""
    return derive(tsv, langpair)[0]


def _tsv(release: Path, code: str) -> Path:
    return release / code / f"mqm_ted_{code}.tsv"


def all_pairs(release: Path) -> list[dict]:
    """Pairs of every language pair of the release folder (``wmt_mqm_ted/``)."""
    return [p for code, langpair in LANGPAIRS.items() for p in pairs_of(_tsv(release, code),
                                                                         langpair)]


def funnel(release: Path) -> dict[str, Counter]:
    """Per language pair: the incorrect translations of the release (:data:`INCORRECT`), those
    left out by each step of :data:`STEPS`, and the ``pairs`` made (the rest)."""
    out = {}
    for code, langpair in LANGPAIRS.items():
        pairs, left_out = derive(_tsv(release, code), langpair)
        out[langpair] = Counter({**left_out, "pairs": len(pairs)})
    return out


def build(inputs: dict[str, Path], out: Path) -> None:
    """Registry builder: ``out/pairs.jsonl`` from the resolved ``wmt_mqm_ted`` folder."""
    pairs = all_pairs(inputs["wmt_mqm_ted"])
    (out / OUTPUT).write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs),
                              encoding="utf-8")

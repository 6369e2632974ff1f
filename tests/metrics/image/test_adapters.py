"""Image adapters on tiny random models loaded by path: each score equals a direct computation
from the model's own modules (projected features, Q-Former outputs, ITM head), ranges,
determinism, batch independence, options, and the documented errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from metaeval.errors import MetricError, MetricOptionError
from metaeval.metrics import Batch, get_metric
from metaeval.metrics.registry import get_spec
from tests.metrics.image.conftest import CAPTIONS

REFERENCES = [["a red dog on grass", "a dog"], ["the cat"], ["a blue photo of a tree", "blue",
                                                            "a photo"], ["a cat on a tree"]]


def _batch(paths, **extra) -> Batch:
    inputs = {"image": list(paths), "text": list(CAPTIONS[: len(paths)]), **extra}
    return Batch([f"item{i}" for i in range(len(paths))], inputs)


def _rgb(paths):
    return [Image.open(p).convert("RGB") for p in paths]


def _unit(x):
    return x / x.norm(dim=-1, keepdim=True)


# ---------------------------------------------------------------- direct computations (model API)
def _blip_direct(folder, images, texts):
    from transformers import AutoProcessor, BlipForImageTextRetrieval

    processor = AutoProcessor.from_pretrained(folder)
    model = BlipForImageTextRetrieval.from_pretrained(folder).eval()
    pixels = processor.image_processor(images=images, return_tensors="pt")["pixel_values"]
    tokens = processor.tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        image_cls = model.vision_model(pixel_values=pixels).last_hidden_state[:, 0]
        text_cls = model.text_encoder(input_ids=tokens["input_ids"],
                                      attention_mask=tokens["attention_mask"]).last_hidden_state[:, 0]
        v, t = _unit(model.vision_proj(image_cls)), _unit(model.text_proj(text_cls))
    return (v * t).sum(-1).double().numpy()


def _blip2_itc_direct(folder, images, texts):
    from transformers import AutoProcessor, Blip2ForImageTextRetrieval

    processor = AutoProcessor.from_pretrained(folder)
    model = Blip2ForImageTextRetrieval.from_pretrained(folder).eval()
    pixels = processor.image_processor(images=images, return_tensors="pt")["pixel_values"]
    tokens = processor.tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        patches = model.vision_model(pixel_values=pixels).last_hidden_state
        queries = model.query_tokens.expand(len(images), -1, -1)
        q = model.qformer(query_embeds=queries, encoder_hidden_states=patches).last_hidden_state
        text = model.qformer(query_embeds=model.embeddings(input_ids=tokens["input_ids"]),
                             query_length=0, attention_mask=tokens["attention_mask"])
        v = _unit(model.vision_projection(q))                       # items x queries x d
        t = _unit(model.text_projection(text.last_hidden_state[:, 0]))  # items x d
    return torch.einsum("iqd,id->iq", v, t).max(dim=1).values.double().numpy()


def _blip2_itm_direct(folder, images, texts):
    """Each pair alone through the model's ITM head; softmax class 1."""
    from transformers import AutoProcessor, Blip2ForImageTextRetrieval

    processor = AutoProcessor.from_pretrained(folder)
    model = Blip2ForImageTextRetrieval.from_pretrained(folder).eval()
    out = []
    for image, text in zip(images, texts):
        inputs = processor(images=[image], text=[text], return_tensors="pt")
        with torch.no_grad():
            logits = model(**inputs, use_image_text_matching_head=True).logits_per_image
        out.append(torch.softmax(logits, dim=-1)[0, 1].item())
    return np.array(out)


def _clip_features(folder, images=None, texts=None):
    from transformers import AutoProcessor, CLIPModel

    processor = AutoProcessor.from_pretrained(folder)
    model = CLIPModel.from_pretrained(folder).eval()
    with torch.no_grad():
        if images is not None:
            pixels = processor.image_processor(images=images, return_tensors="pt")["pixel_values"]
            pooled = model.vision_model(pixel_values=pixels).pooler_output
            return _unit(model.visual_projection(pooled).double())
        tokens = processor.tokenizer(texts, padding=True, return_tensors="pt")
        pooled = model.text_model(**tokens).pooler_output
        return _unit(model.text_projection(pooled).double())


# ------------------------------------------------------------------------------------ BLIP
def test_blip2t_is_blip_v1_itc_cosine(blip_dir, image_files):
    metric = get_metric("blip2t", model=str(blip_dir))
    scores = metric.score(_batch(image_files))
    direct = _blip_direct(blip_dir, _rgb(image_files), CAPTIONS)
    np.testing.assert_allclose(scores, direct, rtol=0, atol=1e-6)
    assert scores.shape == (4,) and scores.dtype == np.float64
    assert np.all(np.abs(scores) <= 1) and np.ptp(scores) > 0
    np.testing.assert_array_equal(metric.score(_batch(image_files)), scores)  # deterministic
    single = [metric.score(Batch(["x"], {"image": [p], "text": [c]}))[0]  # no padding effect
              for p, c in zip(image_files, CAPTIONS)]
    np.testing.assert_allclose(single, scores, rtol=0, atol=1e-6)


def test_blip2_itc_is_max_over_queries(blip2_dir, image_files):
    scores = get_metric("blip2_itc", model=str(blip2_dir)).score(_batch(image_files))
    direct = _blip2_itc_direct(blip2_dir, _rgb(image_files), CAPTIONS)
    np.testing.assert_allclose(scores, direct, rtol=0, atol=1e-6)
    assert np.all(np.abs(scores) <= 1) and np.ptp(scores) > 0


def test_blip2_itm_is_match_probability(blip2_dir, image_files):
    metric = get_metric("blip2_itm", model=str(blip2_dir))
    scores = metric.score(_batch(image_files))
    direct = _blip2_itm_direct(blip2_dir, _rgb(image_files), CAPTIONS)
    np.testing.assert_allclose(scores, direct, rtol=0, atol=1e-6)
    assert np.all((scores >= 0) & (scores <= 1)) and np.ptp(scores) > 0
    np.testing.assert_array_equal(metric.score(_batch(image_files)), scores)


# ------------------------------------------------------------------------------------ CLIP
def test_clip_t_is_cosine_of_projected_features(clip_dir, image_files):
    scores = get_metric("clip_t", model=str(clip_dir)).score(_batch(image_files))
    images = _clip_features(clip_dir, images=_rgb(image_files))
    texts = _clip_features(clip_dir, texts=CAPTIONS)
    np.testing.assert_allclose(scores, (images * texts).sum(-1).numpy(), rtol=0, atol=1e-6)
    assert np.all(np.abs(scores) <= 1) and np.ptp(scores) > 0


def test_clipscore_is_w_times_clipped_cosine_with_prefix(clip_dir, image_files):
    scores = get_metric("clipscore", model=str(clip_dir)).score(_batch(image_files))
    images = _clip_features(clip_dir, images=_rgb(image_files))
    texts = _clip_features(clip_dir, texts=[f"A photo depicts {c}" for c in CAPTIONS])
    cos = (images * texts).sum(-1).numpy()
    np.testing.assert_allclose(scores, 2.5 * np.maximum(cos, 0), rtol=0, atol=1e-6)
    assert np.all((scores >= 0) & (scores <= 2.5))
    assert (cos < 0).any() and (cos > 0).any()  # the clipping is exercised on these inputs
    prefixed = get_metric("clip_t", model=str(clip_dir), prefix="A photo depicts ")
    np.testing.assert_allclose(prefixed.score(_batch(image_files)), cos, rtol=0, atol=1e-6)
    w1 = get_metric("clipscore", model=str(clip_dir), w=1.0).score(_batch(image_files))
    np.testing.assert_allclose(w1 * 2.5, scores, rtol=0, atol=1e-9)


def test_refclipscore_is_harmonic_mean(clip_dir, image_files):
    batch = _batch(image_files, references=REFERENCES)
    scores = get_metric("refclipscore", model=str(clip_dir)).score(batch)
    prefix = "A photo depicts "
    images = _clip_features(clip_dir, images=_rgb(image_files))
    candidates = _clip_features(clip_dir, texts=[prefix + c for c in CAPTIONS])
    clip_s = 2.5 * np.maximum((images * candidates).sum(-1).numpy(), 0)
    expected = []
    for i, refs in enumerate(REFERENCES):
        r = _clip_features(clip_dir, texts=[prefix + x for x in refs])
        ref = max(float((r @ candidates[i]).max()), 0.0)
        c = clip_s[i]
        expected.append(0.0 if c + ref == 0 else 2 * c * ref / (c + ref))
    np.testing.assert_allclose(scores, expected, rtol=0, atol=1e-6)
    assert np.all((scores >= 0) & (scores <= 2.5))


def test_refclipscore_own_caption_as_reference(clip_dir, image_files):
    batch = _batch(image_files, references=[[c] for c in CAPTIONS])
    scores = get_metric("refclipscore", model=str(clip_dir)).score(batch)
    clip_s = get_metric("clipscore", model=str(clip_dir)).score(_batch(image_files))
    np.testing.assert_allclose(scores, 2 * clip_s / (clip_s + 1), rtol=0, atol=1e-6)


def test_clip_i_is_image_cosine_mean_over_references(clip_dir, image_files):
    metric = get_metric("clip_i", model=str(clip_dir))
    reference = [image_files[0], image_files[2], [image_files[1], image_files[3]], image_files[3]]
    scores = metric.score(Batch(["a", "b", "c", "d"], {"image": image_files,
                                                       "reference_image": reference}))
    f = _clip_features(clip_dir, images=_rgb(image_files)).numpy()
    expected = [f[0] @ f[0], f[1] @ f[2], (f[2] @ f[1] + f[2] @ f[3]) / 2, f[3] @ f[3]]
    np.testing.assert_allclose(scores, expected, rtol=0, atol=1e-6)
    assert scores[0] == pytest.approx(1.0, abs=1e-9) and scores[3] == pytest.approx(1.0, abs=1e-9)
    assert scores[1] < 1 - 1e-6


def test_long_caption_is_truncated_at_context_length(clip_dir, image_files):
    long = "a" * 200  # 200 letter tokens > 40 positions of the tiny CLIP
    batch = Batch(["x"], {"image": image_files[:1], "text": [long]})
    score = get_metric("clip_t", model=str(clip_dir)).score(batch)[0]
    from transformers import AutoProcessor

    tokenizer = AutoProcessor.from_pretrained(clip_dir).tokenizer
    ids = tokenizer([long], truncation=True, max_length=40, return_tensors="pt")
    assert ids["input_ids"].shape[1] == 40 and ids["input_ids"][0, -1].item() == 1  # EOS kept
    images = _clip_features(clip_dir, images=_rgb(image_files[:1]))
    from transformers import CLIPModel

    model = CLIPModel.from_pretrained(clip_dir).eval()
    with torch.no_grad():
        t = _unit(model.text_projection(model.text_model(**ids).pooler_output).double())
    assert score == pytest.approx(float((images * t).sum()), abs=1e-6)


# ------------------------------------------------------------------------ options and errors
def test_config_signature_follows_every_number_changing_option(clip_dir, blip_dir):
    base = get_metric("clipscore", model=str(clip_dir))
    for other in (get_metric("clipscore", model=str(blip_dir)),
                  get_metric("clipscore", model=str(clip_dir), prefix=""),
                  get_metric("clipscore", model=str(clip_dir), w=1.0),
                  get_metric("clipscore", model=str(clip_dir), max_pixels=100)):
        assert other.config_hash != base.config_hash
    assert get_metric(f"clipscore:model={clip_dir}").config_hash == base.config_hash
    assert "fp16" in get_metric("blip2t").config.__dataclass_fields__


def test_defaults_are_the_published_models():
    assert get_metric("blip2t").config.model == "Salesforce/blip-itm-large-coco"
    assert get_metric("blip2_itc").config.model == "Salesforce/blip2-itm-vit-g"
    assert get_metric("blip2_itm").config.model == "Salesforce/blip2-itm-vit-g"
    assert get_metric("clipscore").config.prefix == "A photo depicts"
    assert get_metric("clipscore").config.w == 2.5
    assert get_metric("clip_t").config.prefix == ""
    assert get_metric("clip_i").config.model == "openai/clip-vit-base-patch32"


def test_blip2t_says_it_is_blip_v1():
    from metaeval.cli.metrics import show_metric

    assert "BLIP v1 ITC despite its name" in get_spec("blip2t").description
    text = show_metric("blip2t")
    assert "BLIP v1 ITC despite its name" in text and "fp16" in text and "max_pixels" in text


def test_fp16_needs_cuda_and_device_auto():
    with pytest.raises(MetricOptionError, match="fp16=true needs a CUDA device"):
        get_metric("blip2t", fp16=True, device="cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert get_metric("clip_t", device="auto").device == expected
    if not torch.cuda.is_available():
        with pytest.raises(MetricOptionError, match="no CUDA device"):
            get_metric("clip_t", device="cuda")


def test_unloadable_model_is_a_metric_error(tmp_path, image_files):
    metric = get_metric("clip_t", model=str(tmp_path))  # an empty folder
    with pytest.raises(MetricError, match="cannot load the CLIPModel in the folder .*Fix: give "
                                          "a folder holding the model and its processor"):
        metric.score(_batch(image_files[:1]))


def test_missing_input_column_is_a_metric_error(clip_dir, image_files):
    with pytest.raises(MetricError, match="needs the input 'reference_image'"):
        get_metric("clip_i", model=str(clip_dir)).score(_batch(image_files[:1]))

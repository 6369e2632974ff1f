"""The i2t2i round trip through tiny random models saved to disk and loaded back by path:
a BLIP captioner, a Stable Diffusion pipeline (2 steps, 32 x 32), CLIP and DINOv2 extractors."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
diffusers = pytest.importorskip("diffusers")
from PIL import Image  # noqa: E402

from metaeval.errors import MetricOptionError, ModelUnavailable  # noqa: E402
from metaeval.metrics.base import Batch  # noqa: E402
from metaeval.metrics.image import roundtrip  # noqa: E402
from metaeval.metrics.registry import get_metric  # noqa: E402
from metaeval.score.calls import outcomes  # noqa: E402

WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *"a cat dog red blue on the mat of".split()]
TINY = dict(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2)


def _blip(folder: Path) -> Path:
    (folder / "vocab.txt").write_text("\n".join(WORDS) + "\n")
    tokenizer = transformers.BertTokenizer(str(folder / "vocab.txt"), model_max_length=32)
    text = dict(TINY, vocab_size=len(WORDS), max_position_embeddings=32, bos_token_id=2,
                sep_token_id=3, pad_token_id=0, eos_token_id=3)
    config = transformers.BlipConfig(text_config=text, projection_dim=16,
                                     vision_config=dict(TINY, image_size=32, patch_size=8))
    transformers.BlipForConditionalGeneration(config).save_pretrained(folder / "blip")
    processor = transformers.BlipProcessor(
        image_processor=transformers.BlipImageProcessor(size={"height": 32, "width": 32}),
        tokenizer=tokenizer)
    processor.save_pretrained(folder / "blip")
    return folder / "blip"


def _vision_encoder_decoder(folder: Path) -> Path:
    """A ViT encoder with a BERT decoder (the layout of e.g. nlpconnect/vit-gpt2)."""
    folder = folder / "ved"
    folder.mkdir()
    (folder / "vocab.txt").write_text("\n".join(WORDS) + "\n")
    decoder = transformers.BertConfig(**TINY, vocab_size=len(WORDS), max_position_embeddings=32,
                                      is_decoder=True, add_cross_attention=True)
    config = transformers.VisionEncoderDecoderConfig.from_encoder_decoder_configs(
        transformers.ViTConfig(**TINY, image_size=32, patch_size=8), decoder)
    torch.manual_seed(1)
    model = transformers.VisionEncoderDecoderModel(config=config)
    for where in (model.config, model.generation_config):
        where.decoder_start_token_id, where.pad_token_id, where.eos_token_id = 2, 0, 3
    model.save_pretrained(folder)
    transformers.BertTokenizer(str(folder / "vocab.txt"), model_max_length=32).save_pretrained(folder)
    transformers.ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(folder)
    return folder


def _clip_tokenizer(folder: Path):
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for char in "abcdefghijklmnopqrstuvwxyz":
        vocab[char], vocab[char + "</w>"] = len(vocab), len(vocab) + 1
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    return transformers.CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"),
                                      model_max_length=16, unk_token="<|endoftext|>")


def _stable_diffusion(folder: Path) -> Path:
    tokenizer = _clip_tokenizer(folder)
    text = transformers.CLIPTextModel(transformers.CLIPTextConfig(
        **TINY, vocab_size=len(tokenizer.get_vocab()), max_position_embeddings=16,
        projection_dim=16, bos_token_id=0, eos_token_id=1, pad_token_id=1))
    unet = diffusers.UNet2DConditionModel(
        block_out_channels=(8, 16), layers_per_block=1, sample_size=16, cross_attention_dim=16,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), attention_head_dim=2,
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), norm_num_groups=4)
    vae = diffusers.AutoencoderKL(
        block_out_channels=(8, 16), down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2, latent_channels=4, norm_num_groups=4)
    scheduler = diffusers.DDIMScheduler(beta_schedule="scaled_linear", beta_start=0.00085,
                                        beta_end=0.012, clip_sample=False, steps_offset=1,
                                        set_alpha_to_one=False)
    diffusers.StableDiffusionPipeline(
        unet=unet, vae=vae, text_encoder=text, tokenizer=tokenizer, scheduler=scheduler,
        safety_checker=None, feature_extractor=None, requires_safety_checker=False,
    ).save_pretrained(folder / "sd")
    return folder / "sd"


def _extractors(folder: Path) -> dict[str, Path]:
    crop = dict(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    transformers.CLIPVisionModelWithProjection(transformers.CLIPVisionConfig(
        **TINY, image_size=32, patch_size=8, projection_dim=8)).save_pretrained(folder / "clip")
    transformers.CLIPImageProcessor(**crop).save_pretrained(folder / "clip")
    transformers.Dinov2Model(transformers.Dinov2Config(
        **TINY, image_size=32, patch_size=8)).save_pretrained(folder / "dino")
    transformers.BitImageProcessor(**crop).save_pretrained(folder / "dino")
    clip = transformers.CLIPConfig(text_config=dict(TINY, vocab_size=60, max_position_embeddings=16),
                                   vision_config=dict(TINY, image_size=32, patch_size=8),
                                   projection_dim=8)  # not the vision default (512)
    transformers.CLIPModel(clip).save_pretrained(folder / "clip_full")
    transformers.CLIPImageProcessor(**crop).save_pretrained(folder / "clip_full")
    return {"clip": folder / "clip", "dino": folder / "dino", "clip_full": folder / "clip_full"}


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("tiny_models")
    torch.manual_seed(0)
    return {"captioner": _blip(folder), "generator": _stable_diffusion(folder),
            "ved": _vision_encoder_decoder(folder), **_extractors(folder)}


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(7)
    paths = []
    for index, size in enumerate([(40, 48), (32, 32), (24, 60)]):
        path = folder / f"image{index}.png"
        Image.fromarray((rng.random((*size, 3)) * 255).astype(np.uint8)).save(path)
        paths.append(path)
    return paths


def _metric(models, artifacts: Path, extractor: str = "clip", **options):
    tiny = dict(captioner=str(models["captioner"]), generator=str(models["generator"]),
                extractor=str(models[extractor]), steps=2, resolution=32,
                artifacts_dir=str(artifacts))
    return get_metric("i2t2i_roundtrip", **{**tiny, **options})


def _batch(paths, texts=None) -> Batch:
    inputs = {"image": [str(p) for p in paths]}
    if texts is not None:
        inputs["text"] = texts
    return Batch(ids=[f"item{i}/sys" for i in range(len(paths))], inputs=inputs)


def _direct_features(folder: Path, kind: str, images: list) -> np.ndarray:
    processor = transformers.AutoImageProcessor.from_pretrained(folder)
    pixels = processor(images=images, return_tensors="pt")["pixel_values"]
    with torch.no_grad():
        if kind == "clip_full":  # CLIPModel.get_image_features: a tensor (4.x) or an output (5.x)
            out = transformers.CLIPModel.from_pretrained(folder).eval().get_image_features(
                pixel_values=pixels)
            return (out if torch.is_tensor(out) else out.pooler_output).double().numpy()
        if kind == "clip":
            model = transformers.CLIPVisionModelWithProjection.from_pretrained(folder).eval()
            return model(pixel_values=pixels).image_embeds.double().numpy()
        out = transformers.Dinov2Model.from_pretrained(folder).eval()(pixel_values=pixels)
    # pooler_output is the CLS token of the (layer-normed) last layer
    assert torch.equal(out.pooler_output, out.last_hidden_state[:, 0])
    return out.pooler_output.double().numpy()


def _direct_caption(folder: Path, image) -> str:
    processor = transformers.BlipProcessor.from_pretrained(folder)
    model = transformers.BlipForConditionalGeneration.from_pretrained(folder).eval()
    with torch.no_grad():
        tokens = model.generate(**processor(images=image, return_tensors="pt"),
                                max_new_tokens=30, do_sample=False)
    return processor.decode(tokens[0], skip_special_tokens=True).strip()


@pytest.mark.parametrize("kind", ["clip", "dino", "clip_full"])
def test_score_is_the_cosine_of_extractor_features(models, images, tmp_path, kind):
    metric = _metric(models, tmp_path, extractor=kind)
    values, details = metric.score_with_details(_batch(images))
    originals = [Image.open(p).convert("RGB") for p in images]
    generated = [Image.open(d["generated"]).convert("RGB") for d in details]
    a = _direct_features(models[kind], kind, originals)
    b = _direct_features(models[kind], kind, generated)
    expected = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    np.testing.assert_allclose(values, expected, rtol=0, atol=1e-6)
    assert np.all(np.abs(values) <= 1) and len(set(np.round(values, 9))) == len(images)
    for image, detail in zip(originals, details):
        stem = Path(detail["generated"]).with_suffix("")
        assert detail["caption"] == _direct_caption(models["captioner"], image)
        assert stem.with_suffix(".txt").read_text(encoding="utf-8") == detail["caption"]
    assert {image.size for image in generated} == {(32, 32)}


def test_a_vision_encoder_decoder_captioner(models, images, tmp_path):
    metric = _metric(models, tmp_path, captioner=str(models["ved"]), max_new_tokens=6)
    values, details = metric.score_with_details(_batch(images[:2]))
    model = transformers.VisionEncoderDecoderModel.from_pretrained(models["ved"]).eval()
    processor = transformers.ViTImageProcessor.from_pretrained(models["ved"])
    tokenizer = transformers.BertTokenizer.from_pretrained(models["ved"])
    for path, detail in zip(images, details):
        pixels = processor(images=Image.open(path).convert("RGB"), return_tensors="pt")
        with torch.no_grad():
            tokens = model.generate(pixel_values=pixels["pixel_values"], max_new_tokens=6,
                                    do_sample=False, num_beams=1)
        assert detail["caption"] == tokenizer.decode(tokens[0], skip_special_tokens=True).strip()
        assert detail["caption"]  # the tiny decoder emits words, so the check is not vacuous
    assert np.all(np.isfinite(values)) and np.all(np.abs(values) <= 1)


def test_generated_image_is_the_pipeline_output_for_the_caption_and_seed(models, images,
                                                                          tmp_path):
    _, details = _metric(models, tmp_path, seed=3).score_with_details(_batch(images[:1]))
    pipeline = diffusers.StableDiffusionPipeline.from_pretrained(models["generator"])
    pipeline.set_progress_bar_config(disable=True)
    direct = pipeline(prompt=details[0]["caption"], num_inference_steps=2, guidance_scale=7.5,
                      height=32, width=32, generator=torch.Generator("cpu").manual_seed(3))
    kept = np.asarray(Image.open(details[0]["generated"]))
    np.testing.assert_array_equal(kept, np.asarray(direct.images[0]))


def test_same_seed_same_image_and_score_other_seed_other_image(models, images, tmp_path):
    runs = {}
    for name, seed in [("first", 0), ("again", 0), ("other", 1)]:
        values, details = _metric(models, tmp_path / name, seed=seed).score_with_details(
            _batch(images))
        runs[name] = values, [Path(d["generated"]).read_bytes() for d in details]
    assert runs["first"][1] == runs["again"][1]
    np.testing.assert_array_equal(runs["first"][0], runs["again"][0])
    assert all(a != b for a, b in zip(runs["first"][1], runs["other"][1]))
    assert not np.array_equal(runs["first"][0], runs["other"][0])


def _count_calls(monkeypatch, cls, name: str) -> list:
    calls, original = [], getattr(cls, name)

    def counted(self, *args, **kwargs):
        calls.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, name, counted)
    return calls


@pytest.mark.slow
def test_captions_and_images_are_kept_and_reused(models, images, tmp_path, monkeypatch):
    generated = _count_calls(monkeypatch, roundtrip.TextToImage, "generate")
    captioned = _count_calls(monkeypatch, roundtrip.Captioner, "caption")
    first, details = _metric(models, tmp_path).score_with_details(_batch(images))
    assert (len(generated), len(captioned)) == (3, 1)  # one image per item, one caption batch
    again, details_again = _metric(models, tmp_path).score_with_details(_batch(images))
    assert (len(generated), len(captioned)) == (3, 1)
    np.testing.assert_array_equal(first, again)
    assert details == details_again
    _metric(models, tmp_path, extractor="dino").score_with_details(_batch(images))
    assert (len(generated), len(captioned)) == (3, 1)  # another extractor, the same images
    folder = Path(details[0]["generated"]).parent
    assert sorted(p.suffix for p in folder.iterdir()) == [".json"] + [".png"] * 3 + [".txt"] * 3
    assert json.loads((folder / "config.json").read_text())["seed"] == 0
    _metric(models, tmp_path, seed=5).score_with_details(_batch(images[:1]))
    assert (len(generated), len(captioned)) == (4, 2)


def test_every_field_but_the_artifacts_folder_is_in_the_signature(models, tmp_path):
    base = _metric(models, tmp_path)
    changed = {"caption_from": "text", "dtype": "bfloat16", "resolution": 40,
               "artifacts_dir": str(tmp_path / "x")}
    for field in dataclasses.fields(roundtrip.RoundTripConfig):
        value = getattr(base.config, field.name)
        new = changed.get(field.name, value + 1 if isinstance(value, (int, float))
                          else value + "-other")
        other = get_metric("i2t2i_roundtrip", **{**dataclasses.asdict(base.config),
                                                 field.name: new})
        assert getattr(other.config, field.name) == new
        assert (other.config_hash == base.config_hash) == (field.name == "artifacts_dir")
        # the kept files depend on every field but the extractor
        assert (other.artifacts == base.artifacts) == (field.name == "extractor"), field.name


def test_an_unreadable_image_is_nan_with_its_reason(models, images, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    results = outcomes(_metric(models, tmp_path), _batch([images[0], broken]))
    assert results[0].value is not None and -1 <= results[0].value <= 1
    assert results[1].value is None
    assert str(broken) in results[1].reason and "cannot read the image" in results[1].reason


def test_caption_from_text_uses_the_rows_caption(models, images, tmp_path, monkeypatch):
    captioned = _count_calls(monkeypatch, roundtrip.Captioner, "caption")
    metric = _metric(models, tmp_path, caption_from="text")
    results = outcomes(metric, _batch(images[:2], ["a red cat on the mat", None]))
    assert captioned == [] and results[0].value is not None
    assert results[0].details["caption"] == "a red cat on the mat"
    kept = Path(results[0].details["generated"]).with_suffix(".txt")
    assert kept.read_text(encoding="utf-8") == "a red cat on the mat"
    assert results[1].value is None and "gives no text" in results[1].reason


def test_bad_options_and_models_are_clear_errors(models, images, tmp_path):
    for options in [{"dtype": "float64"}, {"caption_from": "both"}, {"resolution": 30},
                    {"steps": 0}]:
        with pytest.raises(MetricOptionError):
            _metric(models, tmp_path, **options)
    results = outcomes(_metric(models, tmp_path, extractor="captioner"), _batch(images[:1]))
    assert results[0].value is None and "neither a CLIP nor a DINOv2" in results[0].reason
    missing = tmp_path / "no_such_model"
    with pytest.raises(ModelUnavailable, match="i2t2i_roundtrip: captioner '.*no_such_model' is "
                                               "neither a local folder nor in the local Hugging "
                                               "Face cache"):  # stops the run: no item scores
        outcomes(get_metric("i2t2i_roundtrip", captioner=str(missing), resolution=32,
                            artifacts_dir=str(tmp_path)), _batch(images[:1]))

"""Tiny random BLIP, BLIP-2 and CLIP models with their processors, built from configs and saved
with ``save_pretrained`` so the adapters load them by path, as they load real checkpoints."""

from __future__ import annotations

import json
from pathlib import Path

WORDS = "a photo of the dog cat on grass red blue green depicts sits runs under tree".split()
BERT_SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
VISION = dict(hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4,
              image_size=32, patch_size=8)
TEXT = dict(hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4)


def _bert_tokenizer(folder: Path):
    from transformers import BertTokenizer

    vocab = folder / "vocab_source.txt"
    vocab.write_text("\n".join(BERT_SPECIAL + WORDS) + "\n", encoding="utf-8")
    return BertTokenizer(str(vocab), model_max_length=24)


def _blip_image_processor():
    from transformers import BlipImageProcessor

    return BlipImageProcessor(size={"height": 32, "width": 32})


def build_blip(folder: Path, seed: int = 0) -> Path:
    """BLIP v1 retrieval model (ViT + BERT text encoder, 16-d projections)."""
    import torch
    from transformers import BlipConfig, BlipForImageTextRetrieval, BlipProcessor

    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = _bert_tokenizer(folder)
    text = dict(TEXT, vocab_size=len(tokenizer), max_position_embeddings=32,
                encoder_hidden_size=32, pad_token_id=0, bos_token_id=2, sep_token_id=3)
    config = BlipConfig(vision_config=VISION, text_config=text, projection_dim=16,
                        image_text_hidden_size=16)
    torch.manual_seed(seed)
    BlipForImageTextRetrieval(config).eval().save_pretrained(folder)
    BlipProcessor(image_processor=_blip_image_processor(), tokenizer=tokenizer).save_pretrained(folder)
    return folder


def build_blip2(folder: Path, seed: int = 0) -> Path:
    """BLIP-2 retrieval model (ViT + Q-Former with 4 query tokens, 16-d projections)."""
    import torch
    from transformers import Blip2Config, Blip2ForImageTextRetrieval, Blip2Processor

    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = _bert_tokenizer(folder)
    qformer = dict(TEXT, vocab_size=len(tokenizer), max_position_embeddings=32,
                   encoder_hidden_size=32, pad_token_id=0, use_qformer_text_input=True)
    config = Blip2Config(vision_config=VISION, qformer_config=qformer, num_query_tokens=4,
                         image_text_hidden_size=16)
    torch.manual_seed(seed)
    Blip2ForImageTextRetrieval(config).eval().save_pretrained(folder)
    Blip2Processor(image_processor=_blip_image_processor(), tokenizer=tokenizer).save_pretrained(folder)
    return folder


def _clip_tokenizer(folder: Path):
    """A character-level CLIP BPE tokenizer (no merges): every letter is a token."""
    from transformers import CLIPTokenizer

    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for char in "abcdefghijklmnopqrstuvwxyz":
        vocab[char] = len(vocab)
        vocab[char + "</w>"] = len(vocab)
    (folder / "vocab_source.json").write_text(json.dumps(vocab), encoding="utf-8")
    return CLIPTokenizer(vocab=vocab, merges=[])


def build_clip(folder: Path, seed: int = 0) -> Path:
    """CLIP (ViT 32x32, patch 8, text context 40, 16-d projections)."""
    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor

    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = _clip_tokenizer(folder)
    text = dict(TEXT, vocab_size=len(tokenizer), max_position_embeddings=40, bos_token_id=0,
                eos_token_id=1, pad_token_id=1)
    config = CLIPConfig(vision_config=VISION, text_config=text, projection_dim=16)
    torch.manual_seed(seed)
    CLIPModel(config).eval().save_pretrained(folder)
    images = CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    CLIPProcessor(image_processor=images, tokenizer=tokenizer).save_pretrained(folder)
    return folder

"""The built-in metrics, declared without importing their back-ends.

Each row names the adapter class (imported only when the metric is used), its inputs, direction,
the modules it needs and the pip extra that installs them. The registry
(:mod:`metaeval.metrics.registry`) reads :data:`BUILTIN`; this module imports nothing of it.
"""

from __future__ import annotations

from metaeval.citations import (
    AURALOSS_2020,
    GSVS_2025,
    LE_ROUX_2019,
    SISEC_2018,
    VINCENT_2006,
)
from metaeval.metrics.spec import MetricSpec

TEXT_REF = ("hypothesis", "reference")
SACREBLEU = ("sacrebleu",)
AUDIO_INTRUSIVE = ("estimate", "reference")
AUDIO_WITH_MIXTURE = ("estimate", "reference", "mixture")
TORCH = ("torch",)
IMAGE_TEXT = ("image", "text")
IMAGE_MODELS = ("torch", "transformers")  # pillow comes with the image extra

BUILTIN: tuple[MetricSpec, ...] = (
    MetricSpec("sdr", "audio", "metaeval.metrics.audio.bsseval:SDR", AUDIO_INTRUSIVE, True, TORCH,
               "audio", VINCENT_2006, "BSS-Eval SDR over the whole excerpt, the estimate "
               "projected on 512 delayed copies of the target (torchmetrics "
               "signal_distortion_ratio defaults, GSVS study); preset bss_eval_v3: mir_eval "
               "bss_eval_images SDR (no distortion filter); add channels=multichannel for the "
               "stereo images."),
    MetricSpec("sisdr", "audio", "metaeval.metrics.audio.bsseval:SISDR", AUDIO_INTRUSIVE, True,
               TORCH, "audio", LE_ROUX_2019, "Scale-invariant SDR, zero_mean=False; "
               "channels=multichannel: one scale over the concatenated channels (SA-SDR)."),
    MetricSpec("sar", "audio", "metaeval.metrics.audio.bsseval:SAR", AUDIO_WITH_MIXTURE, True,
               TORCH + ("fast_bss_eval",), "audio", VINCENT_2006,
               "BSS-Eval SAR with the interferer (mixture - target) as second reference: "
               "fast_bss_eval bss_eval_sources, 1024 taps, load_diag 1e-7 (GSVS study); preset "
               "bss_eval_v3: mir_eval bss_eval_images, 512 taps, exact least squares (add "
               "channels=multichannel for the stereo images)."),
    MetricSpec("sir", "audio", "metaeval.metrics.audio.bsseval:SIR", AUDIO_WITH_MIXTURE, True,
               TORCH + ("fast_bss_eval",), "audio", VINCENT_2006,
               "BSS-Eval SIR with the interferer (mixture - target) as second reference: "
               "fast_bss_eval bss_eval_sources, 1024 taps, load_diag 1e-7 (GSVS study); preset "
               "bss_eval_v3: mir_eval bss_eval_images, 512 taps, exact least squares (add "
               "channels=multichannel for the stereo images)."),
    MetricSpec("isr", "audio", "metaeval.metrics.audio.bsseval:ISR", AUDIO_WITH_MIXTURE, True,
               TORCH + ("fast_bss_eval",), "audio", VINCENT_2006,
               "BSS-Eval ISR (image-to-spatial distortion): the estimate projected on 1024 delayed "
               "copies of the target (bss_eval_images); preset bss_eval_v3: 512 taps as mir_eval; "
               "channels=multichannel: the stereo images."),
    MetricSpec("bsseval_v4", "audio", "metaeval.metrics.audio.bsseval_v4:BSSEvalV4SDR",
               AUDIO_WITH_MIXTURE, True, ("museval",), "audio",
               SISEC_2018,
               "Framewise BSS-Eval v4 SDR (museval: 1 s windows and hop, median over frames); "
               "channels=multichannel: the stereo images, as SiSEC 2018."),
    MetricSpec("mrstft", "audio", "metaeval.metrics.audio.mrstft:MRSTFT", AUDIO_INTRUSIVE, False,
               TORCH, "audio",
               AURALOSS_2020,
               "Multi-resolution STFT loss as in the GSVS study (A-weighted, 5 resolutions)."),
    MetricSpec("emb_mse_mert", "audio", "metaeval.metrics.audio.embedding:EmbeddingMSEMert",
               AUDIO_INTRUSIVE, False, TORCH + ("transformers",), "audio", GSVS_2025,
               "MSE of time-aligned MERT-v1-95M frame embeddings (layer 12)."),
    MetricSpec("fad_song2song_mert", "audio", "metaeval.metrics.audio.embedding:FADMert",
               AUDIO_INTRUSIVE, False, TORCH + ("transformers",), "audio", GSVS_2025,
               "Frechet distance between Gaussians of the reference and estimate MERT frames."),
    MetricSpec("emb_mse_music2latent", "audio", "metaeval.metrics.audio.embedding:EmbeddingMSEMusic2Latent",
               AUDIO_INTRUSIVE, False, TORCH + ("music2latent",), "audio", GSVS_2025,
               "MSE of time-aligned Music2Latent latents."),
    MetricSpec("fad_song2song_music2latent", "audio", "metaeval.metrics.audio.embedding:FADMusic2Latent",
               AUDIO_INTRUSIVE, False, TORCH + ("music2latent",), "audio", GSVS_2025,
               "Frechet distance of Music2Latent latents, reference vs estimate."),
    MetricSpec("emb_mse_clap", "audio", "metaeval.metrics.audio.embedding:EmbeddingMSEClap",
               AUDIO_INTRUSIVE, False, TORCH + ("transformers",), "audio", GSVS_2025,
               "MSE of LAION CLAP audio embeddings (transformers ClapModel; 10 s windows, 1 s hop)."),
    MetricSpec("fad_song2song_clap", "audio", "metaeval.metrics.audio.embedding:FADClap",
               AUDIO_INTRUSIVE, False, TORCH + ("transformers",), "audio", GSVS_2025,
               "Frechet distance of LAION CLAP window embeddings, reference vs estimate."),
    MetricSpec("pesq", "audio", "metaeval.metrics.audio.speech:PESQ", AUDIO_INTRUSIVE, True,
               ("pesq",), "audio", "ITU-T P.862 / P.862.2 (PESQ, wide-band).",
               "PESQ MOS-LQO (wide band at 16 kHz by default, narrow band at 8 kHz)."),
    MetricSpec("stoi", "audio", "metaeval.metrics.audio.speech:STOI", AUDIO_INTRUSIVE, True,
               ("pystoi",), "audio",
               "C. H. Taal et al., An Algorithm for Intelligibility Prediction of Time-Frequency "
               "Weighted Noisy Speech, IEEE TASLP 2011.", "Short-time objective intelligibility."),
    MetricSpec("dnsmos", "audio", "metaeval.metrics.audio.speech:DNSMOS", ("estimate",), True,
               ("speechmos", "onnxruntime"), "audio",
               "C. K. A. Reddy, V. Gopal, R. Cutler, DNSMOS P.835, ICASSP 2022.",
               "Non-intrusive DNSMOS P.835 overall quality (OVRL), ONNX models from speechmos."),
    MetricSpec("bleu", "text", "metaeval.metrics.text.sacrebleu_metrics:BLEU", TEXT_REF, True,
               SACREBLEU, "text", "K. Papineni, S. Roukos, T. Ward, W.-J. Zhu, BLEU, ACL 2002.",
               "BLEU (sacrebleu), sentence level (effective order) or corpus=true."),
    MetricSpec("chrf", "text", "metaeval.metrics.text.sacrebleu_metrics:CHRF", TEXT_REF, True,
               SACREBLEU, "text", "M. Popovic, chrF, WMT 2015.",
               "chrF (sacrebleu): character 6-gram F-score, beta 2."),
    MetricSpec("chrf++", "text", "metaeval.metrics.text.sacrebleu_metrics:CHRFPP", TEXT_REF, True,
               SACREBLEU, "text", "M. Popovic, chrF++: words helping character n-grams, WMT 2017.",
               "chrF++ (sacrebleu): chrF with word 1- and 2-grams."),
    MetricSpec("ter", "text", "metaeval.metrics.text.sacrebleu_metrics:TER", TEXT_REF, False,
               SACREBLEU, "text", "M. Snover, B. Dorr, R. Schwartz et al., TER, AMTA 2006.",
               "TER (sacrebleu): translation edit rate, lower is better."),
    MetricSpec("bertscore", "text", "metaeval.metrics.text.bertscore:BERTScore", TEXT_REF, True,
               ("bert_score", "torch", "transformers"), "text",
               "T. Zhang, V. Kishore, F. Wu, K. Q. Weinberger, Y. Artzi, BERTScore, ICLR 2020.",
               "BERTScore F1 (bert-score); model=minilm is the packaged all-MiniLM-L6-v2."),
    MetricSpec("rouge", "text", "metaeval.metrics.text.rouge:ROUGE", TEXT_REF, True,
               ("rouge_score",), "text", "C.-Y. Lin, ROUGE, ACL Workshop 2004.",
               "ROUGE (rouge-score): variant, measure, stemmer, multi-reference rule configurable."),
    MetricSpec("comet", "text", "metaeval.metrics.text.comet:COMET",
               ("hypothesis", "source", "reference"), True, ("comet",), "comet",
               "R. Rei, C. Stewart, A. C. Farinha, A. Lavie, COMET, EMNLP 2020.",
               "COMET (unbabel-comet), reference-based or QE (reference_free=true); local models."),
    MetricSpec("tigerscore", "text", "metaeval.metrics.text.tigerscore:TIGERScore",
               ("hypothesis", "instruction"), True, ("torch", "transformers"), "text",
               "D. Jiang, Y. Li, G. Zhang, W. Huang, B. Y. Lin, W. Chen, TIGERScore, TMLR 2024.",
               "TIGERScore: an LLM error analysis; -(sum of per-error reductions), 0 = no error."),
    MetricSpec("blip2t", "image", "metaeval.metrics.image.blip:BLIP2T", IMAGE_TEXT, True,
               IMAGE_MODELS, "image",
               "J. Huang et al., ClassDiffusion (model: BLIP v1, J. Li et al.), ICLR 2025.",
               "ClassDiffusion's 'BLIP2-T', which is BLIP v1 ITC despite its name: cosine of the "
               "L2-normalised vision_proj(image CLS) and text_proj(text CLS) of "
               "BlipForImageTextRetrieval (Salesforce/blip-itm-large-coco, use_itm_head=False), "
               "in [-1, 1], no x100, no clipping; fp16=true on CUDA as their script."),
    MetricSpec("blip2_itc", "image", "metaeval.metrics.image.blip:BLIP2ITC", IMAGE_TEXT, True,
               IMAGE_MODELS, "image", "J. Li, D. Li, S. Savarese, S. Hoi, BLIP-2, ICML 2023.",
               "BLIP-2 image-text contrastive score (Blip2ForImageTextRetrieval, "
               "Salesforce/blip2-itm-vit-g): max over query outputs of the cosine, in [-1, 1]."),
    MetricSpec("blip2_itm", "image", "metaeval.metrics.image.blip:BLIP2ITM", IMAGE_TEXT, True,
               IMAGE_MODELS, "image", "J. Li, D. Li, S. Savarese, S. Hoi, BLIP-2, ICML 2023.",
               "BLIP-2 image-text matching probability (softmax of the ITM head, class 1), "
               "Salesforce/blip2-itm-vit-g, in [0, 1]."),
    MetricSpec("clip_t", "image", "metaeval.metrics.image.clip:CLIPT", IMAGE_TEXT, True,
               IMAGE_MODELS, "image", "A. Radford et al., CLIP, ICML 2021.",
               "CLIP-T: cosine of CLIP's projected, normalised image and text features "
               "(transformers CLIPModel, default openai/clip-vit-base-patch32), in [-1, 1]."),
    MetricSpec("clipscore", "image", "metaeval.metrics.image.clip:CLIPScore", IMAGE_TEXT, True,
               IMAGE_MODELS, "image", "J. Hessel et al., CLIPScore, EMNLP 2021.",
               "CLIPScore: 2.5 * max(cos(image, 'A photo depicts ' + caption), 0), CLIP ViT-B/32, "
               "in [0, 2.5]."),
    MetricSpec("refclipscore", "image", "metaeval.metrics.image.clip:RefCLIPScore",
               ("image", "text", "references"), True, IMAGE_MODELS, "image",
               "J. Hessel et al., CLIPScore, EMNLP 2021.",
               "RefCLIPScore: harmonic mean of CLIPScore and max(max over references of "
               "cos(caption, reference), 0), CLIP ViT-B/32, prefix 'A photo depicts'."),
    MetricSpec("clip_i", "image", "metaeval.metrics.image.clip:CLIPI",
               ("image", "reference_image"), True, IMAGE_MODELS, "image",
               "A. Radford et al., CLIP (CLIP-I as in N. Ruiz et al., DreamBooth), ICML 2021.",
               "CLIP-I: cosine of CLIP's projected, normalised image features of the image and "
               "its reference image (mean over several), in [-1, 1]."),
    MetricSpec("i2t2i_roundtrip", "image", "metaeval.metrics.image.roundtrip:ImageRoundTrip",
               ("image",), True, ("torch", "transformers", "diffusers"), "image",
               "J.-H. Huang, H. Zhu, Y. Shen, S. Rudinac, A. M. Sacchetti, E. Kanoulas, A Novel "
               "Evaluation Framework for Image2Text Generation, LLM4Eval @ SIGIR 2024.",
               "Round trip: image -> captioner -> caption -> diffusers text-to-image -> cosine "
               "of CLIP/DINOv2 image features with the original, in [-1, 1]."),
)

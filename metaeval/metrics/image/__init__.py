"""Image metric adapters (BLIP ITC "BLIP2-T", BLIP-2 ITC/ITM, CLIP-T, CLIPScore, RefCLIPScore,
CLIP-I, the i2t2i round trip) and the shared image input helpers (:mod:`metaeval.metrics.image.images`).

Adapters receive a :class:`~metaeval.metrics.base.Batch` whose ``inputs`` hold one entry per
item: ``image`` and ``reference_image`` as image file paths (or Pillow images in the Python
API), ``text`` as the caption or prompt, ``reference`` as a list of one or more reference
captions. Nothing heavy is imported here.
"""

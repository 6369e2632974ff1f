"""Tests of the image metric adapters and the image input helpers."""

"""Example metaeval plugin: the log-spectral distance as an audio metric."""

from metaeval_example_plugin.lsd import LogSpectralDistance, log_spectral_distance

__all__ = ["LogSpectralDistance", "log_spectral_distance"]

"""Example metaeval plugin: the log-spectral distance (audio) and colourfulness (image)."""

from metaeval_example_plugin.colourfulness import Colourfulness, colourfulness
from metaeval_example_plugin.lsd import LogSpectralDistance, log_spectral_distance

__all__ = ["Colourfulness", "LogSpectralDistance", "colourfulness", "log_spectral_distance"]

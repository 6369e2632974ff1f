"""Tests of the metric framework: registry, plugins and adapters."""

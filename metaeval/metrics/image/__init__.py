"""Image metric adapters."""

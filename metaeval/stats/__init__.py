"""The statistics engine: pure numpy/scipy, no I/O, vectorised over a leading draw axis."""

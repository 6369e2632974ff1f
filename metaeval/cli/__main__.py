"""``python -m metaeval.cli``: the console script."""

from metaeval.cli import main

main()

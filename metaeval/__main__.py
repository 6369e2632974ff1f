"""``python -m metaeval``: the ``metaeval`` command."""

from metaeval.cli import main

if __name__ == "__main__":
    main()

"""The package version, in a module of its own so that every layer can import it."""

__version__ = "0.1.0"


def package_versions() -> tuple[tuple[str, str], ...]:
    """The packages whose versions change the numbers (they go into every signature)."""
    import numpy
    import pandas
    import scipy

    return (("metaeval", __version__), ("numpy", numpy.__version__),
            ("scipy", scipy.__version__), ("pandas", pandas.__version__))

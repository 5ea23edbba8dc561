"""The package version, the one place it is written (pyproject.toml reads it from here), so
that ``tracerdiff --version`` needs no package-metadata lookup."""

__version__ = "0.1.0"

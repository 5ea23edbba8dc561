"""Provenance helpers: file hashes, package versions, how a tracerdiff output folder is known.
The record of a study run is built by :func:`tracerdiff.study.record.provenance`."""

from __future__ import annotations

import hashlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

__all__ = [
    "DEPENDENCIES",
    "PROVENANCE_KIND",
    "is_tracerdiff_output",
    "package_version",
    "sha256_of",
]

#: packages whose versions are recorded
DEPENDENCIES = (
    "numpy",
    "scipy",
    "xarray",
    "matplotlib",
    "pint",
    "tifffile",
    "h5netcdf",
    "scikit-image",
    "pydantic",
    "dask",
    "distributed",
    "typer",
    "rich",
    "sims",
    "emcee",
)
#: the ``kind`` written into provenance.json (how a tracerdiff output folder is recognised)
PROVENANCE_KIND = "tracerdiff-run"


def sha256_of(path: Path, *, chunk: int = 1 << 20) -> str:
    """sha256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def package_version(name: str) -> str | None:
    """The installed version of ``name``, or None."""
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def is_tracerdiff_output(folder: Path) -> bool:
    """True when ``folder`` holds a provenance.json written by a tracerdiff run."""
    import json

    p = folder / "provenance.json"
    try:
        return json.loads(p.read_text(encoding="utf-8")).get("kind") == PROVENANCE_KIND
    except (OSError, ValueError, AttributeError):
        return False

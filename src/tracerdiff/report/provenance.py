"""Provenance of a run: versions, input file hashes, the study file, seeds, the command line."""

from __future__ import annotations

import datetime as _dt
import hashlib
import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from ..study.plan import Plan
from ..study.schema import files_of

__all__ = ["DEPENDENCIES", "PROVENANCE_KIND", "is_tracerdiff_output", "provenance", "sha256_of"]

#: packages whose versions are recorded
DEPENDENCIES = ("numpy", "scipy", "xarray", "matplotlib", "pint", "tifffile", "h5netcdf",
                "scikit-image", "pydantic", "dask", "distributed", "typer", "rich", "sims",
                "emcee")
#: the ``kind`` written into provenance.json (how a tracerdiff output folder is recognised)
PROVENANCE_KIND = "tracerdiff-run"


def sha256_of(path: Path, *, chunk: int = 1 << 20) -> str:
    """sha256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def provenance(plan: Plan, *, scheduler: Any = None, elapsed_s: float | None = None,
               extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The provenance record of a run of ``plan`` (JSON-plain)."""
    study = plan.study
    files = []
    seen: set[Path] = set()
    for p in files_of(study.spec):
        rp = p.resolve()
        if rp in seen:
            continue
        seen.add(rp)
        rel = rp.relative_to(study.base_dir) if rp.is_relative_to(study.base_dir) else rp
        files.append({"path": str(rel), "sha256": sha256_of(rp), "bytes": rp.stat().st_size})
    out: dict[str, Any] = {
        "kind": PROVENANCE_KIND,
        "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "tracerdiff": _version("tracerdiff"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "dependencies": {name: _version(name) for name in DEPENDENCIES},
        "command": [Path(sys.argv[0]).name, *sys.argv[1:]] if sys.argv else [],
        "scheduler": "local threads" if scheduler is None else str(scheduler),
        "study_file": {"path": str(study.path), "sha256": study.sha256, "text": study.text},
        "inputs": files,
        "seeds": {
            "root": plan.root_seed,
            "method": "numpy.random.SeedSequence(root).spawn(n_analyses); parts spawn further",
            "analyses": {pa.id: pa.seed_info() for pa in plan.analyses},
        },
    }
    if elapsed_s is not None:
        out["elapsed_s"] = round(elapsed_s, 3)
    if extra:
        out.update(extra)
    return out


def is_tracerdiff_output(folder: Path) -> bool:
    """True when ``folder`` holds a provenance.json written by a tracerdiff run."""
    import json

    p = folder / "provenance.json"
    try:
        return json.loads(p.read_text(encoding="utf-8")).get("kind") == PROVENANCE_KIND
    except (OSError, ValueError, AttributeError):
        return False

"""The bundled demo: the LLTO study as a simulated experiment (src/tracerdiff/data/demo/)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import FileFormatError
from .runner import RunResult, run_study

__all__ = ["DEFAULT_DEMO_DIR", "demo_study_path", "is_demo_output", "run_demo"]

DEFAULT_DEMO_DIR = Path("tracerdiff-demo")


def demo_study_path() -> Path:
    """Path of the bundled demo study file."""
    p = Path(str(resources.files("tracerdiff") / "data" / "demo" / "study.toml"))
    if not p.is_file():
        raise FileFormatError(f"the bundled demo study is missing ({p}); reinstall tracerdiff")
    return p


def is_demo_output(folder: Path) -> bool:
    """True when ``folder`` holds an earlier ``tracerdiff demo`` output (its provenance says so)."""
    from ..report.provenance import PROVENANCE_KIND

    try:
        prov = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(prov, dict) and prov.get("kind") == PROVENANCE_KIND and bool(prov.get("demo"))


def run_demo(
    out: str | Path | None = None,
    *,
    force: bool = False,
    scheduler: Any = None,
    progress: bool = False,
) -> RunResult:
    """Run the demo study into ``out`` (default ./tracerdiff-demo/, replaced if it is an earlier
    demo output; an explicit non-empty ``out`` needs ``force``)."""
    replace_if = is_demo_output if out is None else None
    target = DEFAULT_DEMO_DIR if out is None else Path(out)
    return run_study(
        demo_study_path(),
        target,
        force=force,
        scheduler=scheduler,
        progress=progress,
        replace_if=replace_if,
        extra_provenance={"demo": True},
    )

"""The marker file of an output folder: how tracerdiff recognises what it wrote.

Every output folder holds :data:`MARKER` (JSON: kind, tracerdiff version, time, the files
written).  Only a folder with the marker and nothing the marker does not list is ever replaced.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path
from typing import Any

__all__ = [
    "MARKER",
    "MARKER_KIND",
    "foreign_files",
    "is_output_folder",
    "read_marker",
    "write_marker",
]

#: the marker file every tracerdiff output folder holds (JSON: kind, version, time, files)
MARKER = ".tracerdiff-output"
MARKER_KIND = "tracerdiff-output"


def _files_under(folder: Path) -> list[str]:
    return sorted(
        str(f.relative_to(folder))
        for f in folder.rglob("*")
        if (f.is_symlink() or not f.is_dir()) and f.name != MARKER
    )


def write_marker(folder: Path) -> None:
    """Write the marker listing every file now under ``folder``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        ver: str | None = version("tracerdiff")
    except PackageNotFoundError:
        ver = None
    doc = {
        "kind": MARKER_KIND,
        "tracerdiff": ver,
        "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "files": _files_under(folder),
    }
    (folder / MARKER).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The marker of ``folder``, or None if it has none or not a valid one."""
    try:
        doc = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("kind") != MARKER_KIND:
        return None
    return doc if isinstance(doc.get("files"), list) else None


def is_output_folder(folder: str | os.PathLike[str]) -> bool:
    """True when ``folder`` is a real folder with tracerdiff's output marker."""
    p = Path(folder)
    return p.is_dir() and not p.is_symlink() and read_marker(p) is not None


def foreign_files(folder: Path, marker: dict[str, Any]) -> list[str]:
    """Files in ``folder`` that its marker does not list (tracerdiff did not write them)."""
    known = {str(f) for f in marker["files"]}
    return [f for f in _files_under(folder) if f not in known]

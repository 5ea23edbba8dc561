"""Example inputs for the README's quick start, taken from the bundled (simulated) demo data.

:func:`write_example_data` copies the demo study (``study.toml`` and every file it reads) into a
folder and adds the short names the README's quick start uses, so that every line of it runs
as written.  Nothing is overwritten without ``force``; each file is written atomically.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from .outputs import atomic_path, check_writable

__all__ = ["EXAMPLE_ALIASES", "ExampleData", "write_example_data"]

#: quick-start name -> bundled demo file, with what it is
EXAMPLE_ALIASES: dict[str, tuple[str, str]] = {
    "map_6Li.txt": (
        "A_map1_6Li.txt",
        "6Li counts of a cryo-SIMS map (IONTOF ASCII), 59 h exchange",
    ),
    "map_7Li.txt": ("A_map1_7Li.txt", "7Li counts of the same map"),
    "linescan.csv": ("B_scan1.csv", "spot line scan right after a 110 h exchange at 22 degC"),
    "t0.csv": ("B_scan1.csv", "the same sample's line scan at the start of storage"),
    "t2w.csv": ("B_scan2.csv", "after 2 weeks more at 22 degC"),
    "t6w.csv": ("B_scan3.csv", "after 6 weeks more at 22 degC"),
    "sigma_bulk.csv": ("conductivity_bulk.csv", "bulk conductivity against temperature"),
}


@dataclasses.dataclass(frozen=True)
class ExampleData:
    """What :func:`write_example_data` wrote."""

    directory: Path
    files: tuple[str, ...]
    aliases: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "files": list(self.files),
            "aliases": dict(self.aliases),
        }

    def __str__(self) -> str:
        lines = [f"wrote {len(self.files)} example files to {self.directory}"]
        lines += [f"  {a:<15} {EXAMPLE_ALIASES[a][1]}" for a in self.aliases]
        lines.append(
            "  study.toml      the whole demo study: tracerdiff run study.toml -o results/"
        )
        return "\n".join(lines)


def demo_data_dir() -> Path:
    """The folder of the bundled demo data set."""
    return Path(__file__).resolve().parent / "data" / "demo"


def write_example_data(out_dir: str | os.PathLike[str], *, force: bool = False) -> ExampleData:
    """Copy the demo study and the quick-start files into ``out_dir`` (created if missing).

    Every target is checked before anything is written: an existing file is refused unless
    ``force``, and then only the files named here are replaced.
    """
    src = demo_data_dir()
    out = Path(out_dir)
    plan = {p.name: p for p in sorted(src.iterdir()) if p.is_file()}
    plan.update({alias: src / name for alias, (name, _) in EXAMPLE_ALIASES.items()})
    for name in plan:
        check_writable(out / name, force=force)
    for name, source in plan.items():
        with atomic_path(out / name, force=force) as tmp:
            tmp.write_bytes(source.read_bytes())
    aliases = {alias: name for alias, (name, _) in EXAMPLE_ALIASES.items()}
    return ExampleData(directory=out, files=tuple(plan), aliases=aliases)

"""What the viewer may read: the files it was given (on the command line or in the study) and
the study's folder; a file named on the page is checked against these before it is opened."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

__all__ = ["ReadAccess"]


@dataclass(frozen=True)
class ReadAccess:
    """The files (resolved) and folders the page may open; relative names start at ``base``
    (the study's folder, else the current folder)."""

    files: frozenset[Path]
    folders: tuple[Path, ...] = ()
    base: Path | None = None

    @classmethod
    def of(cls, files: Iterable[str | Path], study: str | Path | None = None) -> ReadAccess:
        """The files given and, with a study, its folder."""
        folder = None if study is None else Path(study).resolve().parent
        return cls(frozenset(Path(f).resolve() for f in files),
                   () if folder is None else (folder,), folder)  # fmt: skip

    def check(self, name: str) -> str:
        """The resolved path of ``name``, refused unless it is one of the files or in a folder."""
        p = Path(name.strip()).expanduser()
        if not p.is_absolute():
            p = (self.base or Path.cwd()) / p
        r = p.resolve()
        if r in self.files or any(r.is_relative_to(f) for f in self.folders):
            return str(r)
        raise InputError(
            f"{p.name}: tracerdiff view reads only the files it was given and the study's folder"
        )

    def check_all(self, text: str) -> list[str]:
        """The files of a comma-separated list, each checked."""
        names = [t for t in text.split(",") if t.strip()]
        if not names:
            raise InputError("open: give one or more file names, separated by commas")
        return [self.check(t) for t in names]

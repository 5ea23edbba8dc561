"""Several output files of one command that appear together or not at all."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from ..errors import InputError
from .files import commit_file, discard_temp, full_disk, temp_file
from .places import check_writable

__all__ = ["OutputBatch"]


class OutputBatch:
    """Several output files of one command: each is staged to a temporary file and all are
    moved into place only at the end; if anything fails, none of them appears (and files that
    ``force`` replaced are put back).  A target that is one of ``inputs`` (or of the protected
    inputs) is refused.

    ``with OutputBatch(force=f) as b: write(b.path("map.nc")); save(b.path("map.png"))``
    """

    def __init__(
        self, *, force: bool = False, inputs: Iterable[str | os.PathLike[str]] = ()
    ) -> None:
        self.force = force
        self.inputs = tuple(inputs)
        self._staged: list[tuple[Path, Path]] = []

    def path(self, target: str | os.PathLike[str]) -> Path:
        """A temporary file (same suffix) to write ``target`` into."""
        t = check_writable(target, force=self.force, inputs=self.inputs)
        if any(t.resolve() == s.resolve() for _, s in self._staged):
            raise InputError(f"{t} is given twice as an output")
        tmp = temp_file(t)
        self._staged.append((tmp, t))
        return tmp

    def __enter__(self) -> OutputBatch:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        full = full_disk(exc, self._staged[-1][1]) if exc and self._staged else None
        try:
            if exc is None:
                self._commit()
        finally:
            for tmp, _ in self._staged:
                discard_temp(tmp)
        if full is not None:
            raise full from None

    def _commit(self) -> None:
        done: list[tuple[Path, Path | None]] = []  # (target, backup of what it replaced)
        try:
            for tmp, target in self._staged:
                backup = None
                if self.force and os.path.lexists(target):
                    backup = target.with_name(f".{target.name}.old-{secrets.token_hex(4)}")
                    os.link(target, backup)
                commit_file(tmp, target, self.force)
                done.append((target, backup))
        except BaseException:
            for target, backup in reversed(done):
                if backup is None:
                    target.unlink(missing_ok=True)
                else:
                    os.replace(backup, target)
            raise
        for _, backup in done:
            if backup is not None:
                backup.unlink(missing_ok=True)

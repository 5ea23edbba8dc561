"""Renaming without replacing: ``renameat2(RENAME_NOREPLACE)`` where the system has it, else
``os.rename`` onto a path checked to be absent under an ``os.mkdir`` lock."""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import sys
import time
from pathlib import Path
from typing import Any

from ..errors import OutputExistsError

__all__ = ["appeared", "rename_noreplace"]

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1


@functools.cache
def _renameat2() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def rename_noreplace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
    """Rename ``src`` to ``dst``; :class:`FileExistsError` if ``dst`` exists, atomically where
    the system has ``renameat2(RENAME_NOREPLACE)`` (else under a ``.name.lock`` folder)."""
    fn = _renameat2()
    if fn is not None:
        if fn(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE) == 0:
            return
        err = ctypes.get_errno()
        if err in (errno.EEXIST, errno.ENOTEMPTY):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(dst))
        if err not in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
            raise OSError(err, os.strerror(err), str(src))
    _rename_locked(Path(src), Path(dst))


def _rename_locked(src: Path, dst: Path, *, timeout_s: float = 10.0) -> None:
    """``os.rename`` onto a path checked to be absent, under an ``os.mkdir`` lock."""
    lock = dst.parent / f".{dst.name}.lock"
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            os.mkdir(lock)
            break
        except FileExistsError:
            if time.monotonic() > deadline:
                raise OutputExistsError(
                    f"{lock} is held by another writer; remove it if no tracerdiff is writing {dst}"
                ) from None
            time.sleep(0.01)
    try:
        if os.path.lexists(dst):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(dst))
        os.rename(src, dst)
    finally:
        os.rmdir(lock)


def appeared(target: Path) -> OutputExistsError:
    """The error of a target that another writer put in place first."""
    return OutputExistsError(
        f"{target} appeared while it was being written (another writer?); "
        "pass --force to overwrite it"
    )

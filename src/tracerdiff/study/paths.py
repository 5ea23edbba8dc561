"""Where the files a study names may be: inside the study file's folder, or inside a root the
user allowed (``[paths] roots`` in the study, ``--allow-outside`` on the command line).

:func:`resolve_study_path` joins a path of the study to the study's folder and refuses it when
it is absolute, climbs out with ``..`` or goes through a symlink to somewhere outside every
allowed root. :func:`check_regular_file` refuses FIFOs, devices, sockets and folders before
anything opens them (reading ``/dev/zero`` or a FIFO would never end).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..errors import ConfigError

__all__ = ["allowed_roots", "check_regular_file", "resolve_study_path"]

_ALLOW_HINT = (
    "list its folder in [paths] roots of the study or pass --allow-outside (see docs/study.md)"
)

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _real(p: Path) -> Path:
    """``p`` with every symlink followed (a missing tail is kept as written)."""
    try:
        return p.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        raise ConfigError(f"{str(p)!r}: symlink loop; expected a data file") from None


def allowed_roots(
    base: str | os.PathLike[str], roots: Iterable[str | os.PathLike[str]] = ()
) -> tuple[Path, ...]:
    """The study's folder and each root (relative roots start at ``base``), symlinks followed."""
    b = Path(base)
    return (_real(b), *(_real(b / r) for r in roots))


def _inside(real: Path, roots: Sequence[Path]) -> bool:
    return any(real == r or real.is_relative_to(r) for r in roots)


def resolve_study_path(
    raw: str | os.PathLike[str],
    *,
    base: str | os.PathLike[str],
    roots: Sequence[str | os.PathLike[str]] = (),
) -> Path:
    """``raw`` joined to the study folder ``base``; :class:`ConfigError` when it is outside.

    ``roots`` are further folders the user allowed (relative ones start at ``base``). The check
    is made on the real path (symlinks followed); the path returned is ``base / raw`` as written,
    so file names (and the species they name) stay those of the study.
    """
    text = os.fspath(raw)
    if not text:
        raise ConfigError("expected a file path (relative to the study file), got ''")
    p = Path(text)
    full = p if p.is_absolute() else Path(base) / p
    allowed = allowed_roots(base, roots)
    if _inside(_real(full), allowed):
        return full
    if p.is_absolute():
        why = "is an absolute path outside the study's folder"
    elif ".." in p.parts and not _inside(_real(Path(os.path.normpath(full))), allowed):
        why = "climbs out of the study's folder with '..'"
    else:
        why = "leads (through a symlink) outside the study's folder"
    raise ConfigError(f"{text!r} {why}; to use it, {_ALLOW_HINT}")


def check_regular_file(path: str | os.PathLike[str], *, shown: str | None = None) -> None:
    """:class:`ConfigError` unless ``path`` is an existing regular file (symlinks followed).

    Uses ``os.stat`` only: nothing is opened, so a FIFO or ``/dev/zero`` cannot block.
    ``shown`` is how the path is named in the message (default: as given).
    """
    name = shown if shown is not None else os.fspath(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ConfigError(
            f"no such file {name!r} (paths are relative to the study file's folder)"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot use {name!r}: {exc.strerror or type(exc).__name__}") from None
    if stat.S_ISREG(st.st_mode):
        return
    kind = next((k for test, k in _KINDS if test(st.st_mode)), "not a regular file")
    raise ConfigError(f"{name!r} is {kind}; expected a regular data file")

"""Output files written atomically: to a temporary file beside the target, then linked (no
``force``: an existing target is refused even if it appeared meanwhile) or renamed (``force``)
into place; a full disk is one line and leaves nothing behind."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import OutputWriteError
from .places import check_writable
from .rename import appeared, rename_noreplace

__all__ = ["SPACE_MARGIN_BYTES", "atomic_path", "atomic_write_text", "commit_file", "full_disk",
           "temp_file", "umask", "write_bytes_checked"]

PathLike = str | os.PathLike[str]
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
#: free space kept beyond a write's size (file-system metadata, the rest of the system)
SPACE_MARGIN_BYTES = 1 << 16


def umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def full_disk(exc: BaseException, path: Path) -> OutputWriteError | None:
    """An :class:`OutputWriteError` if ``exc`` is a full disk (call before cleaning up)."""
    if not isinstance(exc, OSError) or isinstance(exc, FileExistsError):
        return None
    full = exc.errno in _NO_SPACE
    if exc.errno is None:  # e.g. numpy's "n requested and m written"
        with contextlib.suppress(OSError):
            full = shutil.disk_usage(path.parent).free < SPACE_MARGIN_BYTES
    if not full:
        return None
    return OutputWriteError(f"could not write {path}: no space left on the device")


def temp_file(target: Path) -> Path:
    """An empty hidden file beside ``target`` (same suffix), with the usual permissions."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    # mkstemp creates 0600; give the final file the usual permissions (0666 minus the umask)
    os.chmod(tmp, 0o666 & ~umask())
    return Path(tmp)


def commit_file(tmp: Path, target: Path, force: bool) -> None:
    """Move ``tmp`` onto ``target``: replacing (``force``) or refusing an existing target."""
    if force:
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise appeared(target) from None
    except OSError:  # no hard links on this file system
        try:
            rename_noreplace(tmp, target)
        except FileExistsError:
            raise appeared(target) from None
        return
    os.unlink(tmp)


@contextlib.contextmanager
def atomic_path(path: PathLike, *, force: bool = False,
                inputs: Iterable[PathLike] = ()) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it onto ``path``.

    ``path`` may not be one of ``inputs`` (nor one of the protected inputs, nor a link to one):
    :class:`InputError`, even with ``force``.  Without ``force`` an existing ``path`` is refused
    (:class:`OutputExistsError`), also one that appeared during the work.  On any exception the
    temporary file is removed and ``path`` is untouched; a full disk is reported as
    :class:`OutputWriteError`.
    """
    target = check_writable(path, force=force, inputs=inputs)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_file(target)
    try:
        yield tmp
        commit_file(tmp, target, force)
    except BaseException as exc:
        full = full_disk(exc, target)
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if full is not None:
            raise full from None
        raise


def atomic_write_text(path: PathLike, text: str, *, force: bool = False,
                      inputs: Iterable[PathLike] = ()) -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path, force=force, inputs=inputs) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes_checked(path: PathLike, data: bytes, *, name: PathLike | None = None) -> None:
    """Write ``data`` to ``path`` after checking the free space; a full disk or another
    ``OSError`` becomes a one-line :class:`OutputWriteError` naming ``name`` (default ``path``)."""
    p, shown = Path(path), Path(name if name is not None else path)
    free = shutil.disk_usage(p.parent).free
    if free < len(data) + SPACE_MARGIN_BYTES:
        raise OutputWriteError(f"not enough free space for {shown}: {len(data)} bytes needed, "
                               f"{free} free")
    try:
        with open(p, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise OutputWriteError(f"could not write {shown}: {exc.strerror or exc}") from None


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
from .command import committed, created_folders, keep_backup
from .places import check_writable
from .rename import appeared, rename_noreplace

__all__ = [
    "SPACE_MARGIN_BYTES",
    "atomic_path",
    "atomic_write_text",
    "commit_file",
    "discard_temp",
    "full_disk",
    "make_parent",
    "remove_folders",
    "temp_file",
    "umask",
    "write_bytes_checked",
    "write_failure",
]

PathLike = str | os.PathLike[str]
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
#: free space kept beyond a write's size (file-system metadata, the rest of the system)
SPACE_MARGIN_BYTES = 1 << 16
#: temporary files of this process not yet moved into place (a write onto one of them, e.g. a
#: writer given a batch's staging file, is not an output of the command)
_TEMPS: set[Path] = set()


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


_WORDS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "read-only file system",
    errno.ENOENT: "no such folder",
    errno.ENOTDIR: "a parent is not a folder",
    errno.EISDIR: "is a folder",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
}


def write_failure(exc: OSError, target: Path) -> OutputWriteError:
    """``exc`` (from making the parent, the temporary file or the final rename) as one line
    naming ``target``, not the temporary file."""
    words = _WORDS.get(exc.errno or -1) or " ".join((exc.strerror or type(exc).__name__).split())
    return OutputWriteError(f"could not write {target}: {words}")


def make_parent(target: Path) -> list[Path]:
    """Create the missing folders above ``target`` and return them (outermost first); a parent
    that is a file, or one that cannot be made, is a one-line :class:`OutputWriteError`."""
    missing: list[Path] = []
    for parent in target.parents:
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                raise OutputWriteError(
                    f"could not write {target}: {parent} is a file, not a folder"
                )
            break
        missing.insert(0, parent)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        remove_folders(missing)
        raise write_failure(exc, target) from None
    created_folders(missing)
    return missing


def remove_folders(folders: list[Path]) -> None:
    """Remove the folders :func:`make_parent` made, innermost first, where they are empty."""
    for folder in reversed(folders):
        with contextlib.suppress(OSError):
            folder.rmdir()


def temp_file(target: Path) -> Path:
    """An empty hidden file beside ``target`` (same suffix), with the usual permissions; the
    folders made for it are removed again if it cannot be made."""
    made = make_parent(target)
    try:
        fd, tmp = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent
        )
    except OSError as exc:
        remove_folders(made)
        raise write_failure(exc, target) from None
    os.close(fd)
    _TEMPS.add(Path(tmp))
    # mkstemp creates 0600; give the final file the usual permissions (0666 minus the umask)
    os.chmod(tmp, 0o666 & ~umask())
    return Path(tmp)


def discard_temp(tmp: Path) -> None:
    """Remove a temporary file of :func:`temp_file` that will not be moved into place."""
    _TEMPS.discard(tmp)
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()


def commit_file(tmp: Path, target: Path, force: bool) -> None:
    """Move ``tmp`` onto ``target``: replacing (``force``) or refusing an existing target.
    Inside a CLI command the file is recorded, so that it is undone if the command fails."""
    _TEMPS.discard(tmp)
    if target in _TEMPS:  # staging file of an enclosing writer: that one is the output
        _commit(tmp, target, force)
        return
    backup = keep_backup(target) if force else None
    try:
        _commit(tmp, target, force)
    except BaseException:
        if backup is not None:
            backup.unlink(missing_ok=True)
        raise
    committed(target, backup)


def _commit(tmp: Path, target: Path, force: bool) -> None:
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
def atomic_path(
    path: PathLike, *, force: bool = False, inputs: Iterable[PathLike] = ()
) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it onto ``path``.

    ``path`` may not be one of ``inputs`` (nor one of the protected inputs, nor a link to one):
    :class:`InputError`, even with ``force``.  Without ``force`` an existing ``path`` is refused
    (:class:`OutputExistsError`), also one that appeared during the work.  On any exception the
    temporary file is removed and ``path`` is untouched; a full disk is reported as
    :class:`OutputWriteError`.
    """
    target = check_writable(path, force=force, inputs=inputs)
    tmp = temp_file(target)
    try:
        yield tmp
        commit_file(tmp, target, force)
    except BaseException as exc:
        failure = full_disk(exc, target) or _own_failure(exc, tmp, target)
        _TEMPS.discard(tmp)
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if failure is not None:
            raise failure from None
        raise


def _own_failure(exc: BaseException, tmp: Path, target: Path) -> OutputWriteError | None:
    """An OSError about the temporary file or the target (not about some input read meanwhile)
    as one line naming the target."""
    if not isinstance(exc, OSError) or isinstance(exc, FileExistsError):
        return None
    names = {str(tmp), str(target), os.fsdecode(tmp), os.fsdecode(target)}
    if exc.filename is None or str(exc.filename) not in names:
        return None
    return write_failure(exc, target)


def atomic_write_text(
    path: PathLike, text: str, *, force: bool = False, inputs: Iterable[PathLike] = ()
) -> Path:
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
        raise OutputWriteError(
            f"not enough free space for {shown}: {len(data)} bytes needed, {free} free"
        )
    try:
        with open(p, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise OutputWriteError(f"could not write {shown}: {exc.strerror or exc}") from None

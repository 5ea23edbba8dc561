"""Safe outputs: never half-written, never overwritten without ``force``, and never deleting
anything tracerdiff did not write (docs/reliability.md, "Output files and folders").

A file is written to a temporary file beside it and linked (no ``force``: an existing target is
refused even if it appeared meanwhile) or renamed (``force``) into place.  A folder is built in
a temporary folder beside it and renamed into place with ``renameat2(RENAME_NOREPLACE)``.  Every
output folder gets a marker file (:data:`MARKER`) listing what tracerdiff wrote; only such a
folder, holding nothing else, is ever replaced: the old one is renamed aside, the new one renamed
in, and the old one deleted only after that succeeded.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as _dt
import errno
import functools
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from .errors import InputError, OutputExistsError, OutputWriteError

__all__ = [
    "MARKER",
    "OutputBatch",
    "atomic_dir",
    "atomic_path",
    "atomic_write_text",
    "check_output_dir",
    "check_writable",
    "is_output_folder",
    "rename_noreplace",
    "write_bytes_checked",
]

#: the marker file every tracerdiff output folder holds (JSON: kind, version, time, files)
MARKER = ".tracerdiff-output"
MARKER_KIND = "tracerdiff-output"
_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
#: free space kept beyond a write's size (file-system metadata, the rest of the system)
SPACE_MARGIN_BYTES = 1 << 16


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _full_disk(exc: BaseException, path: Path) -> OutputWriteError | None:
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


# --- where an output may go ----------------------------------------------------------------


def _check_not_input(path: Path, inputs: Iterable[str | os.PathLike[str]]) -> None:
    rp = path.resolve()
    for item in inputs:
        ri = Path(item).resolve()
        if ri == rp or rp in ri.parents:
            raise InputError(f"output {path} would replace the input {item}; "
                             "choose an output outside the inputs")


def _check_location(path: Path, inputs: Iterable[str | os.PathLike[str]]) -> None:
    if path.is_symlink():
        raise InputError(f"output folder {path} is a symbolic link; give a real folder")
    rp, cwd = path.resolve(), Path.cwd().resolve()
    if rp == cwd or rp in cwd.parents:
        raise InputError(f"output folder {path} is the current folder or contains it; "
                         "give a new sub-folder, e.g. results/")
    _check_not_input(path, inputs)


def check_writable(path: str | os.PathLike[str], *, force: bool = False,
                   inputs: Iterable[str | os.PathLike[str]] = ()) -> Path:
    """Raise :class:`OutputExistsError` if file ``path`` exists and ``force`` is false, or
    :class:`InputError` if it is a folder or one of ``inputs``."""
    p = Path(path)
    _check_not_input(p, inputs)
    if p.is_dir():
        raise InputError(f"{p} is a folder; give a file name")
    if os.path.lexists(p) and not force:
        raise OutputExistsError(f"{p} exists; pass --force (force=True) to overwrite it")
    return p


# --- the marker ----------------------------------------------------------------------------


def _files_under(folder: Path) -> list[str]:
    return sorted(str(f.relative_to(folder)) for f in folder.rglob("*")
                  if (f.is_symlink() or not f.is_dir()) and f.name != MARKER)


def _write_marker(folder: Path) -> None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        ver: str | None = version("tracerdiff")
    except PackageNotFoundError:
        ver = None
    doc = {"kind": MARKER_KIND, "tracerdiff": ver,
           "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
           "files": _files_under(folder)}
    (folder / MARKER).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


def _read_marker(folder: Path) -> dict[str, Any] | None:
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
    return p.is_dir() and not p.is_symlink() and _read_marker(p) is not None


def _foreign(folder: Path, marker: dict[str, Any]) -> list[str]:
    """Files in ``folder`` that its marker does not list (tracerdiff did not write them)."""
    known = {str(f) for f in marker["files"]}
    return [f for f in _files_under(folder) if f not in known]


def _check_replaceable(p: Path) -> None:
    marker = _read_marker(p) if not p.is_symlink() else None
    if marker is None:
        raise OutputExistsError(
            f"output directory {p} is not empty and was not written by tracerdiff (no {MARKER}); "
            "it is never replaced, not even with --force: give a new or empty folder")
    extra = _foreign(p, marker)
    if extra:
        more = ", ..." if len(extra) > 3 else ""
        raise OutputExistsError(
            f"output directory {p} holds files tracerdiff did not write ({', '.join(extra[:3])}"
            f"{more}); move them out or give another folder")


def check_output_dir(
    path: str | os.PathLike[str],
    *,
    force: bool = False,
    replace_if: Callable[[Path], bool] | None = None,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Raise unless ``path`` may become an output folder; changes nothing.

    Refused (:class:`InputError`): the current folder or an ancestor, a folder holding one of
    ``inputs``, a symbolic link.  Refused (:class:`OutputExistsError`): a file; a non-empty
    folder without tracerdiff's marker or with files the marker does not list; a tracerdiff
    folder unless ``force`` or ``replace_if(path)``.
    """
    p = Path(path)
    _check_location(p, inputs)
    if not p.exists():
        return p
    if not p.is_dir():
        raise OutputExistsError(f"{p} exists and is not a directory")
    if not any(p.iterdir()):
        return p
    if _read_marker(p) is not None and not (force or (replace_if is not None and replace_if(p))):
        raise OutputExistsError(f"output directory {p} is not empty; pass --force to replace it")
    _check_replaceable(p)
    return p


# --- renaming without replacing ------------------------------------------------------------


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
                raise OutputExistsError(f"{lock} is held by another writer; remove it if no "
                                        f"tracerdiff is writing {dst}") from None
            time.sleep(0.01)
    try:
        if os.path.lexists(dst):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(dst))
        os.rename(src, dst)
    finally:
        os.rmdir(lock)


def _appeared(target: Path) -> OutputExistsError:
    return OutputExistsError(f"{target} appeared while it was being written (another writer?); "
                             "pass --force to overwrite it")


# --- files ---------------------------------------------------------------------------------


def _temp_file(target: Path) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    # mkstemp creates 0600; give the final file the usual permissions (0666 minus the umask)
    os.chmod(tmp, 0o666 & ~_umask())
    return Path(tmp)


def _commit_file(tmp: Path, target: Path, force: bool) -> None:
    if force:
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise _appeared(target) from None
    except OSError:  # no hard links on this file system
        try:
            rename_noreplace(tmp, target)
        except FileExistsError:
            raise _appeared(target) from None
        return
    os.unlink(tmp)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, force: bool = False,
                inputs: Iterable[str | os.PathLike[str]] = ()) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it onto ``path``.

    Without ``force`` an existing ``path`` is refused, also one that appeared during the work.
    On any exception the temporary file is removed and ``path`` is untouched; a full disk is
    reported as :class:`OutputWriteError`.
    """
    target = check_writable(path, force=force, inputs=inputs)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_file(target)
    try:
        yield tmp
        _commit_file(tmp, target, force)
    except BaseException as exc:
        full = _full_disk(exc, target)
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if full is not None:
            raise full from None
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str, *, force: bool = False) -> Path:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path, force=force) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes_checked(path: str | os.PathLike[str], data: bytes, *,
                        name: str | os.PathLike[str] | None = None) -> None:
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


class OutputBatch:
    """Several output files of one command: each is staged to a temporary file and all are
    moved into place only at the end; if anything fails, none of them appears (and files that
    ``force`` replaced are put back).

    ``with OutputBatch(force=f) as b: write(b.path("map.nc")); save(b.path("map.png"))``
    """

    def __init__(self, *, force: bool = False,
                 inputs: Iterable[str | os.PathLike[str]] = ()) -> None:
        self.force = force
        self.inputs = tuple(inputs)
        self._staged: list[tuple[Path, Path]] = []

    def path(self, target: str | os.PathLike[str]) -> Path:
        """A temporary file (same suffix) to write ``target`` into."""
        t = check_writable(target, force=self.force, inputs=self.inputs)
        if any(t.resolve() == s.resolve() for _, s in self._staged):
            raise InputError(f"{t} is given twice as an output")
        t.parent.mkdir(parents=True, exist_ok=True)
        tmp = _temp_file(t)
        self._staged.append((tmp, t))
        return tmp

    def __enter__(self) -> OutputBatch:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        full = _full_disk(exc, self._staged[-1][1]) if exc and self._staged else None
        try:
            if exc is None:
                self._commit()
        finally:
            for tmp, _ in self._staged:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
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
                _commit_file(tmp, target, self.force)
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


# --- folders -------------------------------------------------------------------------------


def _place(tmp: Path, out: Path) -> None:
    try:
        rename_noreplace(tmp, out)
    except FileExistsError:
        raise _appeared(out) from None


def _restore(old: Path, out: Path) -> None:
    try:
        rename_noreplace(old, out)
    except OSError:
        raise OutputExistsError(f"{out} was taken by another writer; the previous {out.name} "
                                f"is kept as {old}") from None


def _swap(tmp: Path, out: Path) -> None:
    """Rename ``out`` aside, ``tmp`` into place, then delete the old one (or put it back)."""
    old = out.with_name(f".{out.name}.old-{secrets.token_hex(4)}")
    try:
        rename_noreplace(out, old)
    except FileNotFoundError:  # removed meanwhile: nothing to replace
        _place(tmp, out)
        return
    marker = _read_marker(old)
    if marker is None or _foreign(old, marker):  # exchanged meanwhile for something else
        _restore(old, out)
        raise OutputExistsError(f"{out} changed while it was being replaced; nothing replaced")
    try:
        _place(tmp, out)
    except BaseException:
        _restore(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _commit_dir(tmp: Path, out: Path, *, force: bool, replace_if: Callable[[Path], bool] | None,
                inputs: tuple[str | os.PathLike[str], ...]) -> None:
    check_output_dir(out, force=force, replace_if=replace_if, inputs=inputs)  # may have changed
    if out.is_dir() and not any(out.iterdir()):
        with contextlib.suppress(OSError):  # filled meanwhile: the rename below refuses it
            os.rmdir(out)
    if os.path.lexists(out):
        _swap(tmp, out)
    else:
        _place(tmp, out)


@contextlib.contextmanager
def atomic_dir(
    path: str | os.PathLike[str],
    *,
    force: bool = False,
    replace_if: Callable[[Path], bool] | None = None,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; on success it gets the output marker and
    replaces ``path`` whole (see :func:`check_output_dir` for what may be replaced).

    ``path`` is checked before and again after the work; another writer that finished first wins
    (:class:`OutputExistsError` here, unless ``force``).  On any exception the temporary folder
    is removed and ``path`` is untouched.
    """
    ins = tuple(inputs)
    out = check_output_dir(path, force=force, replace_if=replace_if, inputs=ins)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; an output folder is not
    try:
        yield tmp
        _write_marker(tmp)
        _commit_dir(tmp, out, force=force, replace_if=replace_if, inputs=ins)
    except BaseException as exc:
        full = _full_disk(exc, out)
        shutil.rmtree(tmp, ignore_errors=True)
        if full is not None:
            raise full from None
        raise

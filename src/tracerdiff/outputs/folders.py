"""Output folders built in a temporary folder beside the target and renamed into place whole.

Without ``force`` the final rename refuses an existing target (``rename_noreplace``).  A
tracerdiff folder (its marker, nothing else) is replaced by renaming it aside, renaming the new
one in, and deleting the old one only after that succeeded; if that fails the old one is put back.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..errors import OutputExistsError
from .files import full_disk, make_parent, remove_folders, umask, write_failure
from .marker import foreign_files, read_marker, write_marker
from .places import check_output_dir
from .rename import appeared, rename_noreplace

__all__ = ["atomic_dir"]


def _place(tmp: Path, out: Path) -> None:
    try:
        rename_noreplace(tmp, out)
    except FileExistsError:
        raise appeared(out) from None


def _restore(old: Path, out: Path) -> None:
    try:
        rename_noreplace(old, out)
    except OSError:
        raise OutputExistsError(
            f"{out} was taken by another writer; the previous {out.name} is kept as {old}"
        ) from None


def _swap(tmp: Path, out: Path) -> None:
    """Rename ``out`` aside, ``tmp`` into place, then delete the old one (or put it back)."""
    old = out.with_name(f".{out.name}.old-{secrets.token_hex(4)}")
    try:
        rename_noreplace(out, old)
    except FileNotFoundError:  # removed meanwhile: nothing to replace
        _place(tmp, out)
        return
    marker = read_marker(old)
    if marker is None or foreign_files(old, marker):  # exchanged meanwhile for something else
        _restore(old, out)
        raise OutputExistsError(f"{out} changed while it was being replaced; nothing replaced")
    try:
        _place(tmp, out)
    except BaseException:
        _restore(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _commit_dir(
    tmp: Path,
    out: Path,
    *,
    force: bool,
    replace_if: Callable[[Path], bool] | None,
    inputs: tuple[str | os.PathLike[str], ...],
) -> None:
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
    made = make_parent(out)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    except OSError as exc:
        remove_folders(made)
        raise write_failure(exc, out) from None
    os.chmod(tmp, 0o777 & ~umask())  # mkdtemp makes it private; an output folder is not
    try:
        yield tmp
        write_marker(tmp)
        _commit_dir(tmp, out, force=force, replace_if=replace_if, inputs=ins)
    except BaseException as exc:
        full = full_disk(exc, out)
        shutil.rmtree(tmp, ignore_errors=True)
        remove_folders(made)
        if full is not None:
            raise full from None
        raise

"""Safe output files: never half-written (temporary file then rename), never overwritten
without ``force``."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import OutputExistsError

__all__ = [
    "atomic_dir",
    "atomic_path",
    "atomic_write_text",
    "check_output_dir",
    "check_writable",
    "prepare_output_dir",
]


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    umask = os.umask(0)
    os.umask(umask)
    return umask


def check_writable(path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Raise :class:`OutputExistsError` if ``path`` exists and ``force`` is false."""
    p = Path(path)
    if p.exists() and not force:
        raise OutputExistsError(f"{p} exists; pass --force (force=True) to overwrite it")
    return p


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it onto ``path``.

    On any exception the temporary file is removed and ``path`` is untouched.
    """
    target = check_writable(path, force=force)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp creates 0600; give the final file the usual permissions (0666 minus the umask)
    os.chmod(tmp_path, 0o666 & ~_umask())
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str, *, force: bool = False) -> Path:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path, force=force) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def prepare_output_dir(
    path: str | os.PathLike[str],
    *,
    force: bool = False,
    replace_if: Callable[[Path], bool] | None = None,
) -> Path:
    """Create ``path`` as an empty directory.

    A non-empty directory is refused unless ``force`` or ``replace_if(path)`` is true, in which
    case its contents are removed first.
    """
    p = check_output_dir(path, force=force, replace_if=replace_if)
    if p.exists() and any(p.iterdir()):
        shutil.rmtree(p)
    p.mkdir(parents=True, exist_ok=True)
    return p


def check_output_dir(
    path: str | os.PathLike[str],
    *,
    force: bool = False,
    replace_if: Callable[[Path], bool] | None = None,
) -> Path:
    """Raise :class:`OutputExistsError` unless ``path`` is absent, an empty directory, or may be
    replaced (``force`` or ``replace_if(path)``); changes nothing."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise OutputExistsError(f"{p} exists and is not a directory")
    if p.exists() and any(p.iterdir()):
        if not (force or (replace_if is not None and replace_if(p))):
            raise OutputExistsError(
                f"output directory {p} is not empty; pass --force to replace it"
            )
    return p


@contextlib.contextmanager
def atomic_dir(
    path: str | os.PathLike[str],
    *,
    force: bool = False,
    replace_if: Callable[[Path], bool] | None = None,
) -> Iterator[Path]:
    """Yield a temporary directory beside ``path``; on success it replaces ``path`` whole.

    ``path`` is checked before and again after the work (it may have changed meanwhile); on any
    exception the temporary directory is removed and ``path`` is untouched.
    """
    out = check_output_dir(path, force=force, replace_if=replace_if)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; an output folder is not
    try:
        yield tmp
        check_output_dir(out, force=force, replace_if=replace_if)
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

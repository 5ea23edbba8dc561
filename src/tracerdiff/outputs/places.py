"""Where an output may go: never onto an input, never the current folder or above it, never
over something tracerdiff did not write.

The inputs of a call are given as ``inputs=``; :func:`protect_inputs` adds inputs for a whole
block (the command line names its input files once, and every writer below refuses them).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..errors import InputError, OutputExistsError
from .command import in_command
from .marker import MARKER, foreign_files, read_marker

__all__ = [
    "check_not_input",
    "check_output_dir",
    "check_writable",
    "named_input_files",
    "protect_inputs",
]

PathLike = str | os.PathLike[str]
_PROTECTED: contextvars.ContextVar[tuple[Path, ...]] = contextvars.ContextVar(
    "tracerdiff_protected_inputs", default=()
)


@contextlib.contextmanager
def protect_inputs(paths: Iterable[PathLike]) -> Iterator[None]:
    """Within the block every output check also refuses ``paths`` (and folders holding them)
    as if each writer had been given them as ``inputs``."""
    token = _PROTECTED.set((*_PROTECTED.get(), *(Path(p) for p in paths)))
    try:
        yield
    finally:
        _PROTECTED.reset(token)


def named_input_files(argv: Iterable[str], output_options: Iterable[str]) -> list[str]:
    """The regular files named in ``argv`` other than as the value of one of
    ``output_options`` (``-o FILE`` or ``-o=FILE``; a long option also covers its prefixed forms,
    ``--png`` e.g. ``--arrhenius-png``): the inputs of a command line.  Only ``stat`` is used:
    nothing is opened."""
    outs = set(output_options)
    tails = tuple("-" + o.lstrip("-") for o in outs if o.startswith("--"))

    def is_output(option: str) -> bool:
        return option in outs or (option.startswith("--") and option.endswith(tails))

    found: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if is_output(arg):
            skip = True
            continue
        key, eq, _ = arg.partition("=")
        if eq and is_output(key):
            continue
        with contextlib.suppress(OSError, ValueError):
            if os.path.isfile(arg):
                found.append(arg)
    return found


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist
        return False


def check_not_input(path: PathLike, inputs: Iterable[PathLike] = ()) -> None:
    """:class:`InputError` if output ``path`` is one of ``inputs`` (or of the protected inputs),
    resolves to one (symbolic or hard link) or is a folder holding one."""
    p = Path(path)
    rp = p.resolve()
    for item in (*inputs, *_PROTECTED.get()):
        ip = Path(item)
        ri = ip.resolve()
        if ri == rp or rp in ri.parents or _same_file(p, ip):
            raise InputError(
                f"output {p} would replace the input {item}; choose an output outside the inputs"
            )


def _check_location(path: Path, inputs: Iterable[PathLike]) -> None:
    if path.is_symlink():
        raise InputError(f"output folder {path} is a symbolic link; give a real folder")
    rp, cwd = path.resolve(), Path.cwd().resolve()
    if rp == cwd or rp in cwd.parents:
        raise InputError(
            f"output folder {path} is the current folder or contains it; "
            "give a new sub-folder, e.g. results/"
        )
    check_not_input(path, inputs)


def check_writable(path: PathLike, *, force: bool = False, inputs: Iterable[PathLike] = ()) -> Path:
    """Raise :class:`OutputExistsError` if file ``path`` exists and ``force`` is false, or
    :class:`InputError` if it is a folder or one of ``inputs``."""
    p = Path(path)
    check_not_input(p, inputs)
    if p.is_dir():
        raise InputError(f"{p} is a folder; give a file name")
    if os.path.lexists(p) and not force:
        how = "--force" if in_command() else "force=True"
        raise OutputExistsError(f"{p} exists; pass {how} to overwrite it")
    return p


def check_replaceable(p: Path) -> None:
    """:class:`OutputExistsError` unless folder ``p`` was written by tracerdiff and holds
    nothing else."""
    marker = read_marker(p) if not p.is_symlink() else None
    if marker is None:
        raise OutputExistsError(
            f"output directory {p} is not empty and was not written by tracerdiff (no {MARKER}); "
            "it is never replaced, not even with --force: give a new or empty folder"
        )
    extra = foreign_files(p, marker)
    if extra:
        more = ", ..." if len(extra) > 3 else ""
        raise OutputExistsError(
            f"output directory {p} holds files tracerdiff did not write ({', '.join(extra[:3])}"
            f"{more}); move them out or give another folder"
        )


def check_output_dir(
    path: PathLike,
    *,
    force: bool = False,
    replace_if: Callable[[Path], bool] | None = None,
    inputs: Iterable[PathLike] = (),
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
    if read_marker(p) is not None and not (force or (replace_if is not None and replace_if(p))):
        raise OutputExistsError(f"output directory {p} is not empty; pass --force to replace it")
    check_replaceable(p)
    return p

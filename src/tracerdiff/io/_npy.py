"""Safe loading of ``.npy`` files and ``.npz`` archives: every array header (shape, dtype) is read
and checked (real dtype, no pickled objects, at most ``max_pixels`` values) before any array is
allocated, and every way a truncated or garbage file fails becomes one FileFormatError."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import IO, Any

import numpy as np

from ..errors import FileFormatError
from ._checks import check_pixels, check_real
from ._meta import META_KEY as _META_KEY

__all__ = ["load_npy", "load_npz"]

# what numpy/zipfile raise on truncated, garbage or inconsistent input
_LOAD_ERRORS = (
    ValueError,
    OSError,
    EOFError,
    StopIteration,
    KeyError,
    zipfile.BadZipFile,
    zlib.error,
    NotImplementedError,  # numpy's answer to a header format or dtype it does not support
)


def _header(fh: IO[bytes], source: str, what: str) -> tuple[tuple[int, ...], np.dtype[Any]]:
    """(shape, dtype) from a ``.npy`` header, without reading the data."""
    try:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
        else:
            shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
    except _LOAD_ERRORS as exc:
        raise FileFormatError(f"{source}: {what} has no valid .npy header ({_why(exc)})") from None
    if dtype.hasobject:
        raise FileFormatError(
            f"{source}: {what} holds Python objects (pickled); expected a numeric array"
        )
    return tuple(int(n) for n in shape), dtype


def _why(exc: BaseException) -> str:
    """A short reason: the exception type only (its text may quote the file's bytes)."""
    return type(exc).__name__


def load_npy(p: Path, *, max_pixels: int) -> np.ndarray:
    """The array of a ``.npy`` file, its header checked first."""
    src = str(p)
    with open(p, "rb") as fh:
        shape, dtype = _header(fh, src, "the file")
    check_real(np.empty(0, dtype=dtype), source=src, what="the array")
    check_pixels(shape, max_pixels=max_pixels, source=src, what="the array")
    try:
        return np.asarray(np.load(p, allow_pickle=False))
    except _LOAD_ERRORS as exc:
        raise FileFormatError(f"{src}: not a readable .npy array ({_why(exc)})") from None


def _check_members(z: zipfile.ZipFile, src: str, max_pixels: int) -> None:
    """Read every member's header; the total declared size must stay within ``max_pixels``."""
    shapes = []
    for info in z.infolist():
        if not info.filename.endswith(".npy"):
            continue
        key = info.filename[: -len(".npy")]
        with z.open(info) as fh:
            shape, dtype = _header(fh, src, f"entry {key!r}")
        if key != _META_KEY:
            check_real(np.empty(0, dtype=dtype), source=src, what=f"entry {key!r}")
            shapes.append(shape)
        else:
            check_pixels(shape, max_pixels=2**20, source=src, what=f"entry {key!r}")
    total = sum(int(np.prod(s)) for s in shapes)
    check_pixels((total,), max_pixels=max_pixels, source=src, what="the archive")


def load_npz(p: Path, *, max_pixels: int) -> dict[str, np.ndarray]:
    """``{key: array}`` of a ``.npz`` archive, every member header checked first."""
    src = str(p)
    try:
        with zipfile.ZipFile(p) as z:
            _check_members(z, src, max_pixels)
        with np.load(p, allow_pickle=False) as npz:
            return {k: np.asarray(npz[k]) for k in npz.files}
    except FileFormatError:
        raise
    except _LOAD_ERRORS as exc:
        raise FileFormatError(f"{src}: not a readable .npz archive ({_why(exc)})") from None

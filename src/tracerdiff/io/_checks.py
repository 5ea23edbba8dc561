"""Checks every reader runs before and while reading a file, so that a bad input file gives one
clear line (:class:`~tracerdiff.errors.FileFormatError` / :class:`~tracerdiff.errors.DataError`)
instead of a traceback, a hang or a silently wrong number.

- :func:`check_input_file`: the path exists, is a regular file (not a folder, device, FIFO or
  socket: those are refused from ``os.stat`` before anything opens them), is not empty and is
  readable.
- :func:`check_pixels`: a declared array shape is below ``max_pixels`` before it is allocated
  (decompression bombs).
- :func:`check_real`, :func:`first_nonfinite`, :func:`check_length_um`: content checks.
- :func:`quiet`: third-party warnings and log lines raised while a file is parsed are kept off
  stderr (the reader's own error, if any, is the one line the user sees).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import stat
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError, FileFormatError

__all__ = [
    "MAX_PIXELS",
    "check_input_file",
    "check_length_um",
    "check_max_pixels",
    "check_pixels",
    "check_real",
    "first_nonfinite",
    "quiet",
]

MAX_PIXELS = 2**28
"""Default limit on the number of values (pixels x frames x species) one file may declare."""

_NOISY_LOGGERS = ("tifffile", "h5py", "h5netcdf", "PIL", "imageio", "skimage")


def check_input_file(path: str | os.PathLike[str]) -> Path:
    """The path as a :class:`Path` once it is known to be a non-empty, readable regular file.

    Uses ``os.stat`` only, so a FIFO or a device is refused without being opened (no hang).
    """
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise FileFormatError(f"{p}: no such file") from None
    except NotADirectoryError:
        raise FileFormatError(f"{p}: a parent of this path is a file, not a folder") from None
    except PermissionError:
        raise FileFormatError(f"{p}: not readable (permission denied)") from None
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise FileFormatError(f"{p}: cannot be read ({why})") from None
    if stat.S_ISDIR(st.st_mode):
        raise FileFormatError(f"{p}: is a folder; expected a data file")
    if not stat.S_ISREG(st.st_mode):
        raise FileFormatError(
            f"{p}: not a regular file (a device, FIFO or socket); expected a data file"
        )
    if st.st_size == 0:
        raise FileFormatError(f"{p}: empty file; expected SIMS data")
    if not os.access(p, os.R_OK):
        raise FileFormatError(f"{p}: not readable (permission denied)")
    return p


def check_max_pixels(max_pixels: int) -> int:
    """The limit as an int; DataError when it is not a positive integer."""
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, int | np.integer):
        raise DataError(f"max_pixels must be a positive integer, got {max_pixels!r}")
    if max_pixels < 1:
        raise DataError(f"max_pixels must be a positive integer, got {max_pixels}")
    return int(max_pixels)


def check_pixels(shape: Sequence[int], *, max_pixels: int, source: str, what: str = "") -> None:
    """FileFormatError when a declared shape holds more than ``max_pixels`` values."""
    limit = check_max_pixels(max_pixels)
    dims = [int(n) for n in shape]
    if any(n < 0 for n in dims):
        raise FileFormatError(f"{source}: {what or 'array'} declares a negative size {dims}")
    n = math.prod(dims)
    if n > limit:
        raise FileFormatError(
            f"{source}: {what or 'array'} declares shape {tuple(dims)} = {n} values, more than "
            f"max_pixels={limit}; pass a larger max_pixels (--max-pixels) if this is intended"
        )


def check_real(a: np.ndarray, *, source: str, what: str = "") -> None:
    """FileFormatError unless the dtype holds real numbers (integers, floats or booleans)."""
    dt = np.dtype(a.dtype)
    if np.issubdtype(dt, np.complexfloating):
        raise FileFormatError(
            f"{source}: {what or 'array'} holds complex values (dtype {dt}); expected real counts"
        )
    if not (np.issubdtype(dt, np.integer) or np.issubdtype(dt, np.floating) or dt == np.bool_):
        raise FileFormatError(
            f"{source}: {what or 'array'} has dtype {dt}; expected real counts (integer or float)"
        )


def first_nonfinite(a: np.ndarray) -> tuple[int, ...] | None:
    """Index of the first NaN or infinite value of ``a`` (C order), or None."""
    bad = ~np.isfinite(a)
    if not bad.any():
        return None
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), a.shape))


def check_length_um(value: Any, *, name: str, source: str) -> float:
    """A length in um as a float; DataError unless it is finite and > 0."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{source}: {name} is not a number; expected a length > 0 in um") from None
    if not (math.isfinite(v) and v > 0):
        raise DataError(f"{source}: {name} = {v:g} um; expected a finite length > 0")
    return v


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Keep warnings and log records of the parsing libraries off stderr while reading."""
    loggers = [logging.getLogger(n) for n in _NOISY_LOGGERS]
    saved = [(lg, lg.level, lg.propagate) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)
        lg.propagate = False
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level, propagate in saved:
            lg.setLevel(level)
            lg.propagate = propagate

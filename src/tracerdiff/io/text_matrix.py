"""Count matrices as plain text: CSV, TSV, ``;``- or whitespace-separated, one image row per
line (row 0 first), no header; ``#`` lines are comments. One species per file.

Every line is checked: a decimal comma, rows of different lengths, an empty field and a
non-finite value are each one error naming the line (and column), never a silently shifted or
half-read image. The IONTOF header form (``# Key (unit): value`` lines) is read by
:func:`~tracerdiff.io.iontof.read_iontof_image`.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import xarray as xr

from ..errors import DataError, FileFormatError, InputError
from ._checks import MAX_PIXELS, check_max_pixels
from ._common import PathLike, existing_file, looks_dead_time_corrected, normalize_species
from ._foreign import foreign_dataset

__all__ = ["DELIMITERS", "looks_like_matrix", "read_text_matrix"]

#: accepted ``delimiter=`` values (``"whitespace"``: runs of spaces/tabs)
DELIMITERS = {",": ",", "comma": ",", "\t": "\t", "tab": "\t", ";": ";", "semicolon": ";",
              "whitespace": None, " ": None}  # fmt: skip
_DECIMAL_COMMA = re.compile(r"\d,\d")
_POINT = "expected numbers with '.' as the decimal mark"


def _data_lines(text: str) -> list[tuple[int, str]]:
    out = []
    for i, line in enumerate(text.splitlines()):
        body = line.split("#", 1)[0].strip()
        if body:
            out.append((i + 1, body))
    return out


def _sniff(line: str) -> str | None:
    """``;``, else whitespace when there is a tab (a comma then is a decimal comma), else
    ``,``, else whitespace (None)."""
    if ";" in line:
        return ";"
    if "\t" in line:
        return None
    return "," if "," in line else None


def looks_like_matrix(path: PathLike) -> bool:
    """True when the first data line is numbers only (no header row): a matrix, not a table."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.read(65536)
    except OSError:
        return False
    lines = _data_lines(head)
    if not lines:
        return False
    sep = _sniff(lines[0][1])
    fields = lines[0][1].split(sep) if sep else lines[0][1].split()
    return all(_is_number(f.strip().replace(",", ".")) for f in fields if f.strip())


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _field(text: str, no: int, col: int, sep: str | None, src: str) -> float:
    t = text.strip()
    if not t:
        raise FileFormatError(f"{src}: line {no}, column {col}: empty field; {_POINT}")
    if sep != "," and _DECIMAL_COMMA.search(t):
        raise FileFormatError(f"{src}: line {no}, column {col}: decimal comma; {_POINT}")
    try:
        v = float(t)
    except ValueError:
        raise FileFormatError(f"{src}: line {no}, column {col}: not a number; {_POINT}") from None
    if not math.isfinite(v):
        raise DataError(
            f"{src}: line {no}, column {col}: NaN or infinite count; expected finite counts >= 0"
        )
    return v


def _parse(text: str, sep: str | None, src: str, max_pixels: int) -> np.ndarray:
    lines = _data_lines(text)
    if not lines:
        raise FileFormatError(f"{src}: no rows of numbers; expected a count matrix")
    rows: list[list[float]] = []
    width = -1
    for no, body in lines:
        if sep and body.endswith(sep):  # one trailing separator, as spreadsheet exports write
            body = body[: -len(sep)]
        fields = body.split(sep) if sep else body.split()
        if width < 0:
            width = len(fields)
        elif len(fields) != width:
            hint = " (decimal commas or a stray separator?)" if sep == "," else ""
            raise FileFormatError(
                f"{src}: line {no} has {len(fields)} values but line {lines[0][0]} has {width}"
                f"{hint}; expected a rectangular matrix"
            )
        if (len(rows) + 1) * width > max_pixels:
            raise FileFormatError(
                f"{src}: the matrix holds more than max_pixels={max_pixels} values; pass a "
                "larger max_pixels (--max-pixels) if this is intended"
            )
        rows.append([_field(f, no, j + 1, sep, src) for j, f in enumerate(fields)])
    return np.array(rows, dtype=np.float64)


def read_text_matrix(
    path: PathLike,
    *,
    species: str | None = None,
    delimiter: str | None = None,
    pixel_size_um: float | tuple[float, float] | None = None,
    field_of_view_um: float | tuple[float, float] | None = None,
    instrument: str = "unknown",
    max_pixels: int = MAX_PIXELS,
) -> xr.Dataset:
    """Read a text count matrix (rows = image rows) as an image dataset of one species.

    ``delimiter``: ``","``, ``"\\t"``, ``";"``, ``"whitespace"`` or None (from the first data
    line: ``;``, else tabs and spaces when there is a tab, else ``,``, else whitespace).
    ``species`` names the variable (default: the file name without suffix). The pixel size
    comes from ``pixel_size_um`` or ``field_of_view_um`` (a plain matrix states none).
    Non-integer counts set ``dead_time_corrected=1``.
    """
    p = existing_file(path)
    limit = check_max_pixels(max_pixels)
    if delimiter is not None and delimiter not in DELIMITERS:
        raise InputError(
            f"delimiter must be one of {sorted(k for k in DELIMITERS if k.strip())}, "
            f"got {delimiter!r}"
        )
    text = _decode(p)
    lines = _data_lines(text)
    sep = (
        DELIMITERS[delimiter] if delimiter is not None else (_sniff(lines[0][1]) if lines else None)
    )
    a = _parse(text, sep, str(p), limit)
    name = normalize_species(species or Path(p).stem)
    ds = foreign_dataset(
        {name: a},
        p,
        "text_matrix",
        pixel_size_um=pixel_size_um,
        field_of_view_um=field_of_view_um,
        instrument=instrument,
    )
    ds[name].attrs["label"] = species or Path(p).stem
    ds.attrs["delimiter"] = {",": "comma", "\t": "tab", ";": "semicolon", None: "whitespace"}[sep]
    ds.attrs["dead_time_corrected"] = int(looks_dead_time_corrected([a]))
    return ds


def _decode(p: Path) -> str:
    raw = p.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileFormatError(
            f"{p}: not a text file (not UTF-8); expected a count matrix"
        ) from None

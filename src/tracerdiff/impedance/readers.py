"""Read impedance spectra from CSV/TSV tables and instrument exports.

:func:`read_spectra` returns one :class:`~tracerdiff.impedance.spectrum.Spectrum` per
temperature (a table with a temperature column holds several); :func:`read_spectrum` exactly
one.  The sign of Z'' is taken from the header (``-Z''`` means the column holds -Z'') or, for
a table without a header, detected: a passive spectrum of a solid electrolyte has Z'' < 0 over
most of its points, so a column that is mostly positive is read as -Z''.  What was decided is
written to the spectrum's ``notes``; ``imag_sign`` overrides the detection.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ..errors import DataError, FileFormatError, InputError
from ..io._checks import check_input_file
from .formats import ALIASES, FORMATS, Table, detect_format, locate_table
from .spectrum import MIN_POINTS, Spectrum, make_spectrum
from .tabular import Column

__all__ = ["IMAG_SIGNS", "MAX_FILE_BYTES", "read_spectra", "read_spectrum"]

#: ``auto``: header or detection; ``z``: the column is Z''; ``minus_z``: it is -Z''
IMAG_SIGNS = ("auto", "z", "minus_z")
MAX_FILE_BYTES = 64 * 2**20  #: impedance exports are small; larger files are refused


def _lines(p: Path) -> list[str]:
    if p.stat().st_size > MAX_FILE_BYTES:
        raise FileFormatError(
            f"{p}: larger than {MAX_FILE_BYTES // 2**20} MiB; expected an impedance text export"
        )
    raw = p.read_bytes()
    if b"\x00" in raw[:4096]:
        raise FileFormatError(
            f"{p}: a binary file; expected an impedance text export "
            "(CSV/TSV or an instrument's ASCII format)"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # Gamry writes ISO-8859-1
    return text.splitlines()


def _column(data: NDArray[np.float64], c: Column) -> NDArray[np.float64]:
    return data[:, c.index] * c.scale * c.sign


def _impedance(table: Table) -> tuple[NDArray[np.float64], NDArray[np.float64], list[str]]:
    cols, data = table.columns, table.data
    notes: list[str] = []
    if cols.real is not None and cols.imag is not None:
        zr, zi = _column(data, cols.real), _column(data, cols.imag)
        if cols.imag.sign < 0:
            notes.append("the file holds -Z''; converted to Z''")
        units = {cols.real.unit, cols.imag.unit} - {"ohm", ""}
    else:
        assert cols.modulus is not None and cols.phase is not None
        mod, ph = _column(data, cols.modulus), _column(data, cols.phase)
        zr, zi = mod * np.cos(ph), mod * np.sin(ph)
        notes.append("Z', Z'' computed from |Z| and phase")
        units = {cols.modulus.unit} - {"ohm", ""}
    if units:
        notes.append(f"impedance converted from {', '.join(sorted(units))} to ohm")
    return zr, zi, notes


def _apply_sign(
    zi: NDArray[np.float64], table: Table, imag_sign: str, notes: list[str]
) -> NDArray[np.float64]:
    positive = float(np.mean(zi > 0)) if zi.size else 0.0
    if imag_sign == "minus_z":
        notes.append("imaginary column taken as -Z'' (imag_sign='minus_z')")
        return -zi
    if imag_sign == "z":
        return zi
    if not table.has_header and positive > 0.5:
        notes.append(
            f"{positive:.0%} of the imaginary values are positive: the column is "
            "read as -Z'' (a capacitive spectrum has Z'' < 0); pass imag_sign='z' "
            "to keep it as Z''"
        )
        return -zi
    if positive > 0.8:
        notes.append(
            f"{positive:.0%} of the Z'' values are positive (inductive or a sign "
            "convention -Z''): check, and pass imag_sign='minus_z' if so"
        )
    return zi


def _temperatures(table: Table) -> NDArray[np.float64] | None:
    c = table.columns.temperature
    if c is None:
        return None
    t = table.data[:, c.index] + (273.15 if c.unit == "degC" else 0.0)
    if not np.all(np.isfinite(t)) or np.any(t <= 0):
        raise DataError("the temperature column holds a value that is not > 0 K")
    return np.asarray(t, dtype=float)


def _split(
    f: NDArray[np.float64],
    zr: NDArray[np.float64],
    zi: NDArray[np.float64],
    temps: NDArray[np.float64] | None,
    *,
    temperature_K: float | None,
    source: str,
    fmt: str,
    notes: tuple[str, ...],
    min_points: int,
) -> tuple[Spectrum, ...]:
    if temps is None:
        return (
            make_spectrum(
                f,
                zr,
                zi,
                temperature_K=temperature_K,
                source=source,
                format=fmt,
                notes=notes,
                min_points=min_points,
            ),
        )
    out = []
    _, first = np.unique(temps, return_index=True)
    for t in temps[np.sort(first)]:
        m = temps == t
        out.append(
            make_spectrum(
                f[m],
                zr[m],
                zi[m],
                temperature_K=float(t),
                source=source,
                format=fmt,
                notes=notes,
                min_points=min_points,
            )
        )
    return tuple(out)


def read_spectra(
    path: str | os.PathLike[str],
    *,
    format: str = "auto",
    imag_sign: str = "auto",
    temperature_K: float | None = None,
    min_points: int = MIN_POINTS,
) -> tuple[Spectrum, ...]:
    """All spectra of one file (several when it has a temperature column).

    ``format``: ``auto`` (from the content) or one of :data:`~tracerdiff.impedance.formats.FORMATS`
    (aliases ``autolab``, ``zview``, ``powersuite``, ``tsv``).  ``temperature_K`` is the
    temperature of a file without a temperature column.  Raises :class:`FileFormatError` for a
    file that is not an impedance table and :class:`DataError` for impossible values.
    """
    if imag_sign not in IMAG_SIGNS:
        raise InputError(f"imag_sign must be one of {', '.join(IMAG_SIGNS)}; got {imag_sign!r}")
    known = ("auto", *FORMATS, *ALIASES)
    if format not in known:
        raise InputError(f"format must be one of {', '.join(known)}; got {format!r}")
    p = check_input_file(path)
    lines = _lines(p)
    fmt = detect_format(lines) if format == "auto" else ALIASES.get(format, format)
    where = f"{p}: "
    table = locate_table(lines, fmt, where)
    if not table.columns.complete:
        raise FileFormatError(f"{where}the {fmt} table has no frequency, Z' and Z'' columns")
    assert table.columns.frequency is not None
    f = _column(table.data, table.columns.frequency)
    if table.columns.angular:
        f = f / (2.0 * np.pi)
    zr, zi, notes = _impedance(table)
    zi = _apply_sign(zi, table, imag_sign, notes)
    notes = [*table.notes, *notes] + (
        ["frequency converted from rad/s to Hz"] if table.columns.angular else []
    )
    temps = _temperatures(table)
    if temps is not None and temperature_K is not None:
        raise InputError(
            f"{where}the file has a temperature column; do not also give a temperature"
        )
    try:
        return _split(
            f,
            zr,
            zi,
            temps,
            temperature_K=temperature_K,
            source=str(p),
            fmt=fmt,
            notes=tuple(notes),
            min_points=min_points,
        )
    except DataError as exc:
        raise DataError(str(exc) if str(exc).startswith(str(p)) else f"{where}{exc}") from None


def read_spectrum(path: str | os.PathLike[str], **options: object) -> Spectrum:
    """The one spectrum of a file (options as :func:`read_spectra`)."""
    spectra = read_spectra(path, **options)  # type: ignore[arg-type]
    if len(spectra) != 1:
        raise DataError(
            f"{path}: holds {len(spectra)} spectra (a temperature column); use read_spectra"
        )
    return spectra[0]

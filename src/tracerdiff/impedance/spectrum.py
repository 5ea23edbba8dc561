"""One impedance spectrum: frequencies (Hz) and complex impedance (ohm), checked on creation.

Convention inside tracerdiff: Z = Z' + j Z'' with Z'' < 0 for a capacitive arc (the physical
sign; files that store -Z'' are converted by the readers, which say so in ``notes``).  Points
are kept in the order of the file; ``sorted_by_frequency`` gives them from low to high frequency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import DataError
from ..quantities import quantity
from ..results import ResultMixin

__all__ = ["MIN_POINTS", "Spectrum", "make_spectrum"]

#: fewest points a spectrum may have (a two-arc circuit has 7-9 parameters)
MIN_POINTS = 10

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Spectrum(ResultMixin):
    """An impedance spectrum read from a file or made in memory."""

    frequency_Hz: FloatArray
    z_real_ohm: FloatArray
    z_imag_ohm: FloatArray
    temperature_K: float | None = None
    source: str = ""
    format: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def z(self) -> NDArray[np.complex128]:
        """Complex impedance (ohm)."""
        return self.z_real_ohm + 1j * self.z_imag_ohm

    @property
    def omega(self) -> FloatArray:
        """Angular frequency (rad/s)."""
        return 2.0 * np.pi * self.frequency_Hz

    @property
    def n_points(self) -> int:
        return int(self.frequency_Hz.size)

    def sorted_by_frequency(self) -> Spectrum:
        """The same spectrum with frequencies rising."""
        order = np.argsort(self.frequency_Hz)
        return Spectrum(
            self.frequency_Hz[order],
            self.z_real_ohm[order],
            self.z_imag_ohm[order],
            self.temperature_K,
            self.source,
            self.format,
            self.notes,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON keys: n_points, frequency_min, frequency_max, first_point, temperature, source,
        format, notes."""
        return {
            "n_points": self.n_points,
            "frequency_min": quantity(float(self.frequency_Hz.min()), None, "Hz"),
            "frequency_max": quantity(float(self.frequency_Hz.max()), None, "Hz"),
            "first_point_ohm": [float(self.z_real_ohm[0]), float(self.z_imag_ohm[0])],
            "temperature": None
            if self.temperature_K is None
            else quantity(self.temperature_K, None, "K"),
            "source": self.source,
            "format": self.format,
            "notes": list(self.notes),
        }


def _check_monotonic(f: FloatArray, where: str) -> None:
    d = np.diff(f)
    if not (np.all(d > 0) or np.all(d < 0)):
        i = int(np.flatnonzero(np.sign(d) != np.sign(d[0]))[0]) + 1 if np.any(d != 0) else 1
        raise DataError(
            f"{where}frequencies must rise or fall monotonically (a single sweep "
            f"without repeats); point {i + 1} breaks the order"
        )


def make_spectrum(
    frequency_Hz: ArrayLike,
    z_real_ohm: ArrayLike,
    z_imag_ohm: ArrayLike,
    *,
    temperature_K: float | None = None,
    source: str = "",
    format: str = "",
    notes: tuple[str, ...] = (),
    min_points: int = MIN_POINTS,
) -> Spectrum:
    """A checked :class:`Spectrum`: equal lengths, finite values, frequencies > 0 and monotonic,
    at least ``min_points`` points.  Raises :class:`DataError` naming the first bad point."""
    where = f"{source}: " if source else ""
    f = np.asarray(frequency_Hz, dtype=float).ravel()
    zr = np.asarray(z_real_ohm, dtype=float).ravel()
    zi = np.asarray(z_imag_ohm, dtype=float).ravel()
    if not f.size == zr.size == zi.size:
        raise DataError(
            f"{where}frequency, Z' and Z'' must have the same length "
            f"({f.size}, {zr.size}, {zi.size})"
        )
    if f.size < min_points:
        raise DataError(f"{where}a spectrum needs at least {min_points} points, got {f.size}")
    for name, a in (("frequency", f), ("Z'", zr), ("Z''", zi)):
        bad = np.flatnonzero(~np.isfinite(a))
        if bad.size:
            raise DataError(f"{where}{name} of point {bad[0] + 1} is not a finite number")
    if np.any(f <= 0):
        raise DataError(f"{where}frequency of point {np.flatnonzero(f <= 0)[0] + 1} is not > 0")
    _check_monotonic(f, where)
    if temperature_K is not None and not (np.isfinite(temperature_K) and temperature_K > 0):
        raise DataError(f"{where}the temperature must be finite and > 0 K")
    return Spectrum(
        f,
        zr,
        zi,
        None if temperature_K is None else float(temperature_K),
        str(source),
        format,
        tuple(notes),
    )

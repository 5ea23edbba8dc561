"""Exact time integration of the uniform-D finite-volume grid by fast trigonometric transforms.

Grid: ``N`` cells of width ``h`` (cm), centres ``x_i = (i + 1/2) h``, faces at ``0`` and
``L = N h``; the operator is the one of :mod:`tracerdiff.solvers.fv1d` with uniform ``D``.  With
uniform ``D`` the answer depends on ``D`` and ``t`` only through ``D t`` (cm^2), so each function
takes ``D_t_cm2``; the cost (an FFT) does not grow with time.

- closed / closed: DCT-II basis ``cos(pi n (i + 1/2) / N)``, eigenvalues
  ``-(2 - 2 cos(pi n / N)) / h^2`` (tracer conserved).
- source at ``x = 0`` (value ``C_s`` half a cell from the first centre), closed at ``L``: subtract
  ``C_s``; DST-IV basis ``sin(pi (n + 1/2)(i + 1/2) / N)``, eigenvalues
  ``-(2 - 2 cos(pi (n + 1/2) / N)) / h^2``.
- source at both ends: subtract the (linear) steady state; DST-II basis, eigenvalues
  ``-(2 - 2 cos(pi (n + 1) / N)) / h^2``.
The results equal the dense eigen-decomposition of the same grid operator to rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.fft
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError

__all__ = ["SpectralEvolver", "evolve_exact"]

_KINDS = {("closed", "closed"), ("source", "closed"), ("closed", "source"), ("source", "source")}


@dataclass(frozen=True, eq=False)
class SpectralEvolver:
    """Precomputed transform of ``c0``: ``at(D_t_cm2)`` costs one inverse FFT.

    Build with :meth:`build`; ``at`` returns the cell values after ``integral D dt = D_t_cm2``.
    """

    coeffs: NDArray[np.float64]
    rates: NDArray[np.float64] = field(repr=False)
    base: NDArray[np.float64] = field(repr=False)
    transform: tuple[str, int]
    flip: bool

    @classmethod
    def build(
        cls,
        c0: ArrayLike,
        *,
        h_cm: float,
        left: str = "closed",
        right: str = "closed",
        c_left: float | None = None,
        c_right: float | None = None,
    ) -> SpectralEvolver:
        """Transform ``c0`` once for the given boundaries (see the module text)."""
        c = np.asarray(c0, dtype=float)
        if c.ndim != 1 or c.size < 2 or not np.all(np.isfinite(c)):
            raise InputError("c0 must be a finite 1D array of at least 2 cells")
        h = float(h_cm)
        if not (math.isfinite(h) and h > 0):
            raise InputError(f"h_cm must be > 0 cm, got {h_cm}")
        if (left, right) not in _KINDS:
            raise InputError(f"boundaries must be 'closed' or 'source', got {left!r}, {right!r}")
        for side, kind, v in (("left", left, c_left), ("right", right, c_right)):
            if kind == "source" and (v is None or not math.isfinite(float(v))):
                raise InputError(f"a {side} 'source' boundary needs a finite c_{side}")
        n = c.size
        flip = left == "closed" and right == "source"
        if flip:
            c, c_left = c[::-1], c_right
        idx = np.arange(n)
        if left == "closed" and right == "closed":
            base = np.zeros(n)
            transform, shift = ("dct", 2), 0.0
        elif left == "source" and right == "source":
            assert c_left is not None and c_right is not None
            base = float(c_left) + (float(c_right) - float(c_left)) * (idx + 0.5) / n
            transform, shift = ("dst", 2), 1.0
        else:
            assert c_left is not None
            base = np.full(n, float(c_left))
            transform, shift = ("dst", 4), 0.5
        rates = (2.0 - 2.0 * np.cos(np.pi * (idx + shift) / n)) / h**2
        coeffs = _forward(c - base, transform)
        return cls(coeffs, rates, base, transform, flip)

    def at(self, D_t_cm2: float) -> NDArray[np.float64]:
        """Cell values after ``integral D dt = D_t_cm2`` (cm^2, >= 0)."""
        dt = float(D_t_cm2)
        if not (math.isfinite(dt) and dt >= 0):
            raise InputError(f"D t must be >= 0 cm^2, got {D_t_cm2}")
        out = self.base + _inverse(self.coeffs * np.exp(-self.rates * dt), self.transform)
        return out[::-1].copy() if self.flip else out


def _forward(v: NDArray[np.float64], transform: tuple[str, int]) -> NDArray[np.float64]:
    kind, typ = transform
    f = scipy.fft.dct if kind == "dct" else scipy.fft.dst
    return np.asarray(f(v, type=typ, norm="ortho"), dtype=float)


def _inverse(v: NDArray[np.float64], transform: tuple[str, int]) -> NDArray[np.float64]:
    kind, typ = transform
    f = scipy.fft.idct if kind == "dct" else scipy.fft.idst
    return np.asarray(f(v, type=typ, norm="ortho"), dtype=float)


def evolve_exact(
    c0: ArrayLike,
    *,
    h_cm: float,
    D_t_cm2: float,
    left: str = "closed",
    right: str = "closed",
    c_left: float | None = None,
    c_right: float | None = None,
) -> NDArray[np.float64]:
    """Evolve cell values ``c0`` (cell width ``h_cm``) by ``integral D dt = D_t_cm2`` (cm^2).

    ``left``/``right``: "closed" (no flux) or "source" (held at ``c_left``/``c_right``, half a
    cell from the end cell centre).  Exact for the semi-discrete grid (module text).
    """
    ev = SpectralEvolver.build(
        c0, h_cm=h_cm, left=left, right=right, c_left=c_left, c_right=c_right
    )
    return ev.at(D_t_cm2)

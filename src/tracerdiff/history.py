"""Thermal histories: stages at constant temperature or linear ramps, and their integral of D dt.

A :class:`Stage` is ``duration_s`` seconds at ``temperature_K`` (or a linear ramp to
``end_temperature_K``) with the sample surface either ``"closed"`` (no tracer supply: storage,
anneals) or ``"source"`` (in the tracer bath).  With ``D`` uniform in space, consecutive stages with
the same boundary act on a profile only through ``sum_i integral D(T(t)) dt`` (cm^2); that sum is
what :meth:`ThermalHistory.segments` returns, merging only stages with the same boundary (never
across a switch source -> closed).

``D`` is given either as a callable ``D_of_T(T_K) -> cm^2/s`` or as Arrhenius parameters
``(D0_cm2_s, Ea_eV)``.  Ramps are integrated with 64-point Gauss-Legendre quadrature on 8
sub-intervals (relative error < 1e-12 for Arrhenius laws with Ea / k_B T < 100 over the ramp).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import InputError
from .results import ResultMixin
from .units import K_B_EV

__all__ = [
    "DiffusivityLike",
    "DtSegment",
    "Stage",
    "ThermalHistory",
    "arrhenius_D",
    "as_D_of_T",
    "evolve_profile",
    "stages_from_pairs",
]

DiffusivityLike = Callable[[float], float] | tuple[float, float]

_GL_X, _GL_W = np.polynomial.legendre.leggauss(64)


def arrhenius_D(T_K: ArrayLike, D0: float, Ea_eV: float) -> Any:
    """``D = D0 exp(-Ea / (k_B T))`` in the unit of ``D0`` (cm^2/s); ``T_K`` in kelvin (> 0).

    >>> print(f"{arrhenius_D(295.15, 0.048, 0.43):.3g} cm^2/s")
    2.18e-09 cm^2/s
    >>> [f"{d:.2g}" for d in arrhenius_D([300.0, 400.0], 0.048, 0.43)]
    ['2.9e-09', '1.8e-07']
    """
    t = np.asarray(T_K, dtype=float)
    if np.any(~np.isfinite(t)) or np.any(t <= 0):
        raise InputError("temperatures must be finite and > 0 K")
    out = float(D0) * np.exp(-float(Ea_eV) / (K_B_EV * t))
    return float(out) if out.ndim == 0 else out


def as_D_of_T(D: DiffusivityLike) -> Callable[[float], float]:
    """A callable ``D(T_K)`` (cm^2/s) from a callable or Arrhenius ``(D0, Ea_eV)``."""
    if callable(D):
        return D
    if isinstance(D, tuple) and len(D) == 2:
        d0, ea = float(D[0]), float(D[1])
        if not (d0 > 0 and math.isfinite(d0) and math.isfinite(ea)):
            raise InputError("Arrhenius parameters need D0 > 0 cm^2/s and a finite Ea in eV")
        return lambda T: float(arrhenius_D(T, d0, ea))
    raise InputError("D must be a callable D(T_K) in cm^2/s or a tuple (D0 cm^2/s, Ea eV)")


@dataclass(frozen=True)
class Stage:
    """One step of a thermal history.

    ``temperature_K`` start temperature (K); ``duration_s`` (s, > 0); ``boundary`` "closed" (no
    supply) or "source" (tracer bath at the surface); ``end_temperature_K`` makes a linear ramp.
    """

    temperature_K: float
    duration_s: float
    boundary: str = "closed"
    end_temperature_K: float | None = None

    def __post_init__(self) -> None:
        for name in ("temperature_K", "end_temperature_K"):
            v = getattr(self, name)
            if v is None:
                continue
            if not math.isfinite(float(v)) or float(v) <= 0:
                raise InputError(f"stage {name} must be > 0 K, got {v}")
        if not math.isfinite(float(self.duration_s)) or float(self.duration_s) <= 0:
            raise InputError(f"stage duration must be > 0 s, got {self.duration_s}")
        if self.boundary not in ("closed", "source"):
            raise InputError(f"stage boundary must be 'closed' or 'source', got {self.boundary!r}")

    @property
    def is_ramp(self) -> bool:
        """True when the temperature changes linearly during the stage."""
        return self.end_temperature_K is not None and self.end_temperature_K != self.temperature_K

    def temperature_at(self, t_s: ArrayLike) -> Any:
        """Temperature (K) at ``t_s`` seconds into the stage."""
        t = np.asarray(t_s, dtype=float)
        if not self.is_ramp:
            return np.full_like(t, self.temperature_K) if t.ndim else float(self.temperature_K)
        assert self.end_temperature_K is not None
        frac = t / self.duration_s
        return self.temperature_K + (self.end_temperature_K - self.temperature_K) * frac

    def integrated_D_t(self, D: DiffusivityLike) -> float:
        """``integral D(T(t)) dt`` over the stage in cm^2 (exact when isothermal)."""
        f = as_D_of_T(D)
        if not self.is_ramp:
            return _positive(f(self.temperature_K)) * self.duration_s
        edges = np.linspace(0.0, self.duration_s, 9)
        total = 0.0
        for a, b in itertools.pairwise(edges):
            ts = 0.5 * (a + b) + 0.5 * (b - a) * _GL_X
            vals = np.array([_positive(f(float(T))) for T in self.temperature_at(ts)])
            total += 0.5 * (b - a) * float(np.dot(_GL_W, vals))
        return total

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain description."""
        return {
            "temperature_K": float(self.temperature_K),
            "end_temperature_K": None
            if self.end_temperature_K is None
            else float(self.end_temperature_K),
            "duration_s": float(self.duration_s),
            "boundary": self.boundary,
        }


def _positive(d: float) -> float:
    v = float(d)
    if not math.isfinite(v) or v < 0:
        raise InputError(f"D(T) must be finite and >= 0 cm^2/s, got {d}")
    return v


@dataclass(frozen=True)
class DtSegment(ResultMixin):
    """Consecutive stages with one boundary condition, acting through ``D_t_cm2 = sum D_i t_i``."""

    boundary: str
    D_t_cm2: float
    duration_s: float
    stages: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain form."""
        return {
            "boundary": self.boundary,
            "D_t_cm2": self.D_t_cm2,
            "duration_s": self.duration_s,
            "stages": list(self.stages),
        }


@dataclass(frozen=True)
class ThermalHistory(ResultMixin):
    """An ordered, non-empty sequence of :class:`Stage`."""

    stages: tuple[Stage, ...]

    def __init__(self, stages: Iterable[Stage]) -> None:
        st = tuple(stages)
        if not st:
            raise InputError("a thermal history needs at least one stage")
        for s in st:
            if not isinstance(s, Stage):
                raise InputError(
                    f"thermal history stages must be Stage objects, got {type(s).__name__}"
                )
        object.__setattr__(self, "stages", st)

    @classmethod
    def isothermal(
        cls, temperature_K: float, duration_s: float, *, boundary: str = "closed"
    ) -> ThermalHistory:
        """A single isothermal stage."""
        return cls([Stage(temperature_K, duration_s, boundary)])

    @property
    def total_time_s(self) -> float:
        """Sum of the stage durations (s)."""
        return float(sum(s.duration_s for s in self.stages))

    def stage_D_t(self, D: DiffusivityLike) -> list[float]:
        """``integral D dt`` of each stage (cm^2)."""
        return [s.integrated_D_t(D) for s in self.stages]

    def integrated_D_t(self, D: DiffusivityLike) -> float:
        """``integral D dt`` over the whole history (cm^2), regardless of boundaries."""
        return float(sum(self.stage_D_t(D)))

    def segments(self, D: DiffusivityLike) -> list[DtSegment]:
        """Merge consecutive stages with the same boundary into ``sum D_i t_i`` segments."""
        out: list[DtSegment] = []
        for i, (s, dt) in enumerate(zip(self.stages, self.stage_D_t(D), strict=True)):
            if out and out[-1].boundary == s.boundary:
                prev = out[-1]
                out[-1] = DtSegment(
                    s.boundary, prev.D_t_cm2 + dt, prev.duration_s + s.duration_s, (*prev.stages, i)
                )
            else:
                out.append(DtSegment(s.boundary, dt, float(s.duration_s), (i,)))
        return out

    def isothermal_pieces(self, *, max_step_K: float = 1.0) -> list[Stage]:
        """Stages with ramps split into isothermal pieces at their mid temperatures.

        Each ramp is cut so that no piece spans more than ``max_step_K`` kelvin; used by solvers
        whose operator depends on temperature in more than one way (e.g. D_b and k with
        different activation energies).
        """
        if not (max_step_K > 0):
            raise InputError("max_step_K must be > 0 K")
        out: list[Stage] = []
        for s in self.stages:
            if not s.is_ramp:
                out.append(s)
                continue
            assert s.end_temperature_K is not None
            m = max(1, math.ceil(abs(s.end_temperature_K - s.temperature_K) / max_step_K))
            dt = s.duration_s / m
            for j in range(m):
                out.append(Stage(float(s.temperature_at((j + 0.5) * dt)), dt, s.boundary))
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain form."""
        return {"stages": [s.to_dict() for s in self.stages], "total_time_s": self.total_time_s}


def stages_from_pairs(
    pairs: Sequence[tuple[float, float]], *, boundary: str = "closed"
) -> ThermalHistory:
    """A history from ``(temperature_K, duration_s)`` pairs sharing one boundary."""
    return ThermalHistory(Stage(float(T), float(t), boundary) for T, t in pairs)


CellsOfT = Callable[[float], Any]


def _is_uniform(D: DiffusivityLike, stages: Sequence[Stage]) -> bool:
    f = as_D_of_T(D)
    return all(np.ndim(f(s.temperature_K)) == 0 for s in stages)


def evolve_profile(
    c0: ArrayLike,
    *,
    h_cm: float,
    history: ThermalHistory,
    D: DiffusivityLike | CellsOfT,
    gb_conductance: ArrayLike | CellsOfT | None = None,
    c_source: float | None = None,
    max_step_K: float = 1.0,
    rtol: float = 1e-8,
) -> NDArray[np.float64]:
    """Apply a thermal history to cell values ``c0`` (cell width ``h_cm`` cm).

    The surface (left end, ``x = 0``) is closed or held at ``c_source`` per stage ("source"
    stages); the far end is closed.  ``D``: ``(D0, Ea_eV)`` or a callable ``D(T_K)`` returning
    cm^2/s, a scalar (uniform) or one value per cell.  ``gb_conductance``: per interior face in
    cm/s, an array or a callable of ``T_K``.  Uniform ``D`` without interfaces uses the exact
    transform on merged ``sum D_i t_i`` segments; otherwise
    :func:`~tracerdiff.solvers.fv1d.evolve_fv1d`
    per isothermal piece (ramps cut every ``max_step_K`` kelvin).

    An hour's exchange at 22 C (the surface held at 0.9) takes up ``2 (C_s - C_0) sqrt(D t /
    pi)`` of tracer; a closed anneal afterwards spreads it without changing the amount:

    >>> import numpy as np
    >>> c0 = np.full(100, 0.076)  # 100 cells of 1 um
    >>> exchange = ThermalHistory([Stage(295.15, 3600.0, "source")])
    >>> c1 = evolve_profile(c0, h_cm=1e-4, history=exchange, D=(0.048, 0.43), c_source=0.9)
    >>> d_t = arrhenius_D(295.15, 0.048, 0.43) * 3600.0
    >>> print(f"{np.sum(c1 - 0.076):.1f} um vs {2 * 0.824 * np.sqrt(d_t / np.pi) * 1e4:.1f} um")
    26.1 um vs 26.1 um
    >>> both = ThermalHistory([Stage(295.15, 3600.0, "source"), Stage(473.15, 60.0)])
    >>> c2 = evolve_profile(c0, h_cm=1e-4, history=both, D=(0.048, 0.43), c_source=0.9)
    >>> print(f"{np.sum(c2 - 0.076):.1f} um")
    26.1 um
    """
    from .solvers.exact import evolve_exact
    from .solvers.fv1d import evolve_fv1d

    c = np.asarray(c0, dtype=float)
    if any(s.boundary == "source" for s in history.stages) and c_source is None:
        raise InputError("the history has 'source' stages: give c_source")
    if gb_conductance is None and _is_uniform(D, history.stages):
        for seg in history.segments(as_D_of_T(D)):
            c = evolve_exact(c, h_cm=h_cm, D_t_cm2=seg.D_t_cm2, left=seg.boundary, c_left=c_source)
        return c
    f = as_D_of_T(D)
    for s in history.isothermal_pieces(max_step_K=max_step_K):
        k = gb_conductance(s.temperature_K) if callable(gb_conductance) else gb_conductance
        c = evolve_fv1d(
            c,
            h_cm=h_cm,
            d_cells=f(s.temperature_K),
            time_s=s.duration_s,
            gb_conductance=k,
            left=s.boundary,
            c_left=c_source,
            rtol=rtol,
        )
    return c

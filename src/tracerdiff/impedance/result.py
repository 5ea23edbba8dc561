"""Result of a circuit fit (:class:`CircuitFit`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..quantities import quantity
from ..results import ResultMixin
from .spectrum import Spectrum

__all__ = ["CircuitFit"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class CircuitFit(ResultMixin):
    """A weighted complex least-squares fit of one circuit to one spectrum.

    ``values``, ``stderr`` and ``cov`` are in the order of ``parameters`` (units in ``units``);
    ``chi2`` is the weighted sum of squares with ``dof`` = 2 N - P degrees of freedom.
    """

    circuit: str
    parameters: tuple[str, ...]
    units: tuple[str, ...]
    values: FloatArray
    stderr: FloatArray
    cov: FloatArray
    chi2: float
    dof: int
    weighting: str
    error_source: str
    success: bool
    message: str
    n_starts: int
    nfev: int
    spectrum: Spectrum
    notes: tuple[str, ...] = field(default_factory=tuple)
    at_bound: tuple[str, ...] = ()  #: parameters held at a bound (fixed in the covariance)
    undetermined: tuple[str, ...] = ()  #: parameters the data do not determine (no error)

    def unknown_variance(self) -> NDArray[np.bool_]:
        """Per parameter: True where the error is unknown (not determined, or no covariance
        at all); a parameter at its bound counts as fixed, not unknown."""
        nan = np.isnan(np.diag(self.cov))
        return np.asarray(nan & ~np.isin(np.array(self.parameters), self.at_bound), dtype=bool)

    @property
    def chi2_red(self) -> float:
        return self.chi2 / self.dof

    def value(self, name: str) -> float:
        """Fitted value of parameter ``name``."""
        return float(self.values[self.parameters.index(name)])

    def error(self, name: str) -> float:
        """Standard error of parameter ``name`` (NaN when not determined)."""
        return float(self.stderr[self.parameters.index(name)])

    def sub_covariance(self, names: list[str]) -> FloatArray:
        """Covariance block of ``names``."""
        idx = [self.parameters.index(n) for n in names]
        return np.asarray(self.cov[np.ix_(idx, idx)], dtype=float)

    def model(self, frequency_Hz: ArrayLike | None = None) -> NDArray[np.complex128]:
        """Fitted Z (ohm) at ``frequency_Hz`` (default: the spectrum's frequencies)."""
        from .circuits import parse_circuit

        f = self.spectrum.frequency_Hz if frequency_Hz is None else frequency_Hz
        return parse_circuit(self.circuit).impedance(f, self.values)

    @property
    def relative_residuals(self) -> NDArray[np.complex128]:
        """(Z - Z_fit) / |Z| at each point."""
        z = self.spectrum.z
        return np.asarray((z - self.model()) / np.abs(z))

    def to_dict(self) -> dict[str, Any]:
        """JSON keys: circuit, parameters (name -> quantity), chi2_red, dof, residual_rms,
        weighting, error_source, success, message, n_starts, at_bound, undetermined, notes."""
        rr = self.relative_residuals
        rms = float(np.sqrt(np.mean(rr.real**2 + rr.imag**2) / 2))
        return {
            "circuit": self.circuit,
            "parameters": {
                n: quantity(v, None if not np.isfinite(e) else e, u)
                for n, v, e, u in zip(
                    self.parameters, self.values, self.stderr, self.units, strict=True
                )
            },
            "chi2_red": quantity(self.chi2_red, None, ""),
            "dof": self.dof,
            "residual_rms": quantity(rms, None, "", note="RMS of (Z - Z_fit)/|Z| per part"),
            "weighting": self.weighting,
            "error_source": self.error_source,
            "success": self.success,
            "message": self.message,
            "n_starts": self.n_starts,
            "at_bound": list(self.at_bound),
            "undetermined": list(self.undetermined),
            "notes": list(self.notes),
        }

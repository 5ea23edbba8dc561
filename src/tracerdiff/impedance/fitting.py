"""Weighted complex nonlinear least squares of an equivalent circuit, with the covariance.

Residuals are the real and imaginary misfits divided by the weight of each point:
``modulus`` (|Z|, the usual choice when the noise is a fraction of |Z|), ``unit`` (1 ohm) or
given standard errors (``sigma_ohm``, the same for both parts).  The search runs in ln R, ln Q,
ln C, ln L and plain n (bounded to ``n_bounds``) from every start of
:func:`~tracerdiff.impedance.guess.initial_guesses` (or the given one) and keeps the lowest
cost.  The covariance is (J^T J)^-1 at the optimum, scaled by chi2/dof unless absolute errors
were given (``error_source`` "scatter" or "given"), and carried to the parameters by the
Jacobian of the transform.  A parameter at a bound is held fixed in the covariance (its error is
null and a note says so).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import FitError, InputError
from .circuits import Circuit, default_circuit, parse_circuit
from .guess import initial_guesses
from .result import CircuitFit
from .spectrum import Spectrum

__all__ = ["WEIGHTINGS", "fit_circuit"]

FloatArray = NDArray[np.float64]
WEIGHTINGS = ("modulus", "unit")
_LN_LIMIT = 69.0  #: search range of ln R, ln Q, ln C, ln L: 1e-30 to 1e30 in their units
_HUGE = 1e50  #: residual of a point where the model overflows


def _is_n(name: str) -> bool:
    return name.endswith("_n")


def _weights(spectrum: Spectrum, weighting: str, sigma_ohm: ArrayLike | None) -> FloatArray:
    if sigma_ohm is not None:
        s = np.broadcast_to(np.asarray(sigma_ohm, dtype=float), spectrum.frequency_Hz.shape)
        if not np.all(np.isfinite(s)) or np.any(s <= 0):
            raise InputError("sigma_ohm must be finite and > 0 for every point")
        return np.array(s, dtype=float)
    if weighting not in WEIGHTINGS:
        raise InputError(f"weighting must be one of {', '.join(WEIGHTINGS)}; got {weighting!r}")
    if weighting == "unit":
        return np.ones_like(spectrum.frequency_Hz)
    mod = np.abs(spectrum.z)
    if np.any(mod == 0):
        raise InputError("modulus weighting needs |Z| > 0 at every point")
    return np.asarray(mod, dtype=float)


class _Problem:
    """Residuals of one spectrum and circuit in the search variables."""

    def __init__(self, spectrum: Spectrum, circuit: Circuit, weights: FloatArray) -> None:
        self.s, self.c, self.w = spectrum, circuit, weights
        self.is_n = np.array([_is_n(p) for p in circuit.parameters])

    def to_x(self, p: FloatArray) -> FloatArray:
        return np.where(self.is_n, p, np.log(np.maximum(p, 1e-300)))

    def to_p(self, x: FloatArray) -> FloatArray:
        return np.where(self.is_n, x, np.exp(np.clip(x, -700, 700)))

    def residuals(self, x: FloatArray) -> FloatArray:
        dz = (self.c.impedance(self.s.frequency_Hz, self.to_p(x)) - self.s.z) / self.w
        r = np.concatenate([dz.real, dz.imag])
        return np.clip(np.where(np.isfinite(r), r, _HUGE), -_HUGE, _HUGE)

    def _batch(self, xs: FloatArray) -> FloatArray:
        """Residual vectors of several search points (rows)."""
        dz = (self.c.impedance_batch(self.s.frequency_Hz, self.to_p(xs)) - self.s.z) / self.w
        r = np.concatenate([dz.real, dz.imag], axis=1)
        return np.clip(np.where(np.isfinite(r), r, _HUGE), -_HUGE, _HUGE)

    def forward_jacobian(self, x: FloatArray) -> FloatArray:
        """Forward-difference Jacobian in one vectorised evaluation (for the search)."""
        h = 1e-7 * np.maximum(1.0, np.abs(x))
        rows = self._batch(np.vstack([x, x + np.diag(h)]))
        return np.asarray(((rows[1:] - rows[0]) / h[:, None]).T, dtype=float)

    def jacobian(self, x: FloatArray, free: NDArray[np.bool_]) -> FloatArray:
        cols = []
        for i in np.flatnonzero(free):
            h = 1e-6 * max(1.0, abs(x[i]))
            xp, xm = x.copy(), x.copy()
            xp[i] += h
            xm[i] -= h
            cols.append((self.residuals(xp) - self.residuals(xm)) / (2 * h))
        return np.column_stack(cols) if cols else np.zeros((2 * self.s.n_points, 0))


def _bounds(problem: _Problem, n_bounds: tuple[float, float]) -> tuple[FloatArray, FloatArray]:
    lo = np.where(problem.is_n, n_bounds[0], -_LN_LIMIT)
    hi = np.where(problem.is_n, n_bounds[1], _LN_LIMIT)
    return lo, hi


def _solve(
    problem: _Problem, starts: list[FloatArray], lo: FloatArray, hi: FloatArray, max_nfev: int
) -> tuple[Any, int]:
    from scipy.optimize import least_squares

    best, tried = None, 0
    for p0 in starts:
        x0 = np.clip(problem.to_x(p0), lo + 1e-9, hi - 1e-9)
        if not np.all(np.isfinite(x0)):
            continue
        tried += 1
        sol = least_squares(
            problem.residuals,
            x0,
            jac=problem.forward_jacobian,
            bounds=(lo, hi),
            method="trf",
            x_scale="jac",
            max_nfev=max_nfev,
            xtol=1e-12,
            ftol=1e-12,
        )
        if best is None or sol.cost < best.cost:
            best = sol
    if best is None:
        raise FitError("no usable starting values (non-finite guesses); give initial values")
    return best, tried


def _covariance(
    problem: _Problem,
    x: FloatArray,
    free: NDArray[np.bool_],
    scale: float,
) -> tuple[FloatArray, bool, NDArray[np.bool_]]:
    """Covariance of the parameters (not the search variables), whether it exists, and which
    free parameters the data do not determine (a Jacobian column of ~zero: their
    contribution vanishes); those get NaN rows and the rest is computed without them."""
    n = x.size
    cov = np.full((n, n), np.nan)
    j = problem.jacobian(x, free)
    undetermined = np.zeros(n, dtype=bool)
    if j.shape[1] == 0:
        return cov, True, undetermined
    norms = np.linalg.norm(j, axis=0)
    keep = norms > 1e-8 * max(float(norms.max()), 1e-300)
    undetermined[np.flatnonzero(free)[~keep]] = True
    j = j[:, keep]
    jtj = j.T @ j
    ok = bool(np.all(np.isfinite(jtj))) and j.shape[1] > 0 and np.linalg.cond(jtj) < 1e14
    if not ok:
        return cov, False, undetermined
    idx = np.flatnonzero(free)[keep]
    d = np.where(problem.is_n, 1.0, problem.to_p(x))[idx]
    cov[np.ix_(idx, idx)] = np.linalg.inv(jtj) * scale * np.outer(d, d)
    return cov, True, undetermined


def fit_circuit(
    spectrum: Spectrum,
    circuit: Circuit | str | None = None,
    *,
    weighting: str = "modulus",
    sigma_ohm: ArrayLike | None = None,
    initial: ArrayLike | dict[str, float] | None = None,
    n_bounds: tuple[float, float] = (0.3, 1.0),
    max_nfev: int = 800,
) -> CircuitFit:
    """Fit ``circuit`` (a :class:`Circuit`, a string, or None for the polycrystal circuit
    ``p(R1,CPE1)-p(R2,CPE2)-CPE3``) to ``spectrum``.

    Raises :class:`FitError` when the fit cannot be set up (fewer data than parameters, bad
    initial values); a fit that does not converge returns ``success=False`` with the reason.

    A bulk arc (R1 = 10 kohm, C1 = 1 nF) behind a 100 ohm series resistance, with 0.2 % noise:

    >>> import numpy as np
    >>> from tracerdiff.impedance import make_spectrum, parse_circuit
    >>> circuit = parse_circuit("R0-p(R1,C1)")
    >>> f = np.logspace(0, 6, 40)  # Hz
    >>> z = circuit.impedance(f, [100.0, 1e4, 1e-9])
    >>> z *= 1 + 0.002 * np.random.default_rng(5).standard_normal(f.size)
    >>> fit = fit_circuit(make_spectrum(f, z.real, z.imag), circuit)
    >>> p = fit.to_dict()["parameters"]
    >>> print(fit.success, f"R1 = {p['R1']['value']:.3g} {p['R1']['unit']}",
    ...       f"C1 = {p['C1']['value']:.3g} {p['C1']['unit']}")
    True R1 = 1e+04 ohm C1 = 1e-09 F
    """
    c = (
        default_circuit()
        if circuit is None
        else (parse_circuit(circuit) if isinstance(circuit, str) else circuit)
    )
    if not 0 < n_bounds[0] < n_bounds[1] <= 1:
        raise InputError(f"n_bounds must satisfy 0 < low < high <= 1; got {n_bounds}")
    dof = 2 * spectrum.n_points - len(c.parameters)
    if dof < 1:
        raise FitError(
            f"{spectrum.n_points} points (x2 real/imaginary) cannot fit "
            f"{len(c.parameters)} parameters of {c.text!r}"
        )
    w = _weights(spectrum, weighting, sigma_ohm)
    problem = _Problem(spectrum, c, w)
    starts = _starts(spectrum, c, initial)
    lo, hi = _bounds(problem, n_bounds)
    sol, tried = _solve(problem, starts, lo, hi, max_nfev)
    x = np.asarray(sol.x, dtype=float)
    at_bound = (np.abs(x - lo) < 1e-7) | (np.abs(x - hi) < 1e-7)
    chi2 = float(2.0 * sol.cost)
    given = sigma_ohm is not None
    cov, ident, undetermined = _covariance(problem, x, ~at_bound, 1.0 if given else chi2 / dof)
    return _result(
        spectrum,
        c,
        problem,
        sol,
        x,
        cov,
        at_bound,
        ident,
        undetermined,
        chi2=chi2,
        dof=dof,
        given=given,
        weighting="sigma" if given else weighting,
        tried=tried,
    )


def _starts(
    spectrum: Spectrum,
    c: Circuit,
    initial: ArrayLike | dict[str, float] | None,
) -> list[FloatArray]:
    if initial is None:
        return initial_guesses(spectrum, c)
    if isinstance(initial, dict):
        missing = [p for p in c.parameters if p not in initial]
        if missing:
            raise InputError(f"initial values miss {', '.join(missing)}")
        p0 = np.array([initial[p] for p in c.parameters], dtype=float)
    else:
        p0 = np.asarray(initial, dtype=float).ravel()
    if p0.size != len(c.parameters) or not np.all(np.isfinite(p0)):
        raise InputError(f"initial values: expected {len(c.parameters)} finite numbers")
    if np.any(p0[[not _is_n(p) for p in c.parameters]] <= 0):
        raise InputError("initial values of R, C, L and Q must be > 0")
    return [p0]


def _result(
    spectrum: Spectrum,
    c: Circuit,
    problem: _Problem,
    sol: Any,
    x: FloatArray,
    cov: FloatArray,
    at_bound: NDArray[np.bool_],
    ident: bool,
    undetermined: NDArray[np.bool_],
    *,
    chi2: float,
    dof: int,
    given: bool,
    weighting: str,
    tried: int,
) -> CircuitFit:
    p = problem.to_p(x)
    notes = []
    status = int(sol.status)
    success = status > 0 and ident and bool(np.all(np.isfinite(p)))
    message = str(sol.message)
    for name, b, u in zip(c.parameters, at_bound, undetermined, strict=True):
        if b:
            notes.append(f"{name} is at its bound: held fixed in the covariance")
        if u:
            notes.append(
                f"{name} is not determined by the data (its contribution vanishes, "
                f"value {p[c.parameters.index(name)]:.3g}): consider removing it"
            )
    if not ident:
        notes.append("the Jacobian is singular: some parameters are not determined by the data")
        message = "parameters not identifiable (singular Jacobian); simplify the circuit"
    elif status <= 0:
        message = f"did not converge: {message}"
    stderr = np.sqrt(np.clip(np.diag(cov), 0, None))
    return CircuitFit(
        circuit=c.text,
        parameters=c.parameters,
        units=c.units(),
        values=p,
        stderr=stderr,
        cov=cov,
        chi2=chi2,
        dof=dof,
        weighting=weighting,
        error_source="given" if given else "scatter",
        success=success,
        message=message,
        n_starts=tried,
        nfev=int(sol.nfev),
        spectrum=spectrum,
        notes=tuple(notes),
        at_bound=tuple(n for n, b in zip(c.parameters, at_bound, strict=True) if b),
        undetermined=tuple(n for n, u in zip(c.parameters, undetermined, strict=True) if u),
    )

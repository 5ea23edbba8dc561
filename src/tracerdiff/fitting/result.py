"""The one result type of every fit: :class:`FitResult` (and :class:`PosteriorResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..quantities import finite_or_none, jsonable, quantity
from ..results import ResultMixin

__all__ = ["FitResult", "Parameter", "PosteriorResult"]

CHI2_RED_NOTE = 2.0  #: chi2_red above which the JSON and the text carry a note


@dataclass(frozen=True)
class Parameter:
    """One fitted or fixed parameter of a :class:`FitResult` (``res.D_eff.value``).

    ``stderr`` is the total standard error (counting plus grain sampling where that term was
    formed), ``stderr_counting`` and ``stderr_microstructure`` its parts, ``ci95`` the 95 %
    interval ``(lower, upper)`` (None ends: open), ``fixed`` True for a held parameter.
    """

    name: str
    value: float
    stderr: float | None
    unit: str
    ci95: tuple[float | None, float | None] = (None, None)
    stderr_counting: float | None = None
    stderr_microstructure: float | None = None
    fixed: bool = False

    def __str__(self) -> str:
        return _param_line(self)


def _num(v: float | None) -> str:
    return "n/a" if v is None or not np.isfinite(v) else f"{v:.4g}"


def _param_line(p: Parameter) -> str:
    unit = f" {p.unit}" if p.unit else ""
    if p.fixed:
        return f"{p.name} = {_num(p.value)}{unit} (fixed)"
    line = f"{p.name} = {_num(p.value)} ± {_num(p.stderr)}{unit}"
    lo, hi = p.ci95
    line += f"   95 %: [{_num(lo) if lo is not None else 'open'}, "
    line += f"{_num(hi) if hi is not None else 'open'}]"
    if p.stderr_microstructure:
        line += (
            f"\n    (counting ± {_num(p.stderr_counting)}, grain sampling "
            f"± {_num(p.stderr_microstructure)})"
        )
    return line


@dataclass(frozen=True, eq=False)
class FitResult(ResultMixin):
    """A weighted least-squares fit.

    ``params`` all parameter names (free and fixed), ``free`` the fitted ones; ``values``,
    ``stderr`` (None when fixed or undefined), ``units`` per name; ``covariance`` over ``free``
    in natural units; ``ci95`` per free name ``(lower, upper)`` with ``ci_method`` per name
    ("profile likelihood" for log-scale parameters such as D_eff, "wald" otherwise); ``chi2``,
    ``chi2_red``, ``aic``, ``bic``; ``noise`` "given" (the profile's C_err) or "estimated" (from
    the residuals: then ``chi2_red`` = 1 by construction); the data ``x_um``, ``y``, ``yerr`` (the
    sigma used), ``curve`` (best fit at ``x_um``), ``residuals`` = (y - curve) / yerr; ``group``
    (index of the profile each point belongs to) with ``group_labels``; ``converged`` and
    ``message``; ``status`` ("ok", "poor_fit", "unphysical", "at_bound", "unconstrained",
    "failed") with one line per finding in ``notes`` and ``success`` (False when the fit failed
    outright), computed by :func:`tracerdiff.fitting.status.assess`; ``extra`` model-specific
    JSON-plain details (e.g. evolution times); ``problem``
    the :class:`~tracerdiff.fitting.core.Problem` that was fitted (for posterior sampling).
    ``stderr_counting`` and ``stderr_microstructure`` per free parameter: the parts of
    ``stderr`` (the total) when the grain-sampling term was formed
    (:mod:`tracerdiff.fitting.microstructure_error`), with its method in ``microstructure``.
    Every parameter is also an attribute: ``res.D_eff.value``, ``res.D_eff.stderr``
    (:class:`Parameter`).
    """

    model: str
    method: str
    params: tuple[str, ...]
    free: tuple[str, ...]
    values: dict[str, float]
    stderr: dict[str, float | None]
    units: dict[str, str]
    covariance: NDArray[np.float64]
    ci95: dict[str, tuple[float | None, float | None]]
    ci_method: dict[str, str]
    chi2: float
    chi2_red: float
    aic: float
    bic: float
    n_points: int
    n_params: int
    converged: bool
    message: str
    noise: str
    x_um: NDArray[np.float64]
    y: NDArray[np.float64]
    yerr: NDArray[np.float64]
    curve: NDArray[np.float64]
    residuals: NDArray[np.float64]
    time_s: float | None = None
    group: NDArray[np.int_] | None = None
    group_labels: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    problem: Any = field(default=None, repr=False)
    status: str = "ok"
    success: bool = True
    stderr_counting: dict[str, float | None] = field(default_factory=dict)
    stderr_microstructure: dict[str, float | None] = field(default_factory=dict)
    microstructure: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Parameter:
        # only called when normal lookup fails: parameters by name (res.D_eff)
        if name.startswith("__"):
            raise AttributeError(name)
        params = self.__dict__.get("params", ())
        if name not in params:
            raise AttributeError(f"{type(self).__name__} has no attribute or parameter {name!r}")
        return self.parameter(name)

    def parameter(self, name: str) -> Parameter:
        """The :class:`Parameter` ``name`` (value, total stderr, its parts, interval)."""
        if name not in self.params:
            raise KeyError(f"no parameter {name!r}: the fit has {', '.join(self.params)}")
        return Parameter(
            name=name,
            value=float(self.values[name]),
            stderr=self.stderr.get(name),
            unit=self.units.get(name, ""),
            ci95=self.ci95.get(name, (None, None)),
            stderr_counting=self.stderr_counting.get(name, self.stderr.get(name)),
            stderr_microstructure=self.stderr_microstructure.get(name),
            fixed=name not in self.free,
        )

    @property
    def chi2_note(self) -> str | None:
        """A note when chi2_red > 2 (residuals beyond the stated errors), else None."""
        if not (np.isfinite(self.chi2_red) and self.chi2_red > CHI2_RED_NOTE):
            return None
        if self.noise != "given":
            return None
        return (
            f"chi2_red = {self.chi2_red:.3g} > {CHI2_RED_NOTE:g}: the residuals scatter "
            "beyond the stated counting errors (a grain staircase, or a model that does not "
            "describe the data); "
            + (
                "the stated errors include the grain-sampling term estimated from them"
                if self.stderr_microstructure and any(self.stderr_microstructure.values())
                else "the stated errors are counting errors only"
            )
        )

    @property
    def fixed(self) -> dict[str, float]:
        """The parameters held fixed, with their values."""
        return {p: self.values[p] for p in self.params if p not in self.free}

    @property
    def correlation(self) -> NDArray[np.float64]:
        """Correlation matrix over ``free``."""
        sd = np.sqrt(np.diag(self.covariance))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(self.covariance / np.outer(sd, sd), dtype=float)

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain form: one quantity per parameter plus the fit statistics (stable keys)."""
        out: dict[str, Any] = {"model": self.model, "method": self.method}
        for p in self.params:
            note = "fixed" if p not in self.free else None
            out[p] = quantity(self.values[p], self.stderr.get(p), self.units.get(p, ""), note=note)
        for p in self.free:
            lo, hi = self.ci95.get(p, (None, None))
            out[f"ci95_{p}"] = {
                "lower": finite_or_none(lo),
                "upper": finite_or_none(hi),
                "unit": self.units.get(p, ""),
                "method": self.ci_method.get(p, "wald"),
            }
        out.update(self._error_parts())
        out.update(
            {
                "chi2": finite_or_none(self.chi2),
                "chi2_red": finite_or_none(self.chi2_red),
                "aic": finite_or_none(self.aic),
                "bic": finite_or_none(self.bic),
                "n_points": self.n_points,
                "n_params": self.n_params,
                "noise": self.noise,
                "converged": bool(self.converged),
                "success": bool(self.success),
                "status": self.status,
                "message": self.message,
                "fixed": sorted(self.fixed),
                "time_s": finite_or_none(self.time_s),
                "chi2_red_note": self.chi2_note,
                "notes": list(self.notes),
            }
        )
        if self.extra:
            out["extra"] = jsonable(self.extra)
        out["data"] = {
            "x_um": jsonable(self.x_um),
            "y": jsonable(self.y),
            "yerr": jsonable(self.yerr),
            "curve": jsonable(self.curve),
            "residuals": jsonable(self.residuals),
            "group": jsonable(self.group) if self.group is not None else None,
        }
        return out

    def _error_parts(self) -> dict[str, Any]:
        """``stderr_counting`` / ``stderr_microstructure`` (of D_eff, or of every rate
        parameter of an evolution fit) and the method of the grain-sampling term."""
        if not self.stderr_counting:
            return {}
        out: dict[str, Any] = {}
        for p in self.free:
            if p not in self.stderr_counting:
                continue
            suffix = "" if p == "D_eff" else f"_{p}"
            unit = self.units.get(p, "")
            out[f"stderr_counting{suffix}"] = quantity(self.stderr_counting[p], None, unit)
            out[f"stderr_microstructure{suffix}"] = quantity(
                self.stderr_microstructure.get(p), None, unit
            )
        out["microstructure"] = jsonable(self.microstructure)
        return out

    def summary_lines(self) -> list[str]:
        """The readable text: parameters with errors and intervals, fit quality, warnings."""
        head = f"{self.model} fit of {self.n_points} points"
        if self.time_s:
            head += f", t = {self.time_s:.6g} s"
        lines = [head, f"  status: {self.status}"]
        lines += ["  " + _param_line(self.parameter(p)).replace("\n", "\n  ") for p in self.params]
        if self.microstructure.get("method"):
            lines.append(f"  errors: {self.microstructure['method']}")
        lines.append(
            f"  chi2_red = {_num(self.chi2_red)} ({self.n_points - self.n_params} dof, "
            f"noise {self.noise}); AIC {_num(self.aic)}"
        )
        if not self.converged:
            lines.append(f"  {self.message}")
        lines.extend(self._warning_lines())
        return lines

    def _warning_lines(self) -> list[str]:
        """The notes as ``warning:`` lines, the chi-square one once, as ``WARNING:`` (the
        p-value note of the status when there is one, else the chi2_red > 2 note)."""
        from .status import is_chi2_note

        loud = [n for n in self.notes if is_chi2_note(n)]
        if not loud and self.chi2_note is not None:
            loud = [self.chi2_note]
        quiet = [n for n in self.notes if n not in loud and n != self.chi2_note]
        return [f"WARNING: {n}" for n in loud] + [f"warning: {n}" for n in quiet]

    def __str__(self) -> str:
        return "\n".join(self.summary_lines())


@dataclass(frozen=True, eq=False)
class PosteriorResult(FitResult):
    """A :class:`FitResult` with Markov-chain samples (emcee) over ``free`` (natural units).

    ``values`` are posterior medians, ``stderr`` posterior standard deviations, ``ci95`` the
    2.5-97.5 % quantiles; ``samples`` has shape (n_samples, n_free).
    """

    samples: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 0)))
    acceptance_fraction: float = float("nan")

    def to_dict(self) -> dict[str, Any]:
        """As :meth:`FitResult.to_dict` plus ``n_samples`` and ``acceptance_fraction``."""
        out = super().to_dict()
        out["n_samples"] = int(self.samples.shape[0])
        out["acceptance_fraction"] = finite_or_none(self.acceptance_fraction)
        return out

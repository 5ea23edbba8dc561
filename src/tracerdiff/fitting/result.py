"""The one result type of every fit: :class:`FitResult` (and :class:`PosteriorResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..quantities import finite_or_none, jsonable, quantity
from ..results import ResultMixin, render_text

__all__ = ["FitResult", "PosteriorResult"]


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

    def __str__(self) -> str:
        d = {k: v for k, v in self.to_dict().items() if k != "notes"}
        lines = [render_text(d, type(self).__name__)]
        lines.extend(f"warning: {n}" for n in self.notes)
        return "\n".join(lines)


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

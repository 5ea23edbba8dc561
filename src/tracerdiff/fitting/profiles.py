"""Profiles as fit input (validated ``x_um``, ``C``, ``C_err``) and single-profile model fits."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import DataError, FileFormatError, FitError, InputError
from .core import Problem, run_problem
from .microstructure_error import (
    GrainStatistics,
    grain_sampling_error,
    profile_response,
    resolve_microstructure,
)
from .models import ProfileModel, get_model
from .result import FitResult
from .status import with_status

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["ProfileData", "as_profile_data", "fit_profile", "load_profile"]


@dataclass(frozen=True, eq=False)
class ProfileData:
    """A validated profile: ``x_um`` strictly increasing (um), ``C``, ``C_err`` (None if absent).

    Build with :meth:`from_arrays` (rows whose C is NaN are dropped and noted) or
    :func:`load_profile`.
    """

    x_um: NDArray[np.float64]
    C: NDArray[np.float64]
    C_err: NDArray[np.float64] | None
    source: str = ""
    notes: tuple[str, ...] = ()

    @classmethod
    def from_arrays(
        cls, x_um: ArrayLike, C: ArrayLike, C_err: ArrayLike | None = None, *, source: str = ""
    ) -> ProfileData:
        """Validate arrays (see the class text); raise DataError on unusable data."""
        x = np.asarray(x_um, dtype=float)
        c = np.asarray(C, dtype=float)
        name = source or "profile"
        if x.ndim != 1 or c.shape != x.shape:
            raise DataError(f"{name}: x_um and C must be 1D arrays of the same length")
        if not np.all(np.isfinite(x)):
            raise DataError(f"{name}: positions must be finite")
        d = np.diff(x)
        if np.any(d == 0):
            raise DataError(f"{name}: duplicated x positions (x must be strictly increasing)")
        if np.any(d < 0):
            raise DataError(
                f"{name}: x positions are not monotonic (x must be strictly increasing)"
            )
        keep = np.isfinite(c)
        if not keep.any():
            raise DataError(f"{name}: C is NaN everywhere: no data to fit")
        err = None if C_err is None else np.asarray(C_err, dtype=float)
        if err is not None:
            if err.shape != x.shape:
                raise DataError(f"{name}: C_err must have the same length as C")
            if np.all(np.isnan(err)):
                err = None
            elif np.any(~np.isfinite(err[keep])) or np.any(err[keep] <= 0):
                raise DataError(f"{name}: C_err must be finite and > 0 wherever C is given")
        notes: tuple[str, ...] = ()
        if not keep.all():
            notes = (f"{name}: {int((~keep).sum())} rows with NaN C left out",)
        return cls(x[keep], c[keep], None if err is None else err[keep], source, notes)

    @property
    def n(self) -> int:
        """Number of points."""
        return int(self.x_um.size)


def load_profile(
    path: str | Path,
    *,
    x_unit: str = "um",
    column: str | None = None,
    x_column: str | None = None,
) -> ProfileData:
    """Read a profile file with :func:`tracerdiff.io.open_dataset` (CSV contract) and validate it.

    ``x_unit`` is the unit of a bare ``x`` column (or of ``x_column``); ``column`` the fraction
    column if not ``C``; ``x_column`` the position column if not ``x_um`` / ``x_<unit>`` / ``x``.
    """
    from ..io import open_dataset

    opts: dict[str, Any] = {}
    if x_unit != "um":
        opts["x_unit"] = x_unit
    if column is not None:
        opts["column"] = column
    if x_column is not None:
        opts["x_column"] = x_column
    ds = open_dataset(path, **opts)
    if "x_um" not in ds.dims or "C" not in ds:
        raise FileFormatError(f"{path}: not a profile (expected an x_um coordinate and a C column)")
    data = as_profile_data(ds)
    return dataclasses.replace(data, source=Path(path).name)


def _check_time(time_s: float) -> float:
    t = float(time_s)
    if not (np.isfinite(t) and t > 0):
        raise InputError(f"time must be > 0 s, got {time_s}")
    return t


def _resolve_fixed(
    model: ProfileModel, fix: Mapping[str, float] | None, free: Sequence[str]
) -> dict[str, float]:
    fixed = {k: float(v) for k, v in model.default_fixed.items() if k not in free}
    for k, v in (fix or {}).items():
        if k not in model.params:
            raise InputError(f"cannot fix {k!r}: model {model.name} has {', '.join(model.params)}")
        if (k in model.log_params or k == "M") and not float(v) > 0:
            raise InputError(f"cannot fix {k} at {v}: it must be > 0")
        fixed[k] = float(v)
    for k in free:
        if k not in model.params:
            raise InputError(f"cannot free {k!r}: model {model.name} has {', '.join(model.params)}")
    return fixed


def fit_profile(
    model: str | ProfileModel,
    profile: ProfileData | xr.Dataset,
    *,
    time_s: float,
    fix: Mapping[str, float] | None = None,
    free: Sequence[str] = (),
    p0: Mapping[str, float] | None = None,
    profile_ci: bool = True,
    microstructure: str | GrainStatistics | None = "estimate",
) -> FitResult:
    """Fit a profile model (``erfc``, ``exchange``, ``thin-film``) to ``profile`` at ``time_s``.

    ``profile`` is a :class:`ProfileData`, or the dataset :func:`tracerdiff.io.read_profile_csv`
    returns.  ``fix`` holds parameters by name (natural units, e.g. ``{"C_0": 0.0759}``);
    ``free`` releases a model's default-fixed ones (the surface ``x0``, held at 0 um); ``p0``
    overrides the data-driven starting values.  ``microstructure`` sets the grain-sampling term
    added to the counting error (:mod:`tracerdiff.fitting.microstructure_error`): "estimate"
    (default, from the residuals), a :class:`GrainStatistics`, or "homogeneous" (none).

    >>> import numpy as np
    >>> from tracerdiff import erfc_profile
    >>> x = np.arange(0.0, 30.0)  # um
    >>> c = erfc_profile(x, C_s=0.9, C_0=0.076, D=1e-10, time_s=3600.0)
    >>> c += np.random.default_rng(3).normal(0.0, 0.005, x.size)
    >>> res = fit_profile("erfc", ProfileData.from_arrays(x, c, np.full(x.size, 0.005)),
    ...                   time_s=3600.0)
    >>> print(res.status, f"D_eff = {res.D_eff.value:.2g} +- {res.D_eff.stderr:.1g} cm^2/s")
    ok D_eff = 9.9e-11 +- 1e-12 cm^2/s
    >>> print(f"C_s = {res.C_s.value:.3f} +- {res.C_s.stderr:.3f}")
    C_s = 0.900 +- 0.003
    >>> d = res.to_dict()  # JSON-plain: {value, stderr, unit} per parameter, fit statistics
    >>> print(d["D_eff"]["unit"], d["status"], f"chi2_red = {d['chi2_red']:.1f}")
    cm^2/s ok chi2_red = 1.3
    """
    m = get_model(model)
    profile = as_profile_data(profile)
    mode = resolve_microstructure(microstructure)
    t = _check_time(time_s)
    fixed = _resolve_fixed(m, fix, free)
    n_free = len([p for p in m.params if p not in fixed])
    if profile.n <= n_free:
        raise FitError(f"{profile.n} points cannot determine {n_free} free parameters of {m.name}")
    x, y = profile.x_um, profile.C
    start: dict[str, Any] = m.guess(x, y, time_s=t)
    start.update(fixed)
    start.update({k: float(v) for k, v in (p0 or {}).items() if k in m.params})
    bounds = m.bounds(x, y)
    for k, v in start.items():  # widen bounds so that fixed/user values are admissible
        lo, hi = bounds[k]
        bounds[k] = (min(lo, v) if k not in m.log_params else lo, max(hi, v))

    def predict(values: dict[str, float]) -> NDArray[np.float64]:
        return np.asarray(m.curve(x, values, time_s=t), dtype=float)

    prob = Problem(
        model=m.name,
        params=m.params,
        units=dict(m.units),
        log_params=m.log_params,
        bounds=bounds,
        start=start,
        fixed=fixed,
        predict=predict,
        x_um=x,
        y=y,
        yerr=profile.C_err,
        time_s=t,
        group=np.zeros(profile.n, dtype=int),
        group_labels=(profile.source or "profile",),
        notes=(*profile.notes, *_surface_note(m, fixed, free)),
    )
    result = run_problem(prob, profile_ci=profile_ci, assess=False)
    result = dataclasses.replace(result, notes=(*result.notes, *_x0_note(result)))
    return with_status(_with_grain_sampling(m, result, mode))


def _x0_note(result: FitResult) -> list[str]:
    """A note when a freed surface x0 settled on the first data point (the model's kink) or
    beyond it (the points before it fitted by the clamped surface value)."""
    if "x0" not in result.free or result.x_um.size < 2:
        return []
    x = np.sort(np.asarray(result.x_um, dtype=float))
    spacing = float(np.median(np.diff(x)))
    x0 = float(result.values["x0"])
    if abs(x0 - x[0]) <= 0.02 * spacing:
        return [
            f"x0 settled on the first data point ({x[0]:.4g} um), where the model's clamp to "
            "C_s makes a kink: the data do not fix the surface position; D_eff then depends on "
            "this choice (hold x0 at the known surface, 0 um by default)"
        ]
    if x0 > x[0] and not _flat_before(result, x0):
        return [
            f"x0 = {x0:.4g} um lies beyond the first data point: the {int(np.sum(x < x0))} "
            "points before it, which fall with depth, are fitted by the constant C_s (the "
            "model's clamp), not by the profile; D_eff depends on where the surface is put "
            "(compare a fit with x0 held at the known surface, 0 um by default)"
        ]
    return []


def _flat_before(result: FitResult, x0: float) -> bool:
    """True when the points before ``x0`` are a plateau within their errors (no weighted
    linear trend beyond 3 standard errors): a surface the data do fix, not the clamp's kink."""
    from ..models.wls import linear_wls

    m = np.asarray(result.x_um, dtype=float) < x0
    x, y, e = (np.asarray(a, dtype=float)[m] for a in (result.x_um, result.y, result.yerr))
    if x.size < 3 or not np.ptp(x) > 0:
        return True
    line = linear_wls(x - x.mean(), y, e)
    se = math.sqrt(line.cov[1, 1]) if line.cov[1, 1] > 0 else math.inf
    return abs(float(line.coef[1])) <= 3.0 * se


def _surface_note(m: ProfileModel, fixed: Mapping[str, float], free: Sequence[str]) -> list[str]:
    if "x0" in m.default_fixed and "x0" not in free and fixed.get("x0") == 0.0:
        return [
            "surface at x0 = 0 um (default; to fit it: --free x0 on the command line, "
            "free=('x0',) in Python)"
        ]
    return []


def _with_grain_sampling(m: ProfileModel, result: FitResult, mode: object) -> FitResult:
    """The fit with the grain-sampling term (slope of the fitted curve, walk from x0)."""
    if not result.converged or "D_eff" not in result.free or result.time_s is None:
        return result
    if mode == "homogeneous":  # counting error only: no response needed
        return grain_sampling_error(result, None, mode=mode)
    x = result.x_um
    span = float(x[-1] - x[0]) if x.size > 1 else 1.0
    h = 1e-4 * max(span, 1e-6)
    t, vals = float(result.time_s), dict(result.values)

    def slope(xq: NDArray[np.float64]) -> NDArray[np.float64]:
        up = np.asarray(m.curve(xq + h, vals, time_s=t), dtype=float)
        down = np.asarray(m.curve(xq - h, vals, time_s=t), dtype=float)
        return (up - down) / (2 * h)

    surface = "reflecting" if m.name == "thin-film" else "source"
    resp = profile_response(x, slope, float(vals.get("x0", 0.0)), surface=surface)
    return grain_sampling_error(result, resp, mode=mode)  # type: ignore[arg-type]


def as_profile_data(profile: Any) -> ProfileData:
    """A :class:`ProfileData` from itself or from a profile dataset (dim ``x_um``, ``C``,
    optional ``C_err``; NaN errors or ``attrs["C_err_given"] = 0`` mean none)."""
    if isinstance(profile, ProfileData):
        return profile
    dims = getattr(profile, "dims", None)
    if dims is None or "x_um" not in dims or "C" not in profile:
        raise InputError(
            "profile must be a ProfileData or a profile dataset (x_um, C[, C_err]) as "
            "read_profile_csv returns"
        )
    err = None
    if "C_err" in profile and int(profile.attrs.get("C_err_given", 1)):
        err = profile["C_err"].values
    src = str(profile.attrs.get("source_file", "")) or "profile"
    return ProfileData.from_arrays(
        profile["x_um"].values, profile["C"].values, err, source=Path(src).name
    )

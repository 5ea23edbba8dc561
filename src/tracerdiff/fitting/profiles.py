"""Profiles as fit input (validated ``x_um``, ``C``, ``C_err``) and single-profile model fits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import DataError, FileFormatError, FitError, InputError
from .core import Problem, run_problem
from .models import ProfileModel, get_model
from .result import FitResult

__all__ = ["ProfileData", "fit_profile", "load_profile"]


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


def load_profile(path: str | Path, *, x_unit: str = "um", column: str | None = None) -> ProfileData:
    """Read a profile file with :func:`tracerdiff.io.open_dataset` (CSV contract) and validate it.

    ``x_unit`` is the unit of a bare ``x`` column; ``column`` the fraction column if not ``C``.
    """
    from ..io import open_dataset

    opts: dict[str, Any] = {}
    if x_unit != "um":
        opts["x_unit"] = x_unit
    if column is not None:
        opts["column"] = column
    ds = open_dataset(path, **opts)
    if "x_um" not in ds.dims or "C" not in ds:
        raise FileFormatError(f"{path}: not a profile (expected an x_um coordinate and a C column)")
    err = None
    if "C_err" in ds and int(ds.attrs.get("C_err_given", 1)):
        err = ds["C_err"].values
    return ProfileData.from_arrays(ds["x_um"].values, ds["C"].values, err, source=Path(path).name)


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
    profile: ProfileData,
    *,
    time_s: float,
    fix: Mapping[str, float] | None = None,
    free: Sequence[str] = (),
    p0: Mapping[str, float] | None = None,
    profile_ci: bool = True,
) -> FitResult:
    """Fit a profile model (``erfc``, ``exchange``, ``thin-film``) to ``profile`` at ``time_s``.

    ``fix`` holds parameters by name (natural units, e.g. ``{"C_0": 0.0759, "x0": 0}``); ``free``
    releases a model's default-fixed ones (``x0`` of exchange and thin film); ``p0`` overrides
    the data-driven starting values.
    """
    m = get_model(model)
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
        notes=profile.notes,
    )
    return run_problem(prob, profile_ci=profile_ci)

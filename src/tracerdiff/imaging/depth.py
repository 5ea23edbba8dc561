"""Depth profiles (IEDP: isotope exchange depth profiling, e.g. 18O in oxides): sputter time to
depth, and the fraction-versus-depth profile that ``tracerdiff fit exchange`` reads.

Depth from the sputter time (science.md section 9: positions in um, surface at x = 0):

- a measured crater depth ``d`` after the whole profile, constant rate: ``x = d t / t_end``
  (``t_end`` the last sputter time; cycles of equal duration when the series has no times);
- a sputter rate ``r``: ``x = r t``;
- layers of given thickness each sputtered at its own rate (the last one may be unbounded):
  ``x(t)`` piecewise linear, the time to cross layer i being ``thickness_i / rate_i``.

The fraction per depth point is that of :func:`~tracerdiff.imaging.count_fraction.count_fraction`
(same corrections, same errors).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from ..errors import InputError
from ..quantities import quantity
from ..results import ResultMixin
from .count_fraction import CountFraction, count_fraction
from .options import FractionOptions

__all__ = ["DepthProfile", "DepthScale", "Layer", "depth_profile", "sputter_depth_um"]


@dataclass(frozen=True)
class Layer:
    """A layer of ``thickness_um`` (None: unbounded, the last one) sputtered at
    ``rate_um_per_s``."""

    thickness_um: float | None
    rate_um_per_s: float


def _check_layer(i: int, lay: Layer, *, last: bool) -> None:
    t = lay.thickness_um
    if (t is not None and not (np.isfinite(t) and t > 0)) or not (
        np.isfinite(lay.rate_um_per_s) and lay.rate_um_per_s > 0
    ):
        raise InputError(f"layer {i + 1}: thickness and rate must be > 0")
    if t is None and not last:
        raise InputError(f"layer {i + 1}: only the last layer may be unbounded")


@dataclass(frozen=True)
class DepthScale:
    """How sputter time becomes depth: ``crater_depth_um`` (constant rate),
    ``sputter_rate_um_per_s`` or ``layers`` (each with its rate); or a crater depth with
    bounded top ``layers`` of known rates, the rest of the crater at the rate that makes the
    depths add up (``(d - sum thickness) / (t_end - time through the layers)``)."""

    crater_depth_um: float | None = None
    sputter_rate_um_per_s: float | None = None
    layers: tuple[Layer, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        crater, rate, layers = (
            self.crater_depth_um is not None,
            self.sputter_rate_um_per_s is not None,
            bool(self.layers),
        )
        if crater + rate + layers != 1 and not (crater and layers and not rate):
            raise InputError(
                "give a crater depth, a sputter rate or per-layer rates (a crater depth may "
                "come with the rates of the top layers)"
            )  # fmt: skip
        for v, what in ((self.crater_depth_um, "crater depth"),
                        (self.sputter_rate_um_per_s, "sputter rate")):  # fmt: skip
            if v is not None and not (np.isfinite(v) and v > 0):
                raise InputError(f"the {what} must be > 0, got {v!r}")
        for i, lay in enumerate(self.layers):
            _check_layer(i, lay, last=i == len(self.layers) - 1)
        if crater and layers and self.layers[-1].thickness_um is None:
            raise InputError("with a crater depth, give the top layers' thicknesses; the "
                             "rate below them follows from the crater depth")  # fmt: skip

    @property
    def method(self) -> str:
        """``crater_depth``, ``crater_depth_layers``, ``sputter_rate`` or ``layers``."""
        if self.crater_depth_um is not None:
            return "crater_depth_layers" if self.layers else "crater_depth"
        return "sputter_rate" if self.sputter_rate_um_per_s is not None else "layers"

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain form (lengths in um, rates in um/s)."""
        out: dict[str, Any] = {"method": self.method}
        if self.crater_depth_um is not None:
            out["crater_depth"] = quantity(self.crater_depth_um, None, "um")
        if self.sputter_rate_um_per_s is not None:
            out["sputter_rate"] = quantity(self.sputter_rate_um_per_s, None, "um/s")
        if self.layers:
            out["layers"] = [
                {"thickness": quantity(lay.thickness_um, None, "um") if lay.thickness_um
                 else None, "sputter_rate": quantity(lay.rate_um_per_s, None, "um/s")}
                for lay in self.layers
            ]  # fmt: skip
        return out


def _layered(t: np.ndarray, layers: Sequence[Layer]) -> np.ndarray:
    """Piecewise-linear depth of times ``t`` through the layers (beyond a bounded last layer:
    refused)."""
    x = np.full(t.shape, np.nan)
    t0 = x0 = 0.0
    for lay in layers:
        dt = np.inf if lay.thickness_um is None else lay.thickness_um / lay.rate_um_per_s
        inside = (t >= t0) & (t <= t0 + dt)
        x[inside] = x0 + (t[inside] - t0) * lay.rate_um_per_s
        t0, x0 = t0 + dt, x0 + (lay.thickness_um or 0.0)
    if np.isnan(x).any():
        raise InputError(
            f"the sputter times reach {float(np.max(t)):g} s, past the bottom of the last layer "
            f"({t0:g} s); leave the last layer's thickness open"
        )
    return x


def _with_crater(layers: Sequence[Layer], crater_um: float, t_end: float) -> list[Layer]:
    """The layers with an unbounded last one at the rate that ends the crater at ``t_end``."""
    d_top = sum(float(lay.thickness_um or 0.0) for lay in layers)
    t_top = sum(float(lay.thickness_um or 0.0) / lay.rate_um_per_s for lay in layers)
    if not (crater_um > d_top and t_end > t_top):
        raise InputError(
            f"the top layers ({d_top:g} um, sputtered through in {t_top:g} s) already reach the "
            f"crater depth {crater_um:g} um or the last time {t_end:g} s"
        )
    return [*layers, Layer(None, (crater_um - d_top) / (t_end - t_top))]


def sputter_depth_um(time_s: Any, scale: DepthScale) -> np.ndarray:
    """Depth (um) of each sputter time (s, >= 0, increasing) for ``scale``."""
    t = np.asarray(time_s, dtype=np.float64)
    if t.ndim != 1 or t.size == 0 or not np.all(np.isfinite(t)) or np.any(t < 0):
        raise InputError("sputter times must be a non-empty 1D array of finite times >= 0 s")
    if np.any(np.diff(t) <= 0):
        raise InputError("sputter times must increase from one depth point to the next")
    if scale.crater_depth_um is not None:
        if not t[-1] > 0:
            raise InputError("a crater depth needs a last sputter time > 0 s")
        if scale.layers:
            return _layered(t, _with_crater(scale.layers, scale.crater_depth_um, float(t[-1])))
        return t * (scale.crater_depth_um / t[-1])
    if scale.sputter_rate_um_per_s is not None:
        return t * scale.sputter_rate_um_per_s
    return _layered(t, scale.layers)


@dataclass(frozen=True)
class DepthProfile(ResultMixin):
    """Fraction versus depth: ``depth_um`` per point with the :class:`CountFraction` of the
    series (C per point and of the summed counts) and the time-to-depth ``scale``."""

    depth_um: np.ndarray
    time_s: np.ndarray
    time_from: str
    scale: DepthScale
    fraction: CountFraction

    def to_dataset(self) -> xr.Dataset:
        """The profile dataset (dim ``x_um``; ``C``, ``C_err``, counts, ``time_s``) that
        :func:`tracerdiff.io.write_profile_csv` writes and ``fit exchange`` reads. Points
        without counts (C undefined) are left out."""
        f = self.fraction
        ok = np.isfinite(f.C_points) & np.isfinite(f.C_err_points)
        a, b = f.species
        d = ("x_um",)
        return xr.Dataset(
            {"C": (d, f.C_points[ok]), "C_err": (d, f.C_err_points[ok]),
             a: (d, f.n_a[ok]), b: (d, f.n_b[ok]), "time_s": (d, self.time_s[ok])},
            coords={"x_um": (d, self.depth_um[ok], {"units": "um"})},
            attrs={"pair": f.pair, "kind": "depth_profile", "depth_from": self.scale.method,
                   "time_from": self.time_from, "normalised": int(f.normalised)},
        )  # fmt: skip

    def to_dict(self, *, per_point: bool = False) -> dict[str, Any]:
        """JSON-plain: the depth scale, the summed-count C and the depth range."""
        out = self.fraction.to_dict(per_point=per_point)
        ok = np.isfinite(self.fraction.C_points)
        out.update({
            "depth_scale": self.scale.to_dict(),
            "time_from": self.time_from,
            "depth_max": quantity(float(self.depth_um[-1]), None, "um"),
            "n_points_with_counts": int(ok.sum()),
        })  # fmt: skip
        if per_point:
            for row, x in zip(out["points"], self.depth_um, strict=True):
                row["x"] = quantity(float(x), None, "um")
        return out


def _times(ds: xr.Dataset, dim: str) -> tuple[np.ndarray, str]:
    """Sputter times of all records, or cycle numbers 1..n (equal durations) as a stand-in.

    Record times of an IMS report start at its first cycle's time minus one cycle (the
    pre-sputtering before the first cycle is not part of the profile)."""
    coord = np.asarray(ds[dim].values, dtype=np.float64)
    if dim == "time_s":
        return coord, "sputter_time"
    if "time_s" in ds.coords and ds["time_s"].dims == (dim,):
        t = np.asarray(ds["time_s"].values, dtype=np.float64)
        start = t[0] - (t[1] - t[0]) if t.size > 1 else 0.0
        return t - start, "record_time"
    return coord - coord[0] + 1.0, "cycle_number"


def depth_profile(
    ds: xr.Dataset,
    scale: DepthScale,
    options: FractionOptions | None = None,
    *,
    pair: str = "18O/16O",
    window: tuple[float, float] | None = None,
    **fraction_options: Any,
) -> DepthProfile:
    """Fraction-versus-depth profile of a depth-profile series (IONTOF / Cameca export).

    ``scale`` turns sputter time into depth over the whole series (a crater depth belongs to
    the last record, also when ``window`` keeps fewer); ``options`` (a
    :class:`~tracerdiff.imaging.FractionOptions`, or its fields as ``fraction_options``: dead
    time, background/source normalisation, IMF), ``pair`` and ``window`` go to
    :func:`count_fraction`. A series without sputter times (cycles only) is taken as cycles of
    equal duration, which only a crater depth (constant rate) can scale.
    """
    frac = count_fraction(ds, options, pair=pair, window=window, **fraction_options)
    t, how = _times(ds, frac.dim)
    if how == "cycle_number" and scale.method != "crater_depth":
        raise InputError(
            "the series has no sputter times (cycles only): give the crater depth (constant "
            "rate over cycles of equal duration)"
        )
    depth = sputter_depth_um(t, scale)
    keep = np.isin(np.asarray(ds[frac.dim].values), frac.coord)
    return DepthProfile(
        depth_um=depth[keep], time_s=t[keep], time_from=how, scale=scale, fraction=frac
    )

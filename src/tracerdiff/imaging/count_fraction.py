"""Isotope fractions of count data that are not images: Cameca isotope-mode ``.is`` cycles,
Cameca IMS ``.asc`` cycles and IONTOF / Cameca depth profiles (one value per sputter cycle).

The counts of each record (cycle, depth point) are corrected (detector dead time, the IMS
report's background and yield), then C is taken per record and from the counts summed over the
whole record, with the kernels of the image pipeline: IMF on the counts, the binomial or delta
error of :func:`~tracerdiff.imaging.kernels.isotope_fraction`, and the shared (systematic)
alpha / C_bg / C_s errors of :func:`~tracerdiff.imaging.summed.fraction_from_sums`. The JSON
quantities are those of ``tracerdiff fraction`` for a map (``C``, ``C_sys_stderr``,
``corrections``...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from ..errors import DataError, InputError
from ..quantities import quantity, to_json
from ..results import ResultMixin
from .corrections import parse_pair
from .deadtime import em_dead_time
from .kernels import check_counts
from .options import FractionOptions, fraction_options
from .pipeline import PipelineState, imf_stage, normalise_stage, species_variable
from .summed import fraction_from_sums

__all__ = ["CountFraction", "count_fraction", "is_count_series"]

#: FractionOptions fields about pixels and frames: refused for series when not at the default
_IMAGE_ONLY = ("shots_per_pixel", "scans", "dwell_time_s", "drift", "upsample", "bin",
               "mass_resolution", "min_counts")  # fmt: skip


def is_count_series(ds: xr.Dataset) -> bool:
    """True for datasets of counts per record (cycles, depth points) rather than images."""
    return str(ds.attrs.get("kind", "")) in ("isotope_cycles", "depth_profile")


@dataclass(frozen=True)
class CountFraction(ResultMixin):
    """C of a count series: from the summed counts (``C``, ``C_err``, ``C_err_sys``) and per
    record (``C_points``, ``C_err_points``) along ``dim`` (``cycle`` or ``time_s``)."""

    pair: str
    dim: str
    coord: np.ndarray
    counts_a: float
    counts_b: float
    C: float
    C_err: float
    C_err_sys: float
    n_a: np.ndarray
    n_b: np.ndarray
    C_points: np.ndarray
    C_err_points: np.ndarray
    normalised: bool
    systematic: str
    corrections: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def species(self) -> tuple[str, str]:
        """The two isotopes of the pair."""
        a, b = self.pair.split("/")
        return a, b

    def to_dict(self, *, per_point: bool = True) -> dict[str, Any]:
        """JSON-plain form; ``points`` (one entry per record) unless ``per_point=False``."""
        a, b = self.species
        note = "from the summed counts of all records"
        out: dict[str, Any] = {
            "pair": self.pair,
            "dim": self.dim,
            "n_points": int(self.coord.size),
            "C": quantity(self.C, self.C_err, "", note=note),
            "C_sys_stderr": self.C_err_sys,
            "systematic_errors": self.systematic,
            "normalised": self.normalised,
            "counts": {a: self.counts_a, b: self.counts_b},
            "corrections": self.corrections,
            "warnings": self.warnings,
        }
        if per_point:
            unit = "s" if self.dim == "time_s" else ""
            out["points"] = [
                {
                    self.dim: quantity(float(x), None, unit) if unit else int(x),
                    "C": quantity(float(c), float(e), ""),
                    "counts": {a: float(na), b: float(nb)},
                }
                for x, c, e, na, nb in zip(
                    self.coord, self.C_points, self.C_err_points, self.n_a, self.n_b, strict=True
                )
            ]
        return out

    def to_dataset(self) -> xr.Dataset:
        """Per-record C, C_err and counts over ``dim`` (attrs: pair and the corrections)."""
        d = (self.dim,)
        return xr.Dataset(
            {
                "C": (d, self.C_points, {"units": ""}),
                "C_err": (d, self.C_err_points, {"units": ""}),
                self.species[0]: (d, self.n_a, {"units": "counts"}),
                self.species[1]: (d, self.n_b, {"units": "counts"}),
            },
            coords={self.dim: (d, self.coord)},
            attrs={"pair": self.pair, "corrections": to_json(self.corrections, indent=None)},
        )


def _count_time(da: xr.DataArray) -> float | None:
    t = da.attrs.get("count_time_s")
    return float(t) if t is not None else None


def _em(da: xr.DataArray, tau_s: float, saturated: str) -> tuple[np.ndarray, np.ndarray, dict]:
    t = _count_time(da)
    if t is None:
        raise InputError(f"{da.name}: electron-multiplier dead time needs the counting time")
    res = em_dead_time(
        da.values,
        dwell_time_s=t,
        tau_s=tau_s,
        saturated=saturated,  # type: ignore[arg-type]
        dtype=np.float64,
    )
    return res.counts, res.var, res.to_dict()


def _species_counts(
    ds: xr.Dataset, name: str, dead_time: str, tau_s: float, saturated: str
) -> tuple[np.ndarray, np.ndarray | None, dict[str, Any]]:
    """(counts, variance or None for Poisson, dead-time record) of one species per record."""
    da = species_variable(ds, name)
    if str(ds.attrs.get("format")) == "cameca_ims_asc":
        from ..io.cameca_ims import ims_corrected_counts

        if dead_time not in ("auto", "ims"):
            raise InputError(
                "an IMS .asc report is corrected as its detectors say: use dead_time='auto'"
            )
        n, var, _ = ims_corrected_counts(ds, str(da.name))
        return n, var, {"method": "ims_report", "note": "the report's dead time, background, yield"}
    raw = check_counts(da.values, name=name).astype(np.float64)
    done = int(ds.attrs.get("dead_time_corrected", 0)) == 1
    nano = "nanosims" in str(ds.attrs.get("instrument", "")).lower()
    if dead_time == "em" or (dead_time == "auto" and nano and not done):
        if done:
            raise InputError("data already dead-time corrected; refusing to correct twice")
        n, var, rec = _em(da, tau_s, saturated)
        return n, var, rec
    if dead_time not in ("auto", "none"):
        raise InputError(
            f"dead_time must be 'auto', 'em' or 'none' for count series, got {dead_time!r}"
        )
    why = (
        "data already dead-time corrected"
        if done
        else (
            "disabled" if dead_time == "none" else "no dead-time model for this instrument's series"
        )
    )
    return raw, None, {"method": "none", "reason": why}


def _same_time(
    na: np.ndarray,
    va: np.ndarray | None,
    nb: np.ndarray,
    vb: np.ndarray | None,
    ta: float | None,
    tb: float | None,
) -> tuple[np.ndarray, np.ndarray | None, dict[str, Any] | None]:
    """Counts of b rescaled to the counting time of a (C compares rates), with the variance."""
    if ta is None or tb is None or abs(ta - tb) <= 1e-12 * max(ta, tb):
        return nb, vb, None
    k = ta / tb
    var = (nb if vb is None else vb) * k * k
    rec = {
        "name": "count_time",
        "applied": True,
        "count_time_a_s": ta,
        "count_time_b_s": tb,
        "note": "counts of b scaled to the counting time of a (and the variance by its square)",
    }
    return nb * k, var, rec  # fmt: skip


def _window(ds: xr.Dataset, dim: str, window: tuple[float, float] | None) -> xr.Dataset:
    if window is None:
        return ds
    lo, hi = sorted(float(v) for v in window)
    sel = ds.where((ds[dim] >= lo) & (ds[dim] <= hi), drop=True)
    if sel.sizes.get(dim, 0) == 0:
        raise InputError(f"window {window} holds no record of {dim}")
    return sel


def _fraction_attrs(
    st: PipelineState, norm: dict[str, Any] | None, systematic: str
) -> dict[str, Any]:
    """The attrs through which fraction_from_sums re-applies the shared corrections."""
    attrs: dict[str, Any] = {
        "corrections": to_json(st.records, indent=None),
        "normalised": int(norm is not None),
        "systematic_errors": systematic,
    }
    if norm is not None:
        for key in ("background", "source"):
            attrs[f"{key}_C"] = norm[key]
            attrs[f"{key}_C_stderr"] = norm[f"{key}_stderr"]
    return attrs


def _sums(st: PipelineState) -> tuple[np.ndarray, ...]:
    ok = np.isfinite(st.n_a) & np.isfinite(st.n_b)
    sa, sb = np.array([st.n_a[ok].sum()]), np.array([st.n_b[ok].sum()])
    if st.var_a is None or st.var_b is None:
        return sa, sb, None, None  # type: ignore[return-value]
    return sa, sb, np.array([st.var_a[ok].sum()]), np.array([st.var_b[ok].sum()])


def _stage(ds: xr.Dataset, p: Any, dead_time: str, tau_s: float, saturated: str) -> PipelineState:
    """The pipeline state after dead time and count-time scaling, with their records."""
    na, va, rec_a = _species_counts(ds, p.a, dead_time, tau_s, saturated)
    nb, vb, rec_b = _species_counts(ds, p.b, dead_time, tau_s, saturated)
    ta = _count_time(species_variable(ds, p.a))
    nb, vb, rec_t = _same_time(na, va, nb, vb, ta, _count_time(species_variable(ds, p.b)))
    if (va is None) != (vb is None):
        va, vb = (na if va is None else va), (nb if vb is None else vb)
    applied = rec_a["method"] != "none"
    records: list[dict[str, Any]] = [
        {"name": "dead_time", "applied": applied, p.a: rec_a, p.b: rec_b}
    ] + ([rec_t] if rec_t else [])
    return PipelineState(na, nb, va, vb, np.zeros(na.shape, dtype=bool), records, [])


def _series_options(options: FractionOptions | None, kwargs: dict[str, Any]) -> FractionOptions:
    """The validated options; an image-only option set away from its default is refused."""
    o = fraction_options(options, **kwargs)
    for name in _IMAGE_ONLY:
        if getattr(o, name) != FractionOptions.model_fields[name].default:
            raise InputError(f"{name} applies to images, not to cycles or depth profiles")
    if o.dead_time == "tof":
        raise InputError("dead_time='tof' applies to ToF images; use 'auto', 'em' or 'none'")
    return o


def count_fraction(
    ds: xr.Dataset,
    options: FractionOptions | None = None,
    *,
    pair: str = "18O/16O",
    window: tuple[float, float] | None = None,
    **kwargs: Any,
) -> CountFraction:
    """C = n_a / (n_a + n_b) of a count series, per record and from the summed counts.

    ``ds`` is what the readers return for ``.is``, ``.asc`` and depth-profile files. The
    corrections are the :class:`~tracerdiff.imaging.FractionOptions` of the fraction map
    (``options`` or its fields as keyword options) that apply to series: ``dead_time``
    (``"auto"``: IMS reports get the report's dead time, background and yield; NanoSIMS ``.is``
    the electron multiplier with ``em_tau_s`` over each cycle's counting time; series already
    corrected: none; or ``"em"``, ``"none"``), ``saturated``, ``background``, ``source``,
    ``imf_alpha``, ``systematic``; pixel options (``bin``, ``shots_per_pixel``...) are refused.
    ``window`` keeps the records whose coordinate (cycle index, or sputter time in s) lies in
    [lo, hi].
    """
    o = _series_options(options, kwargs)
    if not is_count_series(ds):
        raise InputError(
            "count_fraction needs cycles or a depth profile; use fraction_map for images"
        )
    p = parse_pair(pair)
    dim = str(species_variable(ds, p.a).dims[0])
    ds = _window(ds, dim, window)
    st = imf_stage(_stage(ds, p, o.dead_time, o.em_tau_s, o.saturated), o.imf_alpha)
    norm = normalise_stage(st, p.label, o.background, o.source)
    attrs = _fraction_attrs(st, norm, o.systematic)
    c, e, _ = fraction_from_sums(st.n_a, st.n_b, st.var_a, st.var_b, attrs)
    sa, sb, sva, svb = _sums(st)
    cs, es, ss = fraction_from_sums(sa, sb, sva, svb, attrs)
    if not np.isfinite(cs[0]):
        raise DataError(f"no counts of {p.a} or {p.b} in the records; expected counts > 0")
    return CountFraction(
        pair=p.label, dim=dim, coord=np.asarray(ds[dim].values), counts_a=float(sa[0]),
        counts_b=float(sb[0]), C=float(cs[0]), C_err=float(es[0]), C_err_sys=float(ss[0]),
        n_a=st.n_a, n_b=st.n_b, C_points=c, C_err_points=e, normalised=norm is not None,
        systematic=o.systematic, corrections=st.records, warnings=st.warnings,
    )  # fmt: skip

"""``fraction_map``: image dataset of counts -> fraction dataset (docs/architecture.md).

Order of the steps (science.md section 2): dead time per pixel and frame -> drift shift and
frame accumulation -> k x k binning -> IMF (on counts) -> C and C_err -> low-count mask ->
background/source normalisation (shared alpha/C_bg/C_s errors kept apart in ``C_err_sys``).
Every step, applied or skipped, is recorded in the JSON text attribute ``corrections``.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import numpy.typing as npt
import xarray as xr

from ..errors import DataError, InputError
from ..quantities import to_json
from .corrections import parse_pair
from .interference import check_interferences
from .kernels import check_counts, isotope_fraction
from .options import FractionOptions, fraction_options
from .pipeline import (
    MASK_REASONS,
    PipelineState,
    accumulate_stage,
    bin_stage,
    dead_time_stage,
    imf_stage,
    normalise_stage,
    pixel_sizes,
    species_variable,
)
from .summed import shared_corrections

__all__ = ["fraction_map"]


def fraction_map(
    ds: xr.Dataset,
    options: FractionOptions | None = None,
    *,
    pair: str = "6Li/7Li",
    **kwargs: Any,
) -> xr.Dataset:
    """Isotope fraction map ``C = n_a / (n_a + n_b)`` with its error and every correction recorded.

    ``ds`` is an image dataset (counts per species, dims (y, x) or (frame, y, x), coords in um).
    The corrections are one :class:`~tracerdiff.imaging.FractionOptions` (``options``), or its
    fields as keyword options (``shots_per_pixel=16, scans=150, background=0.0759, ...``):
    ``dead_time``: ``"auto"`` (ToF Poisson when shots per pixel are known, electron multiplier for
    NanoSIMS data with a dwell time, skipped with a record when the data are already corrected),
    ``"tof"``, ``"em"`` or ``"none"``. ``shots_per_pixel`` x ``scans`` is the number of primary
    pulses per pixel (per frame for frame data, where ``scans`` means scans per frame, default 1).
    Saturated pixels raise :class:`SaturationError`, or are NaN with ``saturated="nan"``. Frames
    are aligned (``drift``) and summed; ``bin`` sums k x k pixels; ``imf_alpha`` (value or
    ``(value, stderr)``) corrects mass fractionation; ``background``/``source`` (fractions, value
    or (value, stderr); ``background="natural"`` takes the natural fraction of the pair)
    normalise ``C``. Pixels with fewer than ``min_counts`` counts are NaN (``mask_reason`` 1).

    Errors: ``C_err`` is the counting (statistical) error of each pixel. The stderr of alpha, C_bg
    and C_s is shared by every pixel (fully correlated), so with ``systematic="separate"``
    (default) it goes into a separate variable ``C_err_sys`` (present when non-zero);
    ``systematic="combined"`` adds it in quadrature into ``C_err`` as well. Raises DataError when
    no pixel is left valid.

    Two count images (8 x 40 pixels of 1 um) with a diffusion profile along x:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from tracerdiff import erfc_profile, open_dataset
    >>> rng = np.random.default_rng(1)
    >>> c = erfc_profile(np.arange(40.0), C_s=0.9, C_0=0.076, D=1e-10, time_s=3600.0)
    >>> counts = {"6Li": rng.poisson(1000 * np.tile(c, (8, 1))),
    ...           "7Li": rng.poisson(1000 * np.tile(1 - c, (8, 1)))}
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     np.savez(Path(tmp) / "map.npz", **counts)
    ...     images = open_dataset(Path(tmp) / "map.npz", pixel_size_um=1.0)
    >>> fmap = fraction_map(images, pair="6Li/7Li")
    >>> print(f"C = {float(fmap.C[4, 0]):.2f} +- {float(fmap.C_err[4, 0]):.2f} at the surface")
    C = 0.91 +- 0.01 at the surface
    >>> norm = fraction_map(images, pair="6Li/7Li", background=0.076, source=0.9)
    >>> surface, far = (float(norm.C.isel(x=i).mean()) for i in (0, -1))
    >>> print(f"surface {surface:.2f}, far end {far:+.1f}")
    surface 1.00, far end ...0.0
    """
    o = fraction_options(options, **kwargs)
    return _fraction_map(ds, o, pair)


def _fraction_map(ds: xr.Dataset, o: FractionOptions, pair: str) -> xr.Dataset:
    systematic, dtype, min_counts = o.systematic, np.dtype(o.dtype), o.min_counts
    p = parse_pair(pair)
    da_a, da_b = species_variable(ds, p.a), species_variable(ds, p.b)
    if da_a.dims != da_b.dims or da_a.shape != da_b.shape:
        raise InputError(f"{p.a} and {p.b} images differ in shape: {da_a.shape} vs {da_b.shape}")
    raw_a = check_counts(da_a.values, name=p.a)
    raw_b = check_counts(da_b.values, name=p.b)
    st = PipelineState(raw_a, raw_b, None, None, np.zeros(raw_a.shape, dtype=bool), [], [])
    res = o.mass_resolution if o.mass_resolution is not None else ds.attrs.get("mass_resolution")
    _interference_step(st, p.label, res)
    st = dead_time_stage(
        st,
        ds,
        mode=o.dead_time,
        shots_per_pixel=o.shots_per_pixel,
        scans=o.scans,
        dwell_time_s=o.dwell_time_s,
        tau_s=o.em_tau_s,
        saturated=o.saturated,
        dtype=dtype,
    )
    frames = "frame" in da_a.dims
    st, reason = accumulate_stage(
        st, frames=frames, drift=o.drift, upsample=o.upsample, dtype=dtype
    )
    st, reason = bin_stage(st, reason, o.bin)
    st = imf_stage(st, o.imf_alpha)
    fr = isotope_fraction(
        st.n_a, st.n_b, var_a=st.var_a, var_b=st.var_b, dtype=dtype, min_counts=min_counts
    )
    reason[fr.low_counts & (reason == 0)] = MASK_REASONS["low_counts"]
    if np.count_nonzero(reason) == reason.size:
        raise DataError(
            f"no valid pixel: all {reason.size} pixels masked (zero or low counts, saturated "
            "or outside the frame overlap); expected counts in the images"
        )
    norm = normalise_stage(st, p.label, o.background, o.source)
    C, errs = _shared_step(fr.C, fr.C_err, st, norm, systematic, dtype)
    return _build(ds, st, C, errs, reason, p, norm, o.bin, min_counts, systematic)


def _shared_step(
    C: np.ndarray,
    C_err: np.ndarray,
    st: PipelineState,
    norm: dict[str, Any] | None,
    systematic: str,
    dtype: npt.DTypeLike,
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray | None]]:
    """Normalisation and the shared (systematic) errors; a no-op (no copies) when neither."""
    if norm is None and st.alpha_err <= 0:
        return C, (C_err, None)
    c, stat, sys = shared_corrections(C, C_err, alpha=st.alpha, alpha_err=st.alpha_err, norm=norm)
    if systematic == "combined":
        stat = np.sqrt(stat**2 + sys**2)
    has_sys = bool(np.nanmax(sys, initial=0.0) > 0)
    return c.astype(dtype), (stat.astype(dtype), sys.astype(dtype) if has_sys else None)


def _interference_step(st: PipelineState, pair: str, res: Any) -> None:
    """Record the interference checks; warn (InterferenceWarning) for unresolved ones."""
    r = None if res is None else float(res)
    items = check_interferences(pair, mass_resolution=r, warn=True)
    unresolved = [i.message for i in items if i.resolved is False]
    st.warnings.extend(unresolved)
    rec: dict[str, Any] = {"name": "interference_check", "applied": True, "mass_resolution": r}
    if r is None:
        rec["note"] = "mass resolution unknown"
        if items:
            st.warnings.append(
                f"mass resolution unknown: cannot check {len(items)} known interference(s)"
            )
    rec["checks"] = [i.to_dict() for i in items]
    st.records.append(rec)


def _coords(ds: xr.Dataset, shape: tuple[int, int], k: int) -> tuple[dict[str, Any], float, float]:
    px, py = pixel_sizes(ds)
    px, py = px * k, py * k
    x = (np.arange(shape[1]) + 0.5) * px
    y = (np.arange(shape[0]) + 0.5) * py
    unit = "px" if int(ds.attrs.get("pixel_units", 0)) == 1 else "um"
    coords = {"x": ("x", x, {"units": unit}), "y": ("y", y, {"units": unit})}
    return coords, px, py


def _build(
    ds: xr.Dataset,
    st: PipelineState,
    C: np.ndarray,
    errs: tuple[np.ndarray, np.ndarray | None],
    reason: np.ndarray,
    p: Any,
    norm: dict[str, Any] | None,
    k: int,
    min_counts: float,
    systematic: str,
) -> xr.Dataset:
    coords, px, py = _coords(ds, C.shape, k)
    dims = ("y", "x")
    C_err, C_sys = errs
    what = "counting + systematic" if systematic == "combined" else "counting (statistical)"
    data: dict[str, Any] = {
        "C": (dims, C, {"long_name": f"isotope fraction {p.a}/({p.a}+{p.b})", "units": ""}),
        "C_err": (dims, C_err, {"long_name": f"standard error of C, {what}", "units": ""}),
        "n_a": (dims, st.n_a, {"species": p.a, "long_name": "counts after corrections"}),
        "n_b": (dims, st.n_b, {"species": p.b, "long_name": "counts after corrections"}),
        "mask_reason": (dims, reason, {"codes": json.dumps(MASK_REASONS)}),
    }
    if C_sys is not None:
        data["C_err_sys"] = (
            dims,
            C_sys,
            {"long_name": "systematic error of C shared by all pixels (alpha, C_bg, C_s)"},
        )
    if st.var_a is not None and st.var_b is not None:
        data["var_a"] = (dims, st.var_a, {"species": p.a, "long_name": "variance of n_a"})
        data["var_b"] = (dims, st.var_b, {"species": p.b, "long_name": "variance of n_b"})
    attrs = _attrs(ds, st, p, norm)
    attrs.update(
        {
            "pixel_size_x_um": px,
            "pixel_size_y_um": py,
            "field_of_view_x_um": px * C.shape[1],
            "field_of_view_y_um": py * C.shape[0],
            "n_masked": int(np.count_nonzero(reason)),
            "n_saturated": int(np.count_nonzero(reason == MASK_REASONS["saturated"])),
            "min_counts": float(min_counts),
            "systematic_errors": systematic,
        }
    )
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _attrs(
    ds: xr.Dataset, st: PipelineState, p: Any, norm: dict[str, Any] | None
) -> dict[str, Any]:
    """The image's NetCDF-safe attrs plus the fraction map's own (booleans as 0/1)."""
    attrs = {
        k_: (int(v) if isinstance(v, (bool, np.bool_)) else v)
        for k_, v in ds.attrs.items()
        if isinstance(v, (str, int, float, np.number, np.bool_))
    }
    done = st.dead_time_done or int(ds.attrs.get("dead_time_corrected", 0)) == 1
    attrs.update(
        {
            "kind": "fraction_map",
            "pair": p.label,
            "species_a": p.a,
            "species_b": p.b,
            "n_frames": 1,
            "corrections": to_json(st.records, indent=None),
            "warnings": to_json(st.warnings, indent=None),
            "mask_reason_codes": json.dumps(MASK_REASONS),
            "dead_time_corrected": int(done),
            "normalised": int(norm is not None),
        }
    )
    if norm is not None:
        for key in ("background", "source"):
            attrs[f"{key}_C"] = norm[key]
            attrs[f"{key}_C_stderr"] = norm[f"{key}_stderr"]
    return attrs

"""The steps of :func:`tracerdiff.imaging.fraction_map`, each recording what it did.

A :class:`PipelineState` carries the counts (after the corrections so far), their variances
(``None`` while the counts are still Poisson), the saturated-pixel mask and the records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import xarray as xr

from ..errors import InputError
from .binning import bin_pixels, estimate_drift, shift_image
from .corrections import NATURAL_FRACTION, _clean_species, value_and_error
from .deadtime import CorrectedCounts, em_dead_time, tof_dead_time
from .kernels import is_integer_valued

__all__ = ["MASK_REASONS", "PipelineState", "pixel_sizes", "species_variable"]

#: codes of the ``mask_reason`` variable (0 = valid pixel)
MASK_REASONS: dict[str, int] = {"valid": 0, "low_counts": 1, "saturated": 2, "outside_overlap": 3}


@dataclass
class PipelineState:
    """Working state of the fraction pipeline (internal, mutable)."""

    n_a: np.ndarray
    n_b: np.ndarray
    var_a: np.ndarray | None
    var_b: np.ndarray | None
    saturated: np.ndarray
    records: list[dict[str, Any]]
    warnings: list[str]
    n_saturated: int = 0
    dead_time_done: bool = False
    alpha: float = 1.0
    alpha_err: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def species_variable(ds: xr.Dataset, name: str) -> xr.DataArray:
    """The counts variable of isotope ``name`` (by variable name, ``species`` attr or label)."""
    if name in ds.data_vars:
        return ds[name]
    for var in ds.data_vars.values():
        for label in (var.attrs.get("species"), str(var.name)):
            try:
                if label and _clean_species(str(label)) == name:
                    return var
            except InputError:
                continue
    raise InputError(f"species {name!r} not in the data ({_closest(name, list(ds.data_vars))})")


#: species named in a 'not in the data' error before it points to the full list
MAX_NAMED_SPECIES = 8


def _closest(name: str, have: list[Any]) -> str:
    """The species a user most likely meant (all of them when there are few), and how to list
    them all."""
    names = [str(v) for v in have]
    if not names:
        return "it holds no species"
    if len(names) <= MAX_NAMED_SPECIES:
        return f"available: {', '.join(names)}"
    import difflib
    import re

    element = re.sub(r"^\d+", "", name)  # '18O' -> 'O': the same element, any mass
    same = [n for n in names if re.sub(r"^\d+", "", n) == element]
    near = difflib.get_close_matches(name, names, n=MAX_NAMED_SPECIES, cutoff=0.4)
    picks = list(dict.fromkeys([*same, *near]))[:5]
    lead = f"closest: {', '.join(picks)}; " if picks else ""
    return f"{lead}{len(names)} species in all, listed by 'tracerdiff info FILE --json'"


def pixel_sizes(ds: xr.Dataset) -> tuple[float, float]:
    """(pixel_size_x_um, pixel_size_y_um) from attrs, else from the x/y coordinate spacing."""
    out = []
    for ax in ("x", "y"):
        v = ds.attrs.get(f"pixel_size_{ax}_um")
        if v is None and ax in ds.coords and ds.sizes.get(ax, 0) > 1:
            c = np.asarray(ds[ax].values, dtype=float)
            v = float(np.median(np.diff(c)))
        if v is None or not (np.isfinite(float(v)) and float(v) > 0):
            raise InputError(
                f"pixel size along {ax} unknown: expected attrs pixel_size_{ax}_um or coords"
            )
        out.append(float(v))
    return out[0], out[1]


def _already_corrected(ds: xr.Dataset, st: PipelineState) -> str | None:
    if int(ds.attrs.get("dead_time_corrected", 0)) == 1:
        return "data already dead-time corrected (attrs dead_time_corrected=1)"
    if not (is_integer_valued(st.n_a) and is_integer_valued(st.n_b)):
        return "data already dead-time corrected (non-integer counts)"
    return None


def _scans_known(ds: xr.Dataset, scans: int | None, frames: bool) -> bool:
    return frames or scans is not None or ds.attrs.get("scans", ds.attrs.get("n_scans")) is not None


def _dead_time_mode(
    ds: xr.Dataset,
    mode: str,
    shots: float | None,
    scans: int | None,
    dwell: float | None,
    frames: bool,
) -> tuple[str, str]:
    """The correction to run (``tof``/``em``/``none``) and, for ``none``, why."""
    if mode not in ("auto", "tof", "em", "none"):
        raise InputError(f"dead_time must be 'auto', 'tof', 'em' or 'none', got {mode!r}")
    if mode != "auto":
        return mode, "disabled"
    if shots is not None:
        return "tof", ""
    if ds.attrs.get("shots_per_pixel") is not None:
        if _scans_known(ds, scans, frames):
            return "tof", ""
        return "none", "number of scans unknown"
    nano = "nanosims" in str(ds.attrs.get("instrument", "")).lower()
    if nano and (dwell is not None or ds.attrs.get("dwell_time_s") is not None):
        return "em", ""
    return "none", "shots per pixel unknown"


def dead_time_stage(
    st: PipelineState,
    ds: xr.Dataset,
    *,
    mode: str,
    shots_per_pixel: float | None,
    scans: int | None,
    dwell_time_s: float | None,
    tau_s: float,
    saturated: str,
    dtype: npt.DTypeLike,
) -> PipelineState:
    """ToF-Poisson or electron-multiplier dead time per pixel and frame (or a skip record)."""
    frames = st.n_a.ndim == 3
    chosen, why = _dead_time_mode(ds, mode, shots_per_pixel, scans, dwell_time_s, frames)
    explicit = mode in ("tof", "em") or shots_per_pixel is not None or dwell_time_s is not None
    rec: dict[str, Any] = {"name": "dead_time", "applied": False, "requested": mode}
    done = _already_corrected(ds, st) if chosen != "none" or mode == "auto" else None
    if chosen == "none" or done:
        if done and explicit:
            raise InputError(f"{done}; refusing to correct twice (use dead_time='none')")
        rec["reason"] = done or why
        st.records.append(rec)
        st.dead_time_done = bool(done)
        st.n_a, st.n_b = np.asarray(st.n_a, dtype=dtype), np.asarray(st.n_b, dtype=dtype)
        return st
    res_a, res_b = _run_dead_time(
        chosen, ds, st, frames, shots_per_pixel, scans, dwell_time_s, tau_s, saturated, dtype
    )
    st.n_a, st.var_a, st.n_b, st.var_b = res_a.counts, res_a.var, res_b.counts, res_b.var
    st.saturated = res_a.saturated | res_b.saturated
    st.n_saturated = int(np.count_nonzero(st.saturated))
    rec.update({"applied": True, **res_a.to_dict(), "per_frame": frames})
    del rec["n_saturated"]  # of the first isotope only: replaced by the union below
    # counted where the correction runs: pixels of the 2D image, or pixel-frames of frame data
    rec["n_saturated_pixel_frames" if frames else "n_saturated"] = st.n_saturated
    rec["saturated_policy"] = saturated
    st.records.append(rec)
    st.dead_time_done = True
    return st


def _run_dead_time(
    chosen: str,
    ds: xr.Dataset,
    st: PipelineState,
    frames: bool,
    shots: float | None,
    scans: int | None,
    dwell: float | None,
    tau_s: float,
    saturated: str,
    dtype: npt.DTypeLike,
) -> tuple[CorrectedCounts, CorrectedCounts]:
    sat: Any = saturated
    if scans is None and not frames:
        scans = ds.attrs.get("scans", ds.attrs.get("n_scans"))
    if chosen == "tof":
        s = shots if shots is not None else ds.attrs.get("shots_per_pixel")
        if s is None:
            raise InputError(
                "ToF dead-time correction needs the shots per pixel (--shots-per-pixel)"
            )
        if scans is None and not frames:
            raise InputError(
                "dead-time correction of an accumulated 2D image needs the number of scans"
                " (--scans)"
            )
        n = float(s) * float(1 if scans is None else scans)
        return (
            tof_dead_time(st.n_a, n_pulses=n, saturated=sat, dtype=dtype),
            tof_dead_time(st.n_b, n_pulses=n, saturated=sat, dtype=dtype),
        )
    t = dwell if dwell is not None else ds.attrs.get("dwell_time_s")
    if t is None:
        raise InputError("electron-multiplier dead-time correction needs the dwell time per pixel")
    if scans is None and not frames:
        st.warnings.append(
            "electron-multiplier dead time on a 2D image with the number of scans unknown: the "
            "counting time per pixel is taken as one dwell time (give --scans for a sum of planes)"
        )
    t = float(t) * float(1 if scans is None else scans)
    return (
        em_dead_time(st.n_a, dwell_time_s=t, tau_s=tau_s, saturated=sat, dtype=dtype),
        em_dead_time(st.n_b, dwell_time_s=t, tau_s=tau_s, saturated=sat, dtype=dtype),
    )


def accumulate_stage(
    st: PipelineState, *, frames: bool, drift: bool, upsample: int, dtype: npt.DTypeLike
) -> tuple[PipelineState, np.ndarray]:
    """Align (phase correlation) and sum frames; returns the stage and the mask-reason codes."""
    if not frames:
        reason = st.saturated.astype(np.uint8)
        reason *= MASK_REASONS["saturated"]
        return st, reason
    nf = st.n_a.shape[0]
    rec: dict[str, Any] = {
        "name": "frame_accumulation",
        "applied": True,
        "n_frames": nf,
        "drift_correction": bool(drift and nf > 1),
    }
    shifts = np.zeros((nf, 2))
    if drift and nf > 1:
        dr = estimate_drift(st.n_a + st.n_b, upsample=upsample)
        shifts = dr.shifts_px
        rec.update(dr.to_dict())
    if np.any(shifts != 0):
        _shift_and_sum(st, shifts, dtype)
    else:
        st.n_a, st.n_b = st.n_a.sum(axis=0, dtype=dtype), st.n_b.sum(axis=0, dtype=dtype)
        if st.var_a is not None and st.var_b is not None:
            st.var_a = st.var_a.sum(axis=0, dtype=dtype)
            st.var_b = st.var_b.sum(axis=0, dtype=dtype)
        st.saturated = np.asarray(st.saturated.any(axis=0))
    reason = np.zeros(st.n_a.shape, dtype=np.uint8)
    bad = ~np.isfinite(st.n_a) | ~np.isfinite(st.n_b)
    reason[bad] = MASK_REASONS["outside_overlap"]
    reason[st.saturated] = MASK_REASONS["saturated"]
    rec["n_outside_overlap"] = int(np.count_nonzero(reason == MASK_REASONS["outside_overlap"]))
    st.records.append(rec)
    return st, reason


def _shift_and_sum(st: PipelineState, shifts: np.ndarray, dtype: npt.DTypeLike) -> None:
    """Shift every frame (counts and variances with the bilinear weights w) and sum.

    Variances are shifted with w, not w^2: a shifted pixel mixes up to four source pixels, so
    neighbouring shifted pixels are correlated. With w every source pixel's variance is counted
    once in any sum over many pixels (profiles, regions: exact there), while a single pixel's
    variance is overstated by at most 1 / sum(w^2) (<= 4 for a half-pixel shift on both axes;
    conservative). With w^2 single pixels would be exact but every sum would be understated by
    the same factor.
    """

    def total(frames: np.ndarray) -> np.ndarray:
        out = [shift_image(f, (s[0], s[1])) for f, s in zip(frames, shifts, strict=True)]
        return np.sum(out, axis=0, dtype=dtype)

    va = st.n_a if st.var_a is None else st.var_a
    vb = st.n_b if st.var_b is None else st.var_b
    st.var_a, st.var_b = total(va), total(vb)
    st.n_a, st.n_b = total(st.n_a), total(st.n_b)
    sat = total(st.saturated.astype(np.float32))
    st.saturated = np.nan_to_num(sat, nan=0.0) > 0


def bin_stage(st: PipelineState, reason: np.ndarray, k: int) -> tuple[PipelineState, np.ndarray]:
    """Sum k x k pixels (a block with a masked pixel is masked, reason = the block's largest)."""
    if k < 1:
        raise InputError(f"bin must be an integer >= 1, got {k}")
    rec: dict[str, Any] = {"name": "binning", "applied": k > 1, "bin": k}
    if k > 1:
        ny, nx = st.n_a.shape
        st.n_a, st.n_b = bin_pixels(st.n_a, k), bin_pixels(st.n_b, k)
        if st.var_a is not None and st.var_b is not None:
            st.var_a, st.var_b = bin_pixels(st.var_a, k), bin_pixels(st.var_b, k)
        st.saturated = bin_pixels(st.saturated, k)
        r = reason[: (ny // k) * k, : (nx // k) * k].reshape(ny // k, k, nx // k, k)
        reason = np.asarray(r.max(axis=(1, 3)), dtype=np.uint8)
        rec.update({"dropped_rows": ny % k, "dropped_columns": nx % k})
    st.records.append(rec)
    return st, reason


def imf_stage(st: PipelineState, alpha: float | tuple[float, float] | None) -> PipelineState:
    """IMF on counts: ``n_b -> alpha n_b`` (so ``R = n_a / n_b`` becomes ``R / alpha``)."""
    if alpha is None:
        st.records.append({"name": "imf", "applied": False})
        return st
    a, ea = value_and_error(alpha, name="imf_alpha")
    if a <= 0:
        raise InputError(f"imf_alpha must be > 0, got {a}")
    vb = st.n_b if st.var_b is None else st.var_b
    va = st.n_a if st.var_a is None else st.var_a
    st.var_b = (vb * (a * a)).astype(st.n_b.dtype, copy=False)
    st.var_a = va
    st.n_b = (st.n_b * a).astype(st.n_b.dtype, copy=False)
    st.alpha, st.alpha_err = a, ea
    st.records.append(
        {
            "name": "imf",
            "applied": True,
            "alpha": a,
            "alpha_stderr": ea,
            "note": "n_b and var_b scaled by alpha and alpha^2; alpha stderr in C_err_sys",
        }
    )
    return st


def normalise_stage(
    st: PipelineState,
    pair: str,
    background: float | str | tuple[float, float] | None,
    source: float | tuple[float, float] | None,
) -> dict[str, Any] | None:
    """Check and record ``C' = (C - C_bg) / (C_s - C_bg)``; the parameters, or None when off."""
    if background is None and source is None:
        st.records.append({"name": "normalise", "applied": False})
        return None
    if background is None or source is None:
        raise InputError("normalisation needs both background and source fractions")
    if isinstance(background, str):
        if background != "natural" or pair not in NATURAL_FRACTION:
            raise InputError(
                f"background {background!r}: expected a fraction or 'natural' for a known pair"
            )
        background = NATURAL_FRACTION[pair]
    cb, eb = value_and_error(background, name="background")
    cs, es = value_and_error(source, name="source")
    if not abs(cs - cb) > 1e-12:
        raise InputError(f"source fraction ({cs}) must differ from the background ({cb})")
    params = {"background": cb, "background_stderr": eb, "source": cs, "source_stderr": es}
    rec = {"name": "normalise", "applied": True, **params}
    if eb > 0 or es > 0:
        rec["note"] = "C_bg and C_s stderr are shared by all pixels: in C_err_sys"
    st.records.append(rec)
    return params

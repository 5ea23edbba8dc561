"""Line scans made of spot depth profiles (stage-stepped spot analyses over mm).

Each spot is an IONTOF depth-profile export. C at a spot comes from the counts of the isotope
pair summed over a sputter-time window (sum first, then the ratio); a weighted straight-line fit
of the per-cycle C against sputter time checks that C does not drift with depth.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import DataError, FileFormatError, InputError
from ._checks import check_input_file
from ._common import PathLike, normalize_species, sha256_file
from .iontof_profile import is_iontof_depth_profile, read_iontof_depth_profile
from .profile_csv import TO_UM, binomial_fraction

__all__ = ["SpotDrift", "position_from_name", "read_spot_linescan", "spot_drift"]

_POS = re.compile(
    r"(?:^|[_\-\s])x[_=]?(-?\d+(?:[.p]\d+)?)(um|µm|mm|nm|cm)(?=$|[_\-\s.])", re.IGNORECASE
)


def position_from_name(name: str) -> float | None:
    """Position in um parsed from a file name such as ``spot_x1250um.txt`` or ``s3_x1p25mm``."""
    m = _POS.search(Path(name).stem + ".")
    if not m:
        return None
    return float(m.group(1).replace("p", ".")) * TO_UM[m.group(2).lower().replace("µ", "u")]


@dataclass(frozen=True)
class SpotDrift:
    """Slope of C against sputter time (1/s) from a weighted straight-line fit, with its standard
    error (scaled by sqrt(reduced chi^2) when that exceeds 1) and the 3-sigma flag."""

    slope_per_s: float
    slope_err_per_s: float
    reduced_chi2: float
    significant: bool


_Spot = tuple[float, float, int, SpotDrift, int]  # n_a, n_b, cycles, drift, dead-time flag


def spot_drift(t_s: np.ndarray, n_a: np.ndarray, n_b: np.ndarray) -> SpotDrift:
    """Weighted fit C_i = c0 + s t_i over cycles with counts; weights 1 / var_i with the binomial
    variance var_i = C (1 - C) / n_i evaluated at the pooled C (never zero for 0 < C < 1)."""
    n = n_a + n_b
    ok = n > 0
    if ok.sum() < 3:
        return SpotDrift(float("nan"), float("nan"), float("nan"), False)
    t, c = t_s[ok], n_a[ok] / n[ok]
    pooled = float(n_a[ok].sum() / n[ok].sum())
    var = max(pooled * (1 - pooled), 1e-12) / n[ok]
    w = 1.0 / var
    design = np.column_stack([np.ones_like(t), t - t.mean()])
    cov = np.linalg.inv(design.T @ (design * w[:, None]))
    beta = cov @ (design.T @ (w * c))
    resid = c - design @ beta
    red = float(np.sum(w * resid**2) / (t.size - 2))
    err = float(np.sqrt(cov[1, 1] * max(red, 1.0)))
    slope = float(beta[1])
    return SpotDrift(slope, err, red, bool(abs(slope) > 3 * err))


def _files(paths_or_dir: PathLike | Sequence[PathLike]) -> list[Path]:
    if isinstance(paths_or_dir, str | Path) and Path(paths_or_dir).is_dir():
        files = sorted(
            f
            for f in Path(paths_or_dir).iterdir()
            if f.is_file() and f.suffix.lower() in (".txt", ".dat") and is_iontof_depth_profile(f)
        )
        if not files:
            raise FileFormatError(f"{paths_or_dir}: no IONTOF depth-profile files in the folder")
        return files
    if isinstance(paths_or_dir, str | Path):
        return [check_input_file(paths_or_dir)]
    if isinstance(paths_or_dir, Sequence):
        return [check_input_file(p) for p in paths_or_dir]
    return [check_input_file(paths_or_dir)]


def _positions(files: list[Path], positions_um: Sequence[float] | PathLike | None) -> np.ndarray:
    if positions_um is None:
        pos = [position_from_name(f.name) for f in files]
        missing = [f.name for f, v in zip(files, pos, strict=True) if v is None]
        if missing:
            raise InputError(
                f"no position in file names {missing[:3]}; name files like "
                "'spot_x1250um.txt' or pass positions_um"
            )
        return np.array(pos, dtype=float)
    if isinstance(positions_um, str | Path):
        return _positions_table(files, Path(positions_um))
    arr = np.asarray(positions_um, dtype=float)
    if arr.shape != (len(files),):
        raise InputError(f"positions_um has {arr.size} values for {len(files)} files")
    return arr


def _positions_table(files: list[Path], table: Path) -> np.ndarray:
    """Position table CSV with columns ``file`` and ``x_um`` (or ``x_mm`` ...)."""
    check_input_file(table)
    try:
        df = pd.read_csv(table, comment="#", skipinitialspace=True)
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as exc:
        raise FileFormatError(f"{table}: not a position table ({type(exc).__name__})") from None
    xcol = next((c for c in df.columns if str(c).startswith("x_")), None)
    if "file" not in df.columns or xcol is None or xcol[2:] not in TO_UM:
        raise FileFormatError(f"{table}: expected columns 'file' and 'x_um' (or x_mm, x_cm)")
    x = pd.to_numeric(df[xcol], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(x)):
        row = int(np.argmax(~np.isfinite(x)))
        raise DataError(f"{table}: data row {row + 1}, column {xcol!r}: expected a finite number")
    lookup = {
        Path(str(f)).name: float(v) * TO_UM[xcol[2:]]
        for f, v in zip(df["file"], df[xcol], strict=True)
    }
    missing = [f.name for f in files if f.name not in lookup]
    if missing:
        raise InputError(f"{table}: no position for {missing[:3]}")
    return np.array([lookup[f.name] for f in files])


def _spot(f: Path, pair: tuple[str, str], window: tuple[float, float] | None) -> _Spot:
    ds = read_iontof_depth_profile(f)
    for s in pair:
        if s not in ds:
            raise DataError(f"{f}: species {s!r} not in the profile; it has {list(ds.data_vars)}")
    t = ds["time_s"].values
    sel = np.ones(t.size, bool) if window is None else (t >= window[0]) & (t <= window[1])
    if not sel.any():
        raise DataError(
            f"{f}: no cycles inside the time window {window} s "
            f"(profile spans {t.min():g}-{t.max():g} s)"
        )
    a, b = ds[pair[0]].values[sel], ds[pair[1]].values[sel]
    drift = spot_drift(t[sel], a, b)
    return (
        float(a.sum()),
        float(b.sum()),
        int(sel.sum()),
        drift,
        int(ds.attrs["dead_time_corrected"]),
    )


def _linescan_vars(rows: list[_Spot], order: np.ndarray, pair: tuple[str, str]) -> dict[str, Any]:
    """Profile variables in position order: C, C_err, counts, cycles, drift slope and flag."""
    na = np.array([r[0] for r in rows])[order]
    nb = np.array([r[1] for r in rows])[order]
    c, err = binomial_fraction(na, nb)
    drifts = [rows[i][3] for i in order]
    dims = ("x_um",)
    per_s = {"units": "1/s"}
    return {
        "C": (dims, c, {"units": ""}),
        "C_err": (dims, err, {"units": ""}),
        pair[0]: (dims, na, {"units": "counts"}),
        pair[1]: (dims, nb, {"units": "counts"}),
        "n_cycles": (dims, np.array([rows[i][2] for i in order])),
        "C_slope_per_s": (dims, np.array([d.slope_per_s for d in drifts]), per_s),
        "C_slope_err_per_s": (dims, np.array([d.slope_err_per_s for d in drifts]), per_s),
        "drift_significant": (dims, np.array([int(d.significant) for d in drifts])),
    }


def read_spot_linescan(
    paths_or_dir: PathLike | Sequence[PathLike],
    *,
    positions_um: Sequence[float] | PathLike | None = None,
    pair: tuple[str, str] = ("6Li", "7Li"),
    time_window_s: tuple[float, float] | None = None,
) -> xr.Dataset:
    """One profile dataset (dim ``x_um``, sorted) from spot depth profiles.

    ``positions_um``: None (parsed from names such as ``..._x1250um.txt``), one value per file,
    or a CSV table with columns ``file,x_um``. ``time_window_s=(t0, t1)`` selects the sputter
    cycles summed (inclusive; default all). Variables: ``C``, ``C_err`` (binomial on the summed
    counts), the summed counts per isotope, ``n_cycles``, ``C_slope_per_s``,
    ``C_slope_err_per_s``, ``drift_significant`` (|slope| > 3 sigma, 0/1); coord ``spot_file``.
    """
    pair = (normalize_species(pair[0]), normalize_species(pair[1]))
    files = _files(paths_or_dir)
    if time_window_s is not None and not (time_window_s[0] <= time_window_s[1]):
        raise InputError(f"time_window_s must be (t0, t1) with t0 <= t1, got {time_window_s}")
    x = _positions(files, positions_um)
    rows = [_spot(f, pair, time_window_s) for f in files]
    order = np.argsort(x, kind="stable")
    if np.unique(x).size != x.size:
        raise DataError("two spots share the same position")
    data_vars = _linescan_vars(rows, order, pair)
    dtc = {r[4] for r in rows}
    if len(dtc) > 1:
        raise DataError("spots mix dead-time-corrected and uncorrected exports")
    attrs = {
        "kind": "spot_linescan",
        "format": "iontof_ascii_depth_profile",
        "pair": "/".join(pair),
        "instrument": "IONTOF TOF.SIMS",
        "n_spots": len(files),
        "time_window_s": json.dumps(list(time_window_s) if time_window_s else None),
        "dead_time_corrected": int(dtc == {1}),
        "source_file": str(Path(paths_or_dir).resolve())
        if isinstance(paths_or_dir, str | Path)
        else json.dumps([str(f) for f in files]),
        "source_sha256": json.dumps([sha256_file(files[i]) for i in order]),
    }
    coords = {
        "x_um": ("x_um", x[order], {"units": "um"}),
        "spot_file": ("x_um", np.array([files[i].name for i in order])),
    }
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)

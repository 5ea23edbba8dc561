"""Line profiles across a fraction map (science.md section 9).

Binning: the line from ``start`` to ``end`` (um) has unit direction ``u`` and normal ``n``. Every
pixel centre P is projected: ``s = (P - start) . u`` (along) and ``t = (P - start) . n`` (across).
The bin pitch is the pixel size along ``u``, ``pitch = sqrt((p_x u_x)^2 + (p_y u_y)^2)`` (p_x for a
horizontal line, p_y for a vertical one, p for any direction on square pixels). Bin ``k`` is
centred at ``x_um = k * pitch`` (k = 0 .. floor(L / pitch)) and holds the pixels with
``|s - k pitch| < pitch / 2`` (half-open, ``[k - 1/2, k + 1/2) pitch``) and ``|t| <= width / 2``.
Counts (and variances) of those pixels are summed first, then ``C`` and ``C_err`` are taken
(``C_err_sys``, the error shared by all points, when the map has one).
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import xarray as xr

from ..errors import DataError, InputError
from .calibration import require_length
from .options import ProfileLine
from .pipeline import pixel_sizes
from .summed import as_fraction_dataset, fraction_from_sums

__all__ = ["line_profile"]


def _geometry(
    start: tuple[float, float], end: tuple[float, float], width: float, extent: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray, float]:
    vals = [*start, *end, width]
    if not all(math.isfinite(float(v)) for v in vals):
        raise InputError(f"line end points and width must be finite, got {vals}")
    if not width > 0:
        raise InputError(f"profile width must be > 0 um, got {width}")
    p0, p1 = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    length = float(np.hypot(*(p1 - p0)))
    if not length > 1e-9:
        raise InputError(f"profile line has zero length (start = end = {tuple(p0)} um)")
    for name, p in (("start", p0), ("end", p1)):
        if not (0 <= p[0] <= extent[0] and 0 <= p[1] <= extent[1]):
            raise InputError(
                f"line {name} {tuple(float(v) for v in p)} um is outside the image "
                f"(0..{extent[0]:g} x 0..{extent[1]:g} um)"
            )
    return p0, (p1 - p0) / length, length


def _select(
    fds: xr.Dataset, p0: np.ndarray, u: np.ndarray, pitch: float, nbins: int, width: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat (row, col) indices of the pixels in the band and their bin numbers."""
    px, py = pixel_sizes(fds)
    ny, nx = fds.sizes["y"], fds.sizes["x"]
    nvec = np.array([-u[1], u[0]])
    s_lo, s_hi = -pitch / 2, (nbins - 0.5) * pitch
    corners = [p0 + s * u + t * nvec for s in (s_lo, s_hi) for t in (-width / 2, width / 2)]
    cx, cy = [c[0] for c in corners], [c[1] for c in corners]
    i0, i1 = max(0, int(min(cx) / px) - 1), min(nx, int(max(cx) / px) + 2)
    j0, j1 = max(0, int(min(cy) / py) - 1), min(ny, int(max(cy) / py) + 2)
    X = ((np.arange(i0, i1) + 0.5) * px - p0[0])[None, :]
    Y = ((np.arange(j0, j1) + 0.5) * py - p0[1])[:, None]
    s = X * u[0] + Y * u[1]
    t = Y * u[0] - X * u[1]
    k = np.floor(s / pitch + 0.5)
    sel = (np.abs(t) <= width / 2) & (k >= 0) & (k < nbins)
    jj, ii = np.nonzero(sel)
    return jj + j0, ii + i0, k[sel].astype(np.intp)


def _check_not_empty(n_band: int, npix: np.ndarray, total: np.ndarray, width: float) -> None:
    """DataError when the band holds no pixel centre, or no bin has a count."""
    if n_band == 0:
        raise InputError(
            f"no pixel centre lies within +-{width / 2:g} um of the line; widen the band"
        )
    if not np.any((npix > 0) & (total >= 1)):
        raise DataError(
            "profile holds no valid counts (every pixel in the band is masked or empty); "
            "expected a line across counted pixels"
        )


def _line(
    line: ProfileLine | None, start: Any, end: Any, width: float | None
) -> tuple[tuple[float, float], tuple[float, float], float]:
    """The line of a :class:`ProfileLine` or of the keyword options (checked by the kernel)."""
    if line is None:
        if start is None or end is None or width is None:
            raise InputError("line_profile needs a ProfileLine or start_um, end_um and width_um")
        return (float(start[0]), float(start[1])), (float(end[0]), float(end[1])), float(width)
    if (start, end, width) != (None, None, None):
        raise InputError("give a ProfileLine or start_um/end_um/width_um, not both")
    return line.start_um, line.end_um, line.width_um


def line_profile(
    data: xr.Dataset,
    line: ProfileLine | None = None,
    *,
    start_um: tuple[float, float] | None = None,
    end_um: tuple[float, float] | None = None,
    width_um: float | None = None,
    pair: str | None = None,
    **fraction_options: Any,
) -> xr.Dataset:
    """Profile of the isotope fraction along a line (um), counts summed across ``width_um``.

    ``data`` is a fraction dataset (its ``n_a``/``n_b`` and variances are summed) or an image
    dataset (``fraction_map`` runs first with ``pair`` and ``fraction_options``). The line is a
    :class:`~tracerdiff.imaging.ProfileLine` (what a study file's line gives) or ``start_um``,
    ``end_um``, ``width_um``. Returns the profile dataset: dim ``x_um`` (distance from
    ``start_um``), ``C``, ``C_err``, summed counts per isotope, their variances when the map
    has them, ``n_pixels``. Raises InputError for a line outside the image, a zero-length line
    or ``width_um <= 0``.

    A profile along x through the middle of an 8 x 40 pixel map (1 um pixels), starting at the
    first pixel centre and summing all 8 rows:

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
    >>> prof = line_profile(images, start_um=(0.5, 4.0), end_um=(39.5, 4.0), width_um=8.0)
    >>> print(prof.sizes["x_um"], int(prof.n_pixels[0]), f"C = {float(prof.C[0]):.2f}")
    40 8 C = 0.90
    """
    start_um, end_um, width_um = _line(line, start_um, end_um, width_um)
    fds = as_fraction_dataset(data, pair=pair, **fraction_options)
    require_length(fds, what="a line profile")
    px, py = pixel_sizes(fds)
    extent = (fds.sizes["x"] * px, fds.sizes["y"] * py)
    start = (float(start_um[0]), float(start_um[1]))
    end = (float(end_um[0]), float(end_um[1]))
    p0, u, length = _geometry(start, end, float(width_um), extent)
    pitch = math.hypot(px * u[0], py * u[1])
    nbins = math.floor(length / pitch + 1e-9) + 1
    jj, ii, k = _select(fds, p0, u, pitch, nbins, float(width_um))
    na, nb = fds["n_a"].values[jj, ii], fds["n_b"].values[jj, ii]
    ok = np.isfinite(na) & np.isfinite(nb)
    kk = k[ok]

    def total(v: np.ndarray) -> np.ndarray:
        return np.bincount(kk, weights=v[ok], minlength=nbins)

    sa, sb = total(na), total(nb)
    npix = np.bincount(kk, minlength=nbins)
    va = vb = None
    if "var_a" in fds and "var_b" in fds:
        va, vb = total(fds["var_a"].values[jj, ii]), total(fds["var_b"].values[jj, ii])
    _check_not_empty(k.size, npix, sa + sb, float(width_um))
    C, err, sys = fraction_from_sums(sa, sb, va, vb, dict(fds.attrs))
    return _build(
        fds,
        C,
        (err, sys if "C_err_sys" in fds else None),
        sa,
        sb,
        va,
        vb,
        npix,
        pitch,
        nbins,
        (p0, np.asarray(end_um, dtype=float), float(width_um)),
    )


def _build(
    fds: xr.Dataset,
    C: np.ndarray,
    errs: tuple[np.ndarray, np.ndarray | None],
    sa: np.ndarray,
    sb: np.ndarray,
    va: np.ndarray | None,
    vb: np.ndarray | None,
    npix: np.ndarray,
    pitch: float,
    nbins: int,
    geom: tuple[np.ndarray, np.ndarray, float],
) -> xr.Dataset:
    a = str(fds["n_a"].attrs.get("species", "a"))
    b = str(fds["n_b"].attrs.get("species", "b"))
    dims = ("x_um",)
    err, sys = errs
    data: dict[str, Any] = {
        "C": (dims, C, {"units": ""}),
        "C_err": (dims, err, {"units": ""}),
        a: (dims, sa, {"long_name": f"summed {a} counts"}),
        b: (dims, sb, {"long_name": f"summed {b} counts"}),
        "n_pixels": (dims, npix.astype(np.int64)),
    }
    if sys is not None:
        data["C_err_sys"] = (dims, sys, {"long_name": "systematic error shared by all points"})
    if va is not None and vb is not None:
        data[f"var_{a}"] = (dims, va)
        data[f"var_{b}"] = (dims, vb)
    p0, p1, w = geom
    attrs = {
        "kind": "profile",
        "pair": str(fds.attrs.get("pair", f"{a}/{b}")),
        "start_um": [float(v) for v in p0],
        "end_um": [float(v) for v in p1],
        "width_um": w,
        "pitch_um": pitch,
        "source_file": str(fds.attrs.get("source_file", "")),
        "normalised": int(fds.attrs.get("normalised", 0)),
        "systematic_errors": str(fds.attrs.get("systematic_errors", "separate")),
        "corrections": str(fds.attrs.get("corrections", json.dumps([]))),
        "binning": "pixel centres summed in bins one pixel pitch long, centred at k*pitch",
    }
    x = np.arange(nbins) * pitch
    return xr.Dataset(data, coords={"x_um": ("x_um", x, {"units": "um"})}, attrs=attrs)

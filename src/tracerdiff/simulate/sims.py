"""SIMS measurement simulator: from isotope-fraction fields to what an instrument writes.

Images: the simulated field (cells ``cell_um`` wide, rows y) is resampled (bilinear) to the
instrument's pixel grid (default the study's 500 x 200 um, 512 x 206 px), the expected count per
pixel ``n0 Y C`` and ``n0 Y (1 - C)`` (``Y`` the grain's yield factor) is blurred by a Gaussian
point spread (intensities, never ratios), and counts are drawn: Poisson, or with
``shots`` = shots_per_pixel x scans primary pulses the single-stop ToF detector registers at most
one ion per pulse, so the count is Binomial(shots, 1 - exp(-lambda / shots)) (dead-time
saturation, not corrected: the files say so).  Line scans: stage-stepped spots, each averaging C
over a ``raster_um`` window, with binomial counts of both isotopes.  Lengths in um.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray
from scipy import ndimage

from ..errors import DataError, InputError
from ..results import ResultMixin

__all__ = ["SimsImage", "simulate_line_scan", "simulate_sims_image"]

FloatArray = NDArray[np.float64]


def _rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


@dataclass(frozen=True)
class SimsImage(ResultMixin):
    """Simulated counts per species (rows y) and the acquisition parameters."""

    counts: dict[str, FloatArray]
    field_of_view_um: tuple[float, float]
    shots_per_pixel: int | None
    scans: int | None
    psf_sigma_px: float
    expected_fraction: FloatArray

    @property
    def pixel_size_um(self) -> tuple[float, float]:
        """(p_x, p_y) in um."""
        ny, nx = next(iter(self.counts.values())).shape
        return self.field_of_view_um[0] / nx, self.field_of_view_um[1] / ny

    def to_dict(self) -> dict[str, Any]:
        """Acquisition summary."""
        return {
            "species": list(self.counts),
            "pixels": list(next(iter(self.counts.values())).shape[::-1]),
            "field_of_view_um": list(self.field_of_view_um),
            "shots_per_pixel": self.shots_per_pixel,
            "scans": self.scans,
            "psf_sigma_px": self.psf_sigma_px,
            "mean_counts": {k: float(v.mean()) for k, v in self.counts.items()},
        }


def _resample(
    field: FloatArray, cell_um: float, px: FloatArray, py: FloatArray, order: int
) -> FloatArray:
    yy, xx = np.meshgrid(py / cell_um - 0.5, px / cell_um - 0.5, indexing="ij")
    return np.asarray(
        ndimage.map_coordinates(field, [yy, xx], order=order, mode="nearest"), dtype=float
    )


def simulate_sims_image(
    fraction: FloatArray,
    *,
    cell_um: float,
    yield_map: FloatArray | None = None,
    field_um: tuple[float, float] = (500.0, 200.0),
    pixels: tuple[int, int] = (512, 206),
    origin_um: tuple[float, float] = (0.0, 0.0),
    mean_counts: float = 500.0,
    shots_per_pixel: int | None = None,
    scans: int | None = None,
    psf_sigma_px: float = 0.7,
    species: tuple[str, str] = ("6Li", "7Li"),
    rng: np.random.Generator | int | None = None,
) -> SimsImage:
    """Counts of ``species`` (tracer, other) over ``field_um`` = (x, y) at ``pixels`` = (nx, ny)
    from a fraction field (rows y) of cells ``cell_um``; ``mean_counts`` expected total count per
    pixel at yield 1; ``origin_um`` = (x, y) of the field's corner on the simulation grid.

    >>> import numpy as np
    >>> field = np.full((100, 400), 0.25)  # C on cells of 0.1 um: 40 x 10 um
    >>> img = simulate_sims_image(field, cell_um=0.1, field_um=(40.0, 10.0), pixels=(40, 10),
    ...                           mean_counts=500.0, rng=4)
    >>> n6, n7 = img.counts["6Li"], img.counts["7Li"]
    >>> print(n6.shape, f"C = {n6.sum() / (n6.sum() + n7.sum()):.2f}", img.pixel_size_um)
    (10, 40) C = 0.25 (1.0, 1.0)
    """
    c = np.asarray(fraction, dtype=float)
    if c.ndim != 2 or not np.all(np.isfinite(c)) or c.min() < 0 or c.max() > 1:
        raise DataError("fraction must be a 2D field of values in [0, 1]")
    nxp, nyp = (int(v) for v in pixels)
    fx, fy = (float(v) for v in field_um)
    if nxp < 1 or nyp < 1 or fx <= 0 or fy <= 0 or mean_counts <= 0:
        raise InputError("pixels, field_um and mean_counts must be > 0")
    px = origin_um[0] + (np.arange(nxp) + 0.5) * fx / nxp
    py = origin_um[1] + (np.arange(nyp) + 0.5) * fy / nyp
    if px[-1] > c.shape[1] * cell_um or py[-1] > c.shape[0] * cell_um:
        raise InputError("the SIMS field extends beyond the simulated domain")
    cp = np.clip(_resample(c, cell_um, px, py, 1), 0.0, 1.0)  # bilinear stays in [0,1]; guard
    y = (
        np.ones_like(cp)
        if yield_map is None
        else _resample(np.asarray(yield_map, float), cell_um, px, py, 0)
    )
    g = _rng(rng)
    shots = None if shots_per_pixel is None else int(shots_per_pixel) * int(scans or 1)
    counts = {
        name: _draw_counts(mean_counts * y * part, psf_sigma_px, shots, g)
        for name, part in zip(species, (cp, 1.0 - cp), strict=True)
    }
    return SimsImage(
        counts=counts,
        field_of_view_um=(fx, fy),
        shots_per_pixel=shots_per_pixel,
        scans=scans,
        psf_sigma_px=float(psf_sigma_px),
        expected_fraction=cp,
    )


def _draw_counts(
    lam: FloatArray, psf_sigma_px: float, shots: int | None, g: np.random.Generator
) -> FloatArray:
    """Counts of expected intensity ``lam`` blurred by the point spread: Poisson, or Binomial
    over ``shots`` pulses (single-stop dead time)."""
    if psf_sigma_px > 0:
        lam = ndimage.gaussian_filter(lam, psf_sigma_px, mode="nearest")
    if shots is None:
        return np.asarray(g.poisson(lam), dtype=float)
    return np.asarray(g.binomial(shots, -np.expm1(-lam / shots)), dtype=float)


def simulate_line_scan(
    x_um: FloatArray,
    c: FloatArray,
    *,
    positions_um: FloatArray,
    raster_um: float = 50.0,
    counts_per_spot: float = 2.0e4,
    species: tuple[str, str] = ("6Li", "7Li"),
    pair: str = "6Li/7Li",
    rng: np.random.Generator | int | None = None,
) -> xr.Dataset:
    """A stage-stepped line scan: at each position the mean of ``c`` (sampled at ``x_um``) over
    ``raster_um``, counted with ``counts_per_spot`` expected ions.  Returns a profile dataset
    (dim ``x_um``; ``C``, ``C_err``, counts per species).

    A closed loop: spots every 2 um on an erfc profile, fitted back:

    >>> import numpy as np
    >>> from tracerdiff import erfc_profile, fit_profile
    >>> x = np.arange(0.05, 60.0, 0.1)
    >>> c = erfc_profile(x, C_s=0.9, C_0=0.076, D=1e-10, time_s=3600.0)
    >>> scan = simulate_line_scan(x, c, positions_um=np.arange(2.0, 50.0, 2.0), raster_um=2.0,
    ...                           rng=4)
    >>> res = fit_profile("erfc", scan, time_s=3600.0)
    >>> print(scan.sizes["x_um"], f"D_eff = {res.D_eff.value:.2g} +- {res.D_eff.stderr:.0e}")
    24 D_eff = 1e-10 +- 1e-12
    """
    x, cc, pos = (np.asarray(a, dtype=float) for a in (x_um, c, positions_um))
    if x.shape != cc.shape or x.ndim != 1 or pos.ndim != 1 or pos.size < 1:
        raise InputError("x_um and c must be 1D arrays of one length, positions_um 1D")
    half = 0.5 * raster_um
    if (
        x.size < 2
        or pos.min() - half < x[0] - 0.5 * (x[1] - x[0]) - 1e-9
        or (pos.max() + half > x[-1] + 0.5 * (x[1] - x[0]) + 1e-9)
    ):
        raise InputError("line-scan spots extend beyond the simulated profile")
    mean_c = np.array([cc[(x >= p - half) & (x < p + half)].mean() for p in pos])
    g = _rng(rng)
    n = g.poisson(counts_per_spot, size=pos.size).astype(float)
    na = g.binomial(n.astype(np.int64), np.clip(mean_c, 0.0, 1.0)).astype(float)
    nb = n - na
    with np.errstate(invalid="ignore", divide="ignore"):
        cm = na / n
        err = np.sqrt(cm * (1 - cm) / n)
    return xr.Dataset(
        {
            "C": ("x_um", cm),
            "C_err": ("x_um", err),
            species[0]: ("x_um", na),
            species[1]: ("x_um", nb),
        },
        coords={"x_um": pos},
        attrs={
            "pair": pair,
            "start_um": float(pos[0]),
            "end_um": float(pos[-1]),
            "width_um": float(raster_um),
            "source_file": "simulated",
        },
    )

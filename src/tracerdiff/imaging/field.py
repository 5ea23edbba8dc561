"""The whole-field fraction of a map: what ``tracerdiff fraction`` prints and a study's
``fraction_map`` analysis reports, computed once here.

``C`` is the fraction of the counts summed over every valid pixel (science.md section 2: sum,
then take the ratio), with the map's own corrections re-applied to the ratio of the sums: a
normalised map gives the normalised ``C' = (C - C_bg)/(C_s - C_bg)`` of the sums (the scale of
the map itself), its counting error (with the dead-time variances where the map has them) and
the shared error of C_bg, C_s and the IMF alpha apart (``C_sys_stderr``). ``C_raw`` is the plain
``n_a/(n_a + n_b)`` of the summed corrected counts, before the normalisation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from ..quantities import quantity
from ..results import ResultMixin
from .regions import region_stats

__all__ = ["FieldFraction", "field_fraction"]


@dataclass(frozen=True)
class FieldFraction(ResultMixin):
    """Whole-field isotope fraction of a fraction map (dimensionless; lengths in um, or in
    pixels when the images carry no calibration: ``length_unit == "px"``)."""

    pair: str
    shape: tuple[int, int]
    pixel_size: tuple[float, float]
    length_unit: str
    C: float
    C_err: float
    C_err_sys: float
    C_raw: float
    C_raw_err: float
    normalised: bool
    systematic_errors: str
    C_mean_pixel: float | None
    n_pixels: int
    n_saturated: int
    n_masked: int
    corrections: tuple[dict[str, Any], ...] = field(repr=False)
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain form (keys documented in docs/cli.md, ``tracerdiff fraction --json``)."""
        calibrated = self.length_unit != "px"
        note = "from the summed counts of the whole field"
        return {
            "pair": self.pair,
            "shape": list(self.shape),
            "pixel_size_um": list(self.pixel_size) if calibrated else None,
            "length_unit": self.length_unit,
            "calibrated": calibrated,
            "C": quantity(
                self.C, self.C_err, "", note=f"{note}, normalised" if self.normalised else note
            ),
            "C_sys_stderr": self.C_err_sys,
            "C_raw": quantity(self.C_raw, self.C_raw_err, "", note="before the normalisation"),
            "normalised": self.normalised,
            "systematic_errors": self.systematic_errors,
            "C_mean_pixel": quantity(self.C_mean_pixel, None, "", note="mean of the valid pixels"),
            "n_pixels": self.n_pixels,
            "n_saturated": self.n_saturated,
            "n_masked": self.n_masked,
            "corrections": list(self.corrections),
            "warnings": list(self.warnings),
        }

    def __str__(self) -> str:
        val = f"{self.C:.5f} ± {self.C_err:.2g}"
        if self.C_err_sys > 0:
            val += f" (stat.), ± {self.C_err_sys:.2g} (syst.)"
        size = (
            f"{self.pixel_size[0]:.4g} x {self.pixel_size[1]:.4g} um"
            if self.length_unit != "px"
            else "uncalibrated: pixel units"
        )
        return (
            f"{self.pair}, {self.shape[0]} x {self.shape[1]} px ({size}): C (summed counts) = {val}"
        )


def _raw(fds: xr.Dataset) -> tuple[float, float]:
    na, nb = fds["n_a"].values, fds["n_b"].values
    ok = np.isfinite(na) & np.isfinite(nb)
    sa, sb = float(na[ok].sum(dtype=np.float64)), float(nb[ok].sum(dtype=np.float64))
    n = sa + sb
    if not n > 0:
        return float("nan"), float("nan")
    c = sa / n
    if "var_a" in fds and "var_b" in fds:
        va = float(fds["var_a"].values[ok].sum(dtype=np.float64))
        vb = float(fds["var_b"].values[ok].sum(dtype=np.float64))
        return c, float(np.sqrt(sb * sb * va + sa * sa * vb) / n**2)
    return c, float(np.sqrt(c * (1 - c) / n))


def field_fraction(fds: xr.Dataset, *, warnings: tuple[str, ...] = ()) -> FieldFraction:
    """The whole-field fraction of the fraction dataset ``fds`` (made by ``fraction_map``).

    ``warnings`` (e.g. caught while the map was made) are added to the map's own ones.
    """
    whole = region_stats(fds, label="whole field")
    c = np.asarray(fds["C"].values, dtype=np.float64)
    mean = float(np.nanmean(c)) if np.isfinite(c).any() else None
    own = list(json.loads(str(fds.attrs.get("warnings", "[]"))))
    raw, raw_err = _raw(fds)
    unit = "px" if int(fds.attrs.get("pixel_units", 0)) == 1 else "um"
    return FieldFraction(
        pair=str(fds.attrs["pair"]),
        shape=(int(fds.sizes["y"]), int(fds.sizes["x"])),
        pixel_size=(float(fds.attrs["pixel_size_x_um"]), float(fds.attrs["pixel_size_y_um"])),
        length_unit=unit,
        C=whole.C,
        C_err=whole.C_err,
        C_err_sys=whole.C_err_sys,
        C_raw=raw,
        C_raw_err=raw_err,
        normalised=whole.normalised,
        systematic_errors=str(fds.attrs.get("systematic_errors", "separate")),
        C_mean_pixel=mean,
        n_pixels=whole.n_pixels,
        n_saturated=int(fds.attrs.get("n_saturated", 0)),
        n_masked=int(fds.attrs.get("n_masked", 0)),
        corrections=tuple(json.loads(str(fds.attrs.get("corrections", "[]")))),
        warnings=tuple(dict.fromkeys([*own, *(w for w in warnings if w)])),
    )

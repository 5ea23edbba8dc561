"""The summary of a line profile that ``tracerdiff profile`` prints and a study's
``line_profile`` analysis reports (one function for both)."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from ..quantities import quantity

__all__ = ["profile_summary"]


def profile_summary(prof: xr.Dataset) -> dict[str, Any]:
    """JSON-plain summary and arrays of a profile dataset (from :func:`line_profile`)."""
    empty = int(np.count_nonzero(~np.isfinite(prof["C"].values)))
    return {
        "pair": prof.attrs["pair"],
        "start_um": list(prof.attrs["start_um"]),
        "end_um": list(prof.attrs["end_um"]),
        "width": quantity(prof.attrs["width_um"], None, "um"),
        "pitch": quantity(prof.attrs["pitch_um"], None, "um"),
        "n_points": int(prof.sizes["x_um"]),
        "n_empty": empty,
        "normalised": int(prof.attrs.get("normalised", 0)) == 1,
        "x_um": prof["x_um"].values,
        "C": prof["C"].values,
        "C_err": prof["C_err"].values,
        "C_err_sys": prof["C_err_sys"].values if "C_err_sys" in prof else None,
        "systematic_errors": str(prof.attrs.get("systematic_errors", "separate")),
        "n_pixels": prof["n_pixels"].values,
    }

"""Fractions from SUMMED counts (regions, profiles), with the map's own corrections re-applied.

Counts are summed first and the ratio taken after (science.md sections 2 and 9). IMF is already
in the counts of a fraction dataset; the alpha stderr and the background/source normalisation
recorded in its attrs are applied to the ratio of the sums here.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import numpy.typing as npt
import xarray as xr

from ..errors import InputError
from .corrections import normalise_fraction, parse_pair
from .kernels import isotope_fraction

__all__ = ["as_fraction_dataset", "fraction_from_sums"]


def as_fraction_dataset(data: xr.Dataset, *, pair: str | None = None, **options: Any) -> xr.Dataset:
    """``data`` if it is a fraction dataset (``n_a``/``n_b``), else ``fraction_map(data)``."""
    if "n_a" in data.data_vars and "n_b" in data.data_vars:
        have = str(data.attrs.get("pair", ""))
        if pair is not None and have and parse_pair(pair).label != have:
            raise InputError(f"the fraction map is for pair {have}, not {pair}")
        if options:
            raise InputError(
                f"options {sorted(options)} apply to count images, not to a fraction map"
            )
        return data
    from .fraction_map import fraction_map

    return fraction_map(data, pair=pair or "6Li/7Li", **options)


def _imf_alpha(attrs: dict[str, Any]) -> tuple[float, float]:
    try:
        recs = json.loads(str(attrs.get("corrections", "[]")))
    except json.JSONDecodeError:
        return 1.0, 0.0
    for r in recs:
        if isinstance(r, dict) and r.get("name") == "imf" and r.get("applied"):
            return float(r.get("alpha", 1.0)), float(r.get("alpha_stderr", 0.0))
    return 1.0, 0.0


def fraction_from_sums(
    n_a: npt.ArrayLike,
    n_b: npt.ArrayLike,
    var_a: npt.ArrayLike | None,
    var_b: npt.ArrayLike | None,
    attrs: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray]:
    """C and C_err (float64) of summed counts, with the alpha error and normalisation in ``attrs``.

    Internal helper shared by regions and profiles; sums below one count give NaN.
    """
    fr = isotope_fraction(
        np.asarray(n_a, dtype=np.float64),
        np.asarray(n_b, dtype=np.float64),
        var_a=var_a,
        var_b=var_b,
        dtype=np.float64,
        min_counts=1.0,
    )
    C, err = fr.C, fr.C_err
    alpha, ea = _imf_alpha(attrs)
    if ea > 0:
        err = np.sqrt(err**2 + (C * (1.0 - C) * ea / alpha) ** 2)
    if int(attrs.get("normalised", 0)) == 1:
        out = normalise_fraction(
            C,
            err,
            background=(float(attrs["background_C"]), float(attrs.get("background_C_stderr", 0.0))),
            source=(float(attrs["source_C"]), float(attrs.get("source_C_stderr", 0.0))),
        )
        assert out.C_err is not None
        C, err = out.C, out.C_err
    return C, err

"""Fractions from SUMMED counts (regions, profiles), with the map's own corrections re-applied.

Counts are summed first and the ratio taken after (science.md sections 2 and 9). IMF is already
in the counts of a fraction dataset; the alpha stderr and the background/source normalisation
recorded in its attrs are applied to the ratio of the sums here. Errors shared by all pixels
(alpha, C_bg, C_s) are returned apart, as the systematic error ``C_err_sys``.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import numpy.typing as npt
import xarray as xr

from ..errors import InputError
from .corrections import normalise_parts, parse_pair
from .kernels import isotope_fraction

__all__ = ["as_fraction_dataset", "fraction_from_sums", "shared_corrections"]


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

    return fraction_map(data, options.pop("options", None), pair=pair or "6Li/7Li", **options)


def _imf_alpha(attrs: dict[str, Any]) -> tuple[float, float]:
    try:
        recs = json.loads(str(attrs.get("corrections", "[]")))
    except json.JSONDecodeError:
        return 1.0, 0.0
    for r in recs:
        if isinstance(r, dict) and r.get("name") == "imf" and r.get("applied"):
            return float(r.get("alpha", 1.0)), float(r.get("alpha_stderr", 0.0))
    return 1.0, 0.0


def shared_corrections(
    C: np.ndarray,
    C_err: np.ndarray,
    *,
    alpha: float,
    alpha_err: float,
    norm: dict[str, Any] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(C, statistical error, systematic error) after the corrections common to all pixels.

    The IMF alpha stderr (``dC/dalpha = -C (1 - C) / alpha``) and the C_bg / C_s stderr of the
    normalisation ``norm`` (parameters ``background[_stderr]``, ``source[_stderr]``) are shared
    by every pixel (fully correlated), so they form the systematic error, kept apart from the
    counting error ``C_err``. Results in the precision of ``C`` (float32 or float64).
    """
    c = np.asarray(C)
    c = c.astype(np.result_type(c.dtype, np.float32), copy=False)
    stat = np.asarray(C_err, dtype=c.dtype)
    sys = np.abs(c * (1 - c)) * c.dtype.type(alpha_err / alpha)
    if norm is None:
        return c, stat, sys
    bg = (float(norm["background"]), float(norm.get("background_stderr", 0.0)))
    src = (float(norm["source"]), float(norm.get("source_stderr", 0.0)))
    cn, stat, sys, _ = normalise_parts(c, stat, sys, background=bg, source=src)
    return cn, stat, sys


def fraction_from_sums(
    n_a: npt.ArrayLike,
    n_b: npt.ArrayLike,
    var_a: npt.ArrayLike | None,
    var_b: npt.ArrayLike | None,
    attrs: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(C, C_err, C_err_sys) (float64) of summed counts, the map's shared corrections re-applied.

    Internal helper shared by regions and profiles; sums below one count give NaN. ``C_err``
    includes the systematic part when the map was made with ``systematic="combined"``.
    """
    fr = isotope_fraction(
        np.asarray(n_a, dtype=np.float64),
        np.asarray(n_b, dtype=np.float64),
        var_a=var_a,
        var_b=var_b,
        dtype=np.float64,
        min_counts=1.0,
    )
    alpha, ea = _imf_alpha(attrs)
    norm = None
    if int(attrs.get("normalised", 0)) == 1:
        norm = {
            "background": attrs["background_C"],
            "background_stderr": attrs.get("background_C_stderr", 0.0),
            "source": attrs["source_C"],
            "source_stderr": attrs.get("source_C_stderr", 0.0),
        }
    C, err, sys = shared_corrections(fr.C, fr.C_err, alpha=alpha, alpha_err=ea, norm=norm)
    if attrs.get("systematic_errors") == "combined":
        err = np.sqrt(err**2 + sys**2)
    return C, err, sys

"""Isotope pairs, instrumental mass fractionation and background/source normalisation.

All fractions are dimensionless. Section 2 of science.md:

- IMF: ``R = I_a / I_b``, ``alpha = R_meas,std / R_true,std``, ``R_corr = R_meas / alpha``. The
  correction is applied to the counts (``n_b -> alpha n_b``, ``var_b -> alpha^2 var_b``), which
  is the same as correcting R and commutes with summing counts over regions and profiles.
- Normalisation: ``C' = (C - C_bg) / (C_s - C_bg)`` with first-order propagation of the errors of
  C, C_bg and C_s. The last two (and the alpha error) are common to every pixel, fully correlated
  between pixels: :func:`normalise_parts` keeps them apart as a systematic error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from ..results import ResultMixin

__all__ = [
    "NATURAL_FRACTION",
    "CorrectedFraction",
    "IsotopePair",
    "imf_alpha",
    "imf_fraction",
    "normalise_fraction",
    "normalise_parts",
    "parse_pair",
    "value_and_error",
]

#: natural fraction C = a/(a+b) of common tracer pairs (IUPAC abundances)
NATURAL_FRACTION: dict[str, float] = {
    "6Li/7Li": 0.0759,
    "18O/16O": 0.00205 / (0.00205 + 0.99757),
    "17O/16O": 0.00038 / (0.00038 + 0.99757),
    "2H/1H": 0.000115,
    "13C/12C": 0.0107,
    "15N/14N": 0.00364,
}

_SPECIES = re.compile(r"^\^?(\d+)([A-Z][a-z]?(?:\d*[A-Z][a-z]?)*\d*)[+-]?$")


@dataclass(frozen=True)
class IsotopePair:
    """The tracer isotope ``a`` and the reference isotope ``b`` of ``C = a / (a + b)``."""

    a: str
    b: str

    @property
    def label(self) -> str:
        """``"a/b"``, e.g. ``"6Li/7Li"``."""
        return f"{self.a}/{self.b}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain form."""
        return {"a": self.a, "b": self.b, "label": self.label}


@dataclass(frozen=True)
class CorrectedFraction(ResultMixin):
    """A corrected fraction (dimensionless) with its standard error (``None`` when not known)."""

    C: np.ndarray
    C_err: np.ndarray | None
    method: str
    parameters: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The correction record plus the mean corrected fraction."""
        c = np.asarray(self.C, dtype=float)
        return {
            "method": self.method,
            **self.parameters,
            "C_mean": float(np.nanmean(c)) if np.isfinite(c).any() else None,
        }


def _clean_species(s: str) -> str:
    t = s.strip()
    m = _SPECIES.match(t)
    if not m:
        raise InputError(f"cannot read isotope {s!r}; expected a label such as '6Li' or '18O'")
    return f"{m.group(1)}{m.group(2)}"


def parse_pair(pair: str | tuple[str, str] | IsotopePair) -> IsotopePair:
    """Parse ``"6Li/7Li"`` (or a 2-tuple) into an :class:`IsotopePair`; ``^6Li+`` style accepted."""
    if isinstance(pair, IsotopePair):
        return pair
    if isinstance(pair, str):
        parts = pair.split("/")
        if len(parts) != 2:
            raise InputError(f"pair must look like '6Li/7Li' (tracer/reference), got {pair!r}")
    else:
        parts = list(pair)
        if len(parts) != 2:
            raise InputError(f"pair must have two isotopes, got {pair!r}")
    a, b = (_clean_species(p) for p in parts)
    if a == b:
        raise InputError(f"pair needs two different isotopes, got {a!r} twice")
    return IsotopePair(a, b)


def value_and_error(x: float | tuple[float, float] | None, *, name: str) -> tuple[float, float]:
    """Split ``v`` or ``(v, stderr)`` into two floats (stderr 0 when not given)."""
    if x is None:
        raise InputError(f"{name}: no value given")
    if isinstance(x, (tuple, list)):
        if len(x) != 2:
            raise InputError(f"{name}: expected a value or (value, stderr), got {x!r}")
        v, e = float(x[0]), float(x[1])
    else:
        v, e = float(x), 0.0
    if not (np.isfinite(v) and np.isfinite(e) and e >= 0):
        raise InputError(f"{name}: expected a finite value and stderr >= 0, got {x!r}")
    return v, e


def imf_alpha(r_measured_std: float, r_true_std: float) -> float:
    """Instrumental mass fractionation factor ``alpha = R_meas,std / R_true,std`` (a/b ratios)."""
    rm, rt = float(r_measured_std), float(r_true_std)
    if not (rm > 0 and rt > 0 and np.isfinite(rm) and np.isfinite(rt)):
        raise InputError(f"IMF needs positive finite standard ratios, got {rm!r} and {rt!r}")
    return rm / rt


def imf_fraction(
    C: npt.ArrayLike, *, alpha: float | tuple[float, float], C_err: npt.ArrayLike | None = None
) -> CorrectedFraction:
    """IMF-corrected fraction from a measured one: ``C' = C / (C + alpha (1 - C))``.

    The error includes the alpha stderr when alpha is given as ``(alpha, err)``.
    """
    a, ea = value_and_error(alpha, name="imf_alpha")
    if a <= 0:
        raise InputError(f"imf_alpha must be > 0, got {a}")
    c = np.asarray(C, dtype=np.float64)
    den = c + a * (1.0 - c)
    out = c / den
    params = {"alpha": a, "alpha_stderr": ea}
    if C_err is None and ea == 0:
        return CorrectedFraction(out, None, "imf", params)
    dc = a / den**2
    dal = -c * (1.0 - c) / den**2
    ce = np.zeros_like(c) if C_err is None else np.asarray(C_err, dtype=np.float64)
    return CorrectedFraction(out, np.sqrt((dc * ce) ** 2 + (dal * ea) ** 2), "imf", params)


def normalise_parts(
    C: npt.ArrayLike,
    C_err: npt.ArrayLike | None,
    C_err_sys: npt.ArrayLike | None,
    *,
    background: float | tuple[float, float],
    source: float | tuple[float, float],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
    """``C' = (C - C_bg) / (C_s - C_bg)`` with its statistical and systematic errors kept apart.

    ``C_err`` is the per-pixel (counting) error of C, ``C_err_sys`` an error shared by all pixels
    (e.g. from the IMF alpha); the errors of ``C_bg`` and ``C_s`` are shared too, so they go into
    the systematic part. Partial derivatives: dC'/dC = 1/D, dC'/dC_s = -C'/D,
    dC'/dC_bg = (C' - 1)/D with D = C_s - C_bg. Returns (C', stat, sys, parameters) in the
    precision of ``C`` (float32 stays float32, anything else float64).
    """
    cb, eb = value_and_error(background, name="background")
    cs, es = value_and_error(source, name="source")
    d = cs - cb
    if not abs(d) > 1e-12:
        raise InputError(f"source fraction ({cs}) must differ from the background ({cb})")
    c = np.asarray(C)
    c = c.astype(np.result_type(c.dtype, np.float32), copy=False)  # float32 maps stay float32
    dt = c.dtype
    cn = (c - dt.type(cb)) / dt.type(d)
    params = {"background": cb, "background_stderr": eb, "source": cs, "source_stderr": es}
    stat = np.zeros_like(c) if C_err is None else np.abs(np.asarray(C_err, dtype=dt) / dt.type(d))
    s0 = np.zeros_like(c) if C_err_sys is None else np.asarray(C_err_sys, dtype=dt) / dt.type(d)
    sys = np.sqrt(s0**2 + (cn * dt.type(es / d)) ** 2 + ((cn - 1) * dt.type(eb / d)) ** 2)
    return cn, stat, sys, params


def normalise_fraction(
    C: npt.ArrayLike,
    C_err: npt.ArrayLike | None = None,
    *,
    background: float | tuple[float, float],
    source: float | tuple[float, float],
    dtype: npt.DTypeLike = np.float64,
) -> CorrectedFraction:
    """``C' = (C - C_bg) / (C_s - C_bg)`` and its first-order standard error (all parts combined).

    ``background`` and ``source`` are fractions or ``(fraction, stderr)``. The returned error
    combines the error of C with those of C_bg and C_s (common to every pixel); use
    :func:`normalise_parts` to keep the shared (systematic) part separate. The error is ``None``
    when neither C_err nor the reference errors are given.
    """
    cn, stat, sys, params = normalise_parts(C, C_err, None, background=background, source=source)
    if C_err is None and params["background_stderr"] == 0 and params["source_stderr"] == 0:
        return CorrectedFraction(cn.astype(dtype, copy=False), None, "normalise", params)
    err = np.sqrt(stat**2 + sys**2)
    return CorrectedFraction(
        cn.astype(dtype, copy=False), err.astype(dtype, copy=False), "normalise", params
    )

"""Spectra at several temperatures: each analysed alike, then an Arrhenius fit of each
conductivity and, given the tracer's Arrhenius fit, the Haven ratios.

With the carrier density the fits are of D_sigma (cm^2/s; the same Ea as sigma T), without it
of sigma T (S K/cm).  Fits use :func:`tracerdiff.models.fit_arrhenius` (weights from the
propagated errors, excess scatter by random effects) and the Haven ratio
:func:`tracerdiff.models.haven_from_arrhenius`, as the ``arrhenius`` and ``haven`` commands do.
The GB Haven ratio compares the tracer's (l/delta) D*_gb = l k with (l/delta) D_sigma,gb from
the apparent GB conductivity.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError
from ..results import ResultMixin
from .analysis import ImpedanceOptions, ImpedanceResult, analyze_spectrum
from .spectrum import Spectrum

__all__ = ["ImpedanceSeries", "analyze_series", "haven_ratios"]

#: conductivities fitted over temperature: quantity key -> D_sigma key
ARRHENIUS_KEYS = {
    "sigma_bulk": "D_sigma_bulk",
    "sigma_gb_apparent": "D_sigma_gb_apparent",
    "sigma_gb_specific": "D_sigma_gb_specific",
    "sigma_total": "D_sigma_total",
}


@dataclass(frozen=True)
class ImpedanceSeries(ResultMixin):
    """Results per spectrum and the Arrhenius fit of each conductivity (key -> fit)."""

    results: tuple[ImpedanceResult, ...]
    arrhenius: dict[str, Any]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON keys: spectra (one object per spectrum), arrhenius (key -> fit), notes."""
        return {
            "spectra": [r.to_dict() for r in self.results],
            "arrhenius": {k: v.to_dict() for k, v in self.arrhenius.items()},
            "notes": list(self.notes),
        }

    def __str__(self) -> str:
        from .text import format_value

        lines = [str(r) for r in self.results]
        for key, fit in self.arrhenius.items():
            lines.append(
                f"Arrhenius {key}: Ea {format_value(fit.ea_eV, fit.ea_err, 'eV')}, "
                f"D0 {format_value(fit.d0, fit.d0 * fit.ln_d0_err, fit.unit)}"
            )
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def _arrhenius(
    results: Sequence[ImpedanceResult],
    key: str,
    d_key: str,
) -> tuple[Any | None, str | None]:
    from ..models import fit_arrhenius

    ok = [
        r for r in results if r.success and r.temperature_K is not None and key in r.derived.values
    ]
    if len({r.temperature_K for r in ok}) < 2:
        return None, None
    use_d = all(d_key in r.derived.values for r in ok)
    vals = [r.derived.values[d_key if use_d else key] for r in ok]
    determined = [x[1] is not None and np.isfinite(x[1]) and x[1] > 0 for x in vals]
    notes = []
    if any(determined) and not all(determined):
        # a value the fit could not determine has no weight: it is left out, never fitted unweighted
        left = [
            f"{float(r.temperature_K):.1f} K"
            for r, d in zip(ok, determined, strict=True)
            if not d and r.temperature_K is not None
        ]
        notes.append(
            f"{key}: left out of the Arrhenius fit where the spectrum did not determine it"
            f" ({', '.join(left)})"
        )
        ok = [r for r, d in zip(ok, determined, strict=True) if d]
        vals = [x for x, d in zip(vals, determined, strict=True) if d]
        if len({r.temperature_K for r in ok}) < 2:
            return None, notes[0]
    t = np.array([float(r.temperature_K) for r in ok if r.temperature_K is not None])
    v = np.array([x[0] for x in vals])
    e = None if any(x[1] is None for x in vals) else np.array([x[1] for x in vals], dtype=float)
    if use_d:
        return fit_arrhenius(t, v, e, label=d_key), "; ".join(notes) or None
    notes.append(f"{key}: no carrier density, sigma T fitted (S K/cm)")
    return (
        fit_arrhenius(t, v * t, None if e is None else e * t, unit="S K/cm", label=f"{key} T"),
        "; ".join(notes),
    )


def analyze_series(
    spectra: Sequence[Spectrum],
    options: ImpedanceOptions | None = None,
    temperatures_K: Sequence[float] | None = None,
) -> ImpedanceSeries:
    """Analyse each spectrum (temperature from ``temperatures_K``, else the spectrum's own)
    and fit each conductivity over temperature when two or more temperatures are known."""
    opts = options or ImpedanceOptions()
    if temperatures_K is not None and len(temperatures_K) != len(spectra):
        raise InputError(
            f"{len(temperatures_K)} temperatures for {len(spectra)} spectra; give one per spectrum"
        )
    results = []
    for i, s in enumerate(spectra):
        t = temperatures_K[i] if temperatures_K is not None else s.temperature_K
        o = dataclasses.replace(opts, temperature_K=t)
        results.append(analyze_spectrum(s, o))
    fits: dict[str, Any] = {}
    notes: list[str] = []
    for key, d_key in ARRHENIUS_KEYS.items():
        fit, note = _arrhenius(results, key, d_key)
        if fit is not None:
            fits[key] = fit
        if note:
            notes.append(note)
    if len(spectra) > 1 and not fits:
        notes.append("no Arrhenius fit: needs two or more temperatures and the geometry")
    return ImpedanceSeries(tuple(results), fits, tuple(notes))


def haven_ratios(
    series: ImpedanceSeries, tracer: Any, *, gb_tracer: Any | None = None, shared_ea: bool = False
) -> dict[str, Any]:
    """Haven ratios H_R = D*/D_sigma from Arrhenius fits: bulk (``tracer`` against
    D_sigma_bulk) and, with ``gb_tracer`` (the tracer's l k), the GB ratio against
    (l/delta) D_sigma,gb.  Needs the carrier density (fits of D_sigma)."""
    from ..models import haven_from_arrhenius

    out: dict[str, Any] = {}
    pairs = (("bulk", tracer, "sigma_bulk"), ("gb", gb_tracer, "sigma_gb_apparent"))
    for name, tr, key in pairs:
        co = series.arrhenius.get(key)
        if tr is None or co is None:
            continue
        if co.unit != "cm^2/s":
            raise InputError("Haven ratios need D_sigma: give the carrier density")
        out[name] = haven_from_arrhenius(tr, co, shared_ea=shared_ea)
    return out

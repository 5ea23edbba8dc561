"""Human-readable text of impedance results: the few numbers that matter, with errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .analysis import ImpedanceResult

__all__ = ["format_value", "result_text"]

_LABELS = {
    "R_bulk": "R bulk",
    "R_gb": "R grain boundary",
    "C_bulk": "C bulk",
    "C_gb": "C grain boundary",
    "sigma_bulk": "sigma bulk",
    "sigma_gb_apparent": "sigma GB apparent",
    "sigma_gb_specific": "sigma GB specific",
    "sigma_total": "sigma total",
    "D_sigma_bulk": "D_sigma bulk",
    "D_sigma_gb_apparent": "(l/delta) D_sigma GB",
    "D_sigma_gb_specific": "D_sigma GB specific",
    "D_sigma_total": "D_sigma total",
}


def format_value(value: float, stderr: float | None, unit: str) -> str:
    """``1.23e-3 ± 4.5e-5 S/cm`` (relative error in per cent when it is meaningful)."""
    s = f"{value:.4g}"
    if stderr is not None:
        s += f" ± {stderr:.2g}"
        if value != 0:
            s += f" ({abs(stderr / value):.1%})"
    return f"{s} {unit}".strip()


def result_text(r: ImpedanceResult) -> str:
    """A short report of one spectrum's analysis."""
    t = "" if r.temperature_K is None else f" at {r.temperature_K:.2f} K"
    lines = [
        f"{r.spectrum.source or 'spectrum'}{t}: {r.spectrum.n_points} points, "
        f"{r.spectrum.frequency_Hz.min():.4g}-{r.spectrum.frequency_Hz.max():.4g} Hz",
        f"  circuit {r.fit.circuit}: {r.status} (chi2_red {r.fit.chi2_red:.3g}, "
        f"{r.fit.weighting} weighting)",
        f"  Kramers-Kronig (lin-KK): residual {r.kk.residual_rms:.2%} RMS, "
        f"{'consistent' if r.kk.consistent else 'NOT consistent'}",
    ]
    if r.success:
        for key, label in _LABELS.items():
            if key in r.derived.values:
                lines.append(f"  {label}: {format_value(*r.derived.values[key])}")
    lines += [f"  note: {n}" for n in r.notes]
    return "\n".join(lines)

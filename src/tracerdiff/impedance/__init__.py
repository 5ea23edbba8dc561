"""Impedance spectra to bulk, grain-boundary and total conductivity (science.md section 11).

Units: frequency in Hz, impedance in ohm, capacitance in F, conductivity in S/cm, lengths in
cm, areas in cm^2, temperature in K, D in cm^2/s.
"""

from __future__ import annotations

from .._lazy import attach

#: public name -> submodule that defines it (imported on first use)
_LAZY: dict[str, str] = {
    "Assignment": "assign",
    "Circuit": "circuits",
    "CircuitFit": "result",
    "Geometry": "derived",
    "ImpedanceOptions": "analysis",
    "ImpedanceResult": "analysis",
    "ImpedanceSeries": "series",
    "KKResult": "kk",
    "Spectrum": "spectrum",
    "analyze_series": "series",
    "analyze_spectrum": "analysis",
    "assign_arcs": "assign",
    "brug_capacitance": "capacitance",
    "default_circuit": "circuits",
    "derive_quantities": "derived",
    "find_arcs": "guess",
    "haven_ratios": "series",
    "fit_circuit": "fitting",
    "initial_guesses": "guess",
    "lin_kk": "kk",
    "make_spectrum": "spectrum",
    "parse_circuit": "circuits",
    "plot_bode": "plot",
    "plot_impedance": "plot",
    "plot_nyquist": "plot",
    "plot_residuals": "plot",
    "read_spectra": "readers",
    "read_spectrum": "readers",
}

__getattr__, __dir__ = attach(
    __name__, _LAZY, aliases={"analyze_impedance_series": "analyze_series"}
)

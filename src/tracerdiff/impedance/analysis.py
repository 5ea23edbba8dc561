"""The analysis of one impedance spectrum: fit, KK check, arcs, conductivities, D_sigma.

:func:`analyze_spectrum` is the one function every front end calls (the ``impedance fit``
command, :func:`~tracerdiff.impedance.series.analyze_series`), with the same
:class:`ImpedanceOptions`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..quantities import quantity
from ..results import ResultMixin
from .assign import Assignment, assign_arcs
from .circuits import Circuit, default_circuit, parse_circuit
from .derived import Derived, Geometry, derive_quantities
from .fitting import fit_circuit
from .kk import KKResult, lin_kk
from .result import CircuitFit
from .spectrum import Spectrum

__all__ = ["ImpedanceOptions", "ImpedanceResult", "analyze_spectrum"]

#: top-level JSON keys of derived quantities, in output order
QUANTITY_KEYS = (
    "R_bulk",
    "R_gb",
    "C_bulk",
    "C_gb",
    "sigma_bulk",
    "sigma_gb_apparent",
    "sigma_gb_specific",
    "sigma_total",
    "D_sigma_bulk",
    "D_sigma_gb_apparent",
    "D_sigma_gb_specific",
    "D_sigma_total",
)


@dataclass(frozen=True)
class ImpedanceOptions:
    """Options of :func:`analyze_spectrum` (units in the names; None: not given)."""

    circuit: str | None = None
    arcs: int = 2
    electrode: bool = True
    series_r: bool = False
    inductance: bool = False
    weighting: str = "modulus"
    geometry: Geometry | None = None
    temperature_K: float | None = None
    density_cm3: float | None = None
    charge: int = 1
    delta_nm: float | None = None
    grain_size_um: float | None = None
    roles: dict[str, str] | None = None
    kk_tolerance: float = 0.02

    def build_circuit(self) -> Circuit:
        if self.circuit:
            return parse_circuit(self.circuit)
        return default_circuit(
            arcs=self.arcs,
            electrode=self.electrode,
            series_r=self.series_r,
            inductance=self.inductance,
        )


@dataclass(frozen=True)
class ImpedanceResult(ResultMixin):
    """Everything one spectrum gives: the fit, the KK check, arcs and derived quantities."""

    spectrum: Spectrum
    fit: CircuitFit
    kk: KKResult
    assignment: Assignment
    derived: Derived
    temperature_K: float | None
    geometry: Geometry | None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def success(self) -> bool:
        return self.fit.success

    @property
    def status(self) -> str:
        """``ok``, ``at_bound`` (a parameter at a bound), ``unconstrained`` (a parameter the
        data do not determine), ``kk_inconsistent`` or ``failed``."""
        if not self.fit.success:
            return "failed"
        if any("at its bound" in n for n in self.fit.notes):
            return "at_bound"
        if any("not determined" in n for n in self.fit.notes):
            return "unconstrained"
        return "ok" if self.kk.consistent else "kk_inconsistent"

    def value(self, key: str) -> tuple[float, float | None]:
        """(value, stderr) of a derived quantity such as ``sigma_bulk``; KeyError if absent."""
        v, e, _ = self.derived.values[key]
        return v, e

    def _quantities(self) -> dict[str, Any]:
        if not self.fit.success:
            return {}
        vals = self.derived.values
        return {k: quantity(*vals[k]) for k in QUANTITY_KEYS if k in vals}

    def to_dict(self) -> dict[str, Any]:
        """JSON keys: see docs/impedance.md ('JSON output')."""
        d: dict[str, Any] = {
            "source": self.spectrum.source,
            "status": self.status,
            "success": self.success,
            "message": self.fit.message,
        }
        d["temperature"] = (
            None if self.temperature_K is None else quantity(self.temperature_K, None, "K")
        )
        d.update(self._quantities())
        d["chi2_red"] = quantity(self.fit.chi2_red, None, "")
        d["kk_residual"] = quantity(
            self.kk.residual_rms, None, "", note="RMS relative lin-KK residual"
        )
        extra = {
            k: quantity(*v)
            for k, v in self.derived.values.items()
            if k not in QUANTITY_KEYS and self.fit.success
        }
        d["details"] = extra
        d["arcs"] = [
            {
                "R_element": a.r_name,
                "C_element": a.c_name,
                "C": quantity(a.capacitance_F, a.capacitance_err, "F"),
                "C_per_cell": quantity(a.c_per_cell_F_cm, None, "F/cm"),
                "f_apex": quantity(a.f_apex_Hz, None, "Hz"),
            }
            for a in self.assignment.arcs
        ]
        d["assignment"] = {"bulk": self.assignment.bulk_r, "gb": self.assignment.gb_r}
        d["geometry"] = (
            None
            if self.geometry is None
            else {
                "thickness": quantity(
                    self.geometry.thickness_cm, self.geometry.thickness_err_cm, "cm"
                ),
                "area": quantity(self.geometry.area_cm2, self.geometry.area_err_cm2, "cm^2"),
            }
        )
        d["error_method"] = self.derived.method
        d["fit"] = self.fit.to_dict()
        d["kk"] = self.kk.to_dict()
        d["spectrum"] = self.spectrum.to_dict()
        d["notes"] = list(self.notes)
        return d

    def __str__(self) -> str:
        from .text import result_text

        return result_text(self)


def analyze_spectrum(
    spectrum: Spectrum,
    options: ImpedanceOptions | None = None,
) -> ImpedanceResult:
    """Fit, KK-check and derive the conductivities of one spectrum."""
    opts = options or ImpedanceOptions()
    t = opts.temperature_K if opts.temperature_K is not None else spectrum.temperature_K
    fit = fit_circuit(spectrum, opts.build_circuit(), weighting=opts.weighting)
    kk = lin_kk(spectrum, tolerance=opts.kk_tolerance)
    cell = None if opts.geometry is None else opts.geometry.cell_constant_per_cm
    assignment = assign_arcs(fit, cell, opts.roles)
    derived = derive_quantities(
        fit,
        assignment,
        geometry=opts.geometry,
        temperature_K=t,
        density_cm3=opts.density_cm3,
        charge=opts.charge,
        delta_nm=opts.delta_nm,
        grain_size_um=opts.grain_size_um,
    )
    notes = [*spectrum.notes, *fit.notes, *kk.notes, *assignment.notes, *derived.notes]
    if not fit.success:
        notes.insert(0, f"the fit failed ({fit.message}): no derived quantities reported")
    return ImpedanceResult(spectrum, fit, kk, assignment, derived, t, opts.geometry, tuple(notes))

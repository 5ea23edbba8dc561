"""Impedance spectra of a simulated polycrystalline pellet, consistent with its tracer truths.

The conductivities follow from the material's transport laws through Nernst-Einstein with
Haven ratios (science.md sections 6, 11): D_sigma,bulk = D_b / H_bulk and, for the grain
boundaries, (l/delta) D_sigma,gb = l k / H_gb, so sigma = D_sigma n e^2 / (k_B T).  The pellet
(thickness d, electrode area A) then has R_bulk = d / (A sigma_bulk) and
R_gb = d / (A sigma_gb,apparent); the bulk capacitance is geometric (eps_0 eps_r A / d) and the
grain-boundary one that of the brick layer with the same permittivity, C_gb = C_bulk l / delta,
so that C_bulk / C_gb = delta / l.  Each arc is R||CPE with its Q chosen so that its effective
(Brug) capacitance (Q R^(1-n))^(1/n) is that C; a blocking-electrode CPE closes the circuit:

    Z = R_b / (1 + R_b Q_b (j w)^n_b) + R_gb / (1 + R_gb Q_gb (j w)^n_gb) + 1 / (Q_el (j w)^n_el)

Noise: Gaussian, ``noise`` x |Z| on the real and on the imaginary part of each point (0.3 %
by default, of the order of an impedance analyser's accuracy).
Units: frequency Hz, ohm, F, cm, cm^2, K, S/cm, cm^2/s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import InputError
from ..outputs import atomic_write_text
from ..quantities import quantity
from ..units import E_CHARGE_C, K_B_J
from .materials import MaterialLaw

__all__ = [
    "DEMO_SPECTRA_TEMPERATURES_C",
    "Pellet",
    "pellet_truth",
    "pellet_z",
    "simulate_spectrum",
    "spectrum_csv",
    "write_demo_spectra",
]

EPS0_F_PER_CM = 8.8541878128e-14  #: vacuum permittivity, F/cm
#: the demo's spectra: the temperatures of its conductivity tables (-20 to 120 C)
DEMO_SPECTRA_TEMPERATURES_C = tuple(float(t) for t in range(-20, 121, 20))


@dataclass(frozen=True)
class Pellet:
    """The measured cell and the assumptions of the simulation (units in the names).

    ``eps_r`` (bulk and GB permittivity, equal in the brick layer) and the CPE exponents are
    assumptions, not numbers of the study.  The frequency grid is a 32 MHz impedance analyser's
    upper range down to 0.1 Hz, ``points_per_decade`` log-spaced, from high to low.
    """

    thickness_cm: float = 0.1
    area_cm2: float = 0.2
    eps_r: float = 30.0
    n_bulk: float = 0.95
    n_gb: float = 0.85
    q_electrode: float = 5.0e-6
    n_electrode: float = 0.85
    f_max_Hz: float = 3.2e7
    f_min_Hz: float = 0.1
    points_per_decade: int = 10
    noise: float = 0.003

    def __post_init__(self) -> None:
        for name in ("thickness_cm", "area_cm2", "eps_r", "q_electrode", "f_min_Hz"):
            v = float(getattr(self, name))
            if not (math.isfinite(v) and v > 0):
                raise InputError(f"pellet {name} must be finite and > 0, got {v}")
        if not self.f_max_Hz > self.f_min_Hz:
            raise InputError("pellet f_max_Hz must be above f_min_Hz")
        for name in ("n_bulk", "n_gb", "n_electrode"):
            if not 0.3 <= float(getattr(self, name)) <= 1.0:
                raise InputError(f"pellet {name} must be between 0.3 and 1")
        if not (self.noise >= 0 and self.points_per_decade >= 2):
            raise InputError("pellet noise must be >= 0 and points_per_decade >= 2")

    def frequencies(self) -> NDArray[np.float64]:
        """The frequency grid (Hz), falling."""
        decades = math.log10(self.f_max_Hz / self.f_min_Hz)
        n = round(decades * self.points_per_decade) + 1
        return np.logspace(math.log10(self.f_max_Hz), math.log10(self.f_min_Hz), n)

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain parameters."""
        return {
            "thickness": quantity(self.thickness_cm, None, "cm"),
            "area": quantity(self.area_cm2, None, "cm^2"),
            "eps_r": self.eps_r,
            "n_bulk": self.n_bulk,
            "n_gb": self.n_gb,
            "Q_electrode": quantity(self.q_electrode, None, "F s^(n-1)"),
            "n_electrode": self.n_electrode,
            "frequency_max": quantity(self.f_max_Hz, None, "Hz"),
            "frequency_min": quantity(self.f_min_Hz, None, "Hz"),
            "points_per_decade": self.points_per_decade,
            "noise": self.noise,
            "noise_model": "Gaussian, noise x |Z| on each part",
        }


def pellet_truth(
    mat: MaterialLaw,
    temperature_K: float,
    pellet: Pellet,
    *,
    haven_bulk: float,
    haven_gb: float,
    grain_um: float,
    li_density_cm3: float,
    charge: int = 1,
) -> dict[str, float]:
    """Circuit parameters (``R1``, ``CPE1_Q``, ...) and the true R, C, sigma and D_sigma of
    the pellet at ``temperature_K`` (plain floats in the module's units)."""
    if not (haven_bulk > 0 and haven_gb > 0 and grain_um > 0 and li_density_cm3 > 0):
        raise InputError("Haven ratios, grain size and carrier density must be > 0")
    ne2_kt = li_density_cm3 * (charge * E_CHARGE_C) ** 2 / (K_B_J * temperature_K)
    l_cm, delta_cm = grain_um * 1e-4, mat.delta_nm * 1e-7
    d_b = mat.d_bulk(temperature_K) / haven_bulk
    d_gb = l_cm * mat.k_gb(temperature_K) / haven_gb
    s_b, s_gb = d_b * ne2_kt, d_gb * ne2_kt
    cell = pellet.thickness_cm / pellet.area_cm2
    r_b, r_gb = cell / s_b, cell / s_gb
    c_b = EPS0_F_PER_CM * pellet.eps_r / cell
    c_gb = c_b * l_cm / delta_cm
    s_tot = cell / (r_b + r_gb)
    return {
        "R1": r_b,
        "CPE1_Q": c_b**pellet.n_bulk / r_b ** (1.0 - pellet.n_bulk),
        "CPE1_n": pellet.n_bulk,
        "R2": r_gb,
        "CPE2_Q": c_gb**pellet.n_gb / r_gb ** (1.0 - pellet.n_gb),
        "CPE2_n": pellet.n_gb,
        "CPE3_Q": pellet.q_electrode,
        "CPE3_n": pellet.n_electrode,
        "R_bulk": r_b,
        "R_gb": r_gb,
        "C_bulk": c_b,
        "C_gb": c_gb,
        "sigma_bulk": s_b,
        "sigma_gb_apparent": s_gb,
        "sigma_gb_specific": s_gb * delta_cm / l_cm,
        "sigma_total": s_tot,
        "D_sigma_bulk": d_b,
        "D_sigma_gb_apparent": d_gb,
        "D_sigma_gb_specific": d_gb * delta_cm / l_cm,
        "D_sigma_total": s_tot / ne2_kt,
    }


def pellet_z(
    params: dict[str, float],
    frequency_Hz: NDArray[np.float64],
) -> NDArray[np.complex128]:
    """Z (ohm) of p(R1,CPE1)-p(R2,CPE2)-CPE3 at ``frequency_Hz``, written out."""
    jw = 2j * np.pi * np.asarray(frequency_Hz, dtype=float)

    def arc(r: float, q: float, n: float) -> NDArray[np.complex128]:
        return np.asarray(r / (1.0 + r * q * jw**n), dtype=np.complex128)

    z = (
        arc(params["R1"], params["CPE1_Q"], params["CPE1_n"])
        + arc(params["R2"], params["CPE2_Q"], params["CPE2_n"])
        + 1.0 / (params["CPE3_Q"] * jw ** params["CPE3_n"])
    )
    return np.asarray(z, dtype=np.complex128)


def simulate_spectrum(
    params: dict[str, float],
    pellet: Pellet,
    rng: np.random.Generator | int | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.complex128]]:
    """(frequency Hz, noisy Z ohm) of the pellet with ``params`` (see :func:`pellet_truth`)."""
    gen = np.random.default_rng(rng)
    f = pellet.frequencies()
    z = pellet_z(params, f)
    noise = pellet.noise * np.abs(z) * (gen.normal(size=z.size) + 1j * gen.normal(size=z.size))
    return f, z + noise


def spectrum_csv(
    frequency_Hz: NDArray[np.float64], z_ohm: NDArray[np.complex128], temperature_K: float
) -> str:
    """The spectrum as an instrument-style CSV: ``Frequency (Hz),Z' (ohm),-Z'' (ohm),T (K)``
    (-Z'' as most exports write it; read by :func:`tracerdiff.impedance.read_spectra`)."""
    rows = [
        f"{f:.8e},{z.real:.8e},{-z.imag:.8e},{temperature_K:.2f}"
        for f, z in zip(frequency_Hz, z_ohm, strict=True)
    ]
    return "Frequency (Hz),Z' (ohm),-Z'' (ohm),T (K)\n" + "\n".join(rows) + "\n"


def spectrum_file_name(t_c: float) -> str:
    """``IS_m20C.csv`` for -20 C, ``IS_100C.csv`` for 100 C."""
    return f"IS_{'m' if t_c < 0 else ''}{abs(t_c):.0f}C.csv"


def _arrhenius_truths(
    mat: MaterialLaw, *, haven_bulk: float, haven_gb: float, grain_um: float
) -> dict[str, Any]:
    """D_sigma,bulk = (D0_b / H_bulk) exp(-Ea_b / k_B T) and (l/delta) D_sigma,gb =
    (l k0 / H_gb) exp(-Ea_k / k_B T): Arrhenius laws by construction."""
    if mat.d_bulk_table is not None:
        return {}
    return {
        "D_sigma_bulk": {
            "D0": quantity(mat.d0_bulk / haven_bulk, None, "cm^2/s"),
            "Ea": quantity(mat.ea_bulk_eV, None, "eV"),
        },
        "D_sigma_gb_apparent": {
            "D0": quantity(grain_um * 1e-4 * mat.k0 / haven_gb, None, "cm^2/s"),
            "Ea": quantity(mat.ea_k_eV, None, "eV"),
        },
    }


def write_demo_spectra(
    out: str | Path,
    mat: MaterialLaw,
    *,
    seed: int,
    haven_bulk: float,
    haven_gb: float,
    grain_um: float,
    li_density_cm3: float,
    pellet: Pellet | None = None,
    temperatures_C: tuple[float, ...] = DEMO_SPECTRA_TEMPERATURES_C,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Write one spectrum CSV per temperature into ``out``; return the manifest entries and
    the truths (per temperature: R, C, sigma, D_sigma; the Arrhenius laws of D_sigma).

    The noise comes from its own stream, ``default_rng([seed, 13])``: adding or changing the
    spectra leaves every other file of a data set built from ``seed`` unchanged.
    """
    pel = pellet or Pellet()
    rng = np.random.default_rng([seed, 13])
    entries, per_t = [], []
    for t_c in temperatures_C:
        t_k = t_c + 273.15
        truth = pellet_truth(
            mat,
            t_k,
            pel,
            haven_bulk=haven_bulk,
            haven_gb=haven_gb,
            grain_um=grain_um,
            li_density_cm3=li_density_cm3,
        )
        f, z = simulate_spectrum(truth, pel, rng)
        name = spectrum_file_name(t_c)
        atomic_write_text(Path(out) / name, spectrum_csv(f, z, t_k))
        entries.append(
            {
                "file": name,
                "sample": "pellet",
                "step": 0,
                "what": f"impedance spectrum at {t_c:.0f} C (Z' and -Z'' in ohm)",
                "time_since_exchange_s": 0.0,
                "temperatures_K": [t_k],
                "kind": "impedance_spectrum",
            }
        )
        per_t.append({"file": name, "temperature": quantity(t_k, None, "K"), **_quantities(truth)})
    return entries, {
        "pellet": pel.to_dict(),
        "haven_bulk": haven_bulk,
        "haven_gb": haven_gb,
        "grain_size": quantity(grain_um, None, "um"),
        "li_density": quantity(li_density_cm3, None, "cm^-3"),
        "circuit": "p(R1,CPE1)-p(R2,CPE2)-CPE3",
        "spectra": per_t,
        "arrhenius": _arrhenius_truths(
            mat, haven_bulk=haven_bulk, haven_gb=haven_gb, grain_um=grain_um
        ),
        "method": "sigma from the material's D_b and l k through Nernst-Einstein with the "
        "Haven ratios; R = d / (A sigma); C_bulk geometric, C_gb = C_bulk l / delta",
    }


_UNITS = {"R": "ohm", "C": "F", "sigma": "S/cm", "D": "cm^2/s"}


def _quantities(truth: dict[str, float]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, v in truth.items():
        prefix = key.split("_")[0]
        if prefix in _UNITS and not key.startswith(("R1", "R2")):
            out[key] = quantity(v, None, _UNITS[prefix])
    out["parameters"] = {
        k: truth[k]
        for k in ("R1", "CPE1_Q", "CPE1_n", "R2", "CPE2_Q", "CPE2_n", "CPE3_Q", "CPE3_n")
    }
    return out

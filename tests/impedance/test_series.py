"""Spectra over temperature: Arrhenius of the conductivities and Haven ratios recover the
activation energies and the ratio the spectra were made with."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tracerdiff.errors import InputError
from tracerdiff.impedance import (
    Geometry,
    ImpedanceOptions,
    analyze_series,
    haven_ratios,
    make_spectrum,
)
from tracerdiff.models import fit_arrhenius

from .conftest import AREA_CM2, FREQ, THICKNESS_CM, TRUTH, pellet_z

K_B_EV, K_B_J, E = 8.617333262e-5, 1.380649e-23, 1.602176634e-19
TEMPS = np.array([290.0, 305.0, 320.0, 340.0])
EA = {"bulk": 0.35, "gb": 0.43}
CELL = THICKNESS_CM / AREA_CM2
N = 5e21


def _sigma(kind: str, t: np.ndarray, at_290_ohm: float) -> np.ndarray:
    """sigma T = A exp(-Ea/kT), with R(290 K) given."""
    a = CELL / at_290_ohm * 290.0 * math.exp(EA[kind] / (K_B_EV * 290.0))
    return np.asarray(a / t * np.exp(-EA[kind] / (K_B_EV * t)))


SIG_B, SIG_G = _sigma("bulk", TEMPS, 3000.0), _sigma("gb", TEMPS, 12000.0)


def _spectra(seed: int) -> list[object]:
    rng = np.random.default_rng(seed)
    out = []
    for t, sb, sg in zip(TEMPS, SIG_B, SIG_G, strict=True):
        truth = dict(TRUTH, R1=CELL / sb, R2=CELL / sg)
        z = pellet_z(truth)
        z = z + 0.01 * np.abs(z) * (rng.normal(size=z.size) + 1j * rng.normal(size=z.size))
        out.append(make_spectrum(FREQ, z.real, z.imag, temperature_K=float(t)))
    return out


def _d_sigma(sigma: np.ndarray) -> np.ndarray:
    return np.asarray((sigma * 100) * K_B_J * TEMPS / (N * 1e6 * E**2) * 1e4)


@pytest.fixture(scope="module")
def series() -> object:
    opts = ImpedanceOptions(geometry=Geometry(THICKNESS_CM, AREA_CM2), density_cm3=N)
    return analyze_series(_spectra(1), opts)  # type: ignore[arg-type]


def test_activation_energies(series: object) -> None:
    fits = series.arrhenius  # type: ignore[attr-defined]
    for key, kind in (("sigma_bulk", "bulk"), ("sigma_gb_apparent", "gb")):
        f = fits[key]
        assert f.unit == "cm^2/s"
        assert abs(f.ea_eV - EA[kind]) < 3 * f.ea_err + 0.005, key


def test_haven_ratios(series: object) -> None:
    """Tracer D* = 0.5 D_sigma (bulk) and 0.24 (l/delta) D_sigma,gb with 5 % errors."""
    rng = np.random.default_rng(9)
    d_b, d_g = _d_sigma(SIG_B), _d_sigma(SIG_G)
    tr_b = fit_arrhenius(TEMPS, 0.5 * d_b * (1 + 0.05 * rng.normal(size=4)), 0.05 * 0.5 * d_b)
    tr_g = fit_arrhenius(TEMPS, 0.24 * d_g * (1 + 0.05 * rng.normal(size=4)), 0.05 * 0.24 * d_g)
    h = haven_ratios(series, tr_b, gb_tracer=tr_g)  # type: ignore[arg-type]
    assert abs(h["bulk"].haven_ratio - 0.5) < 3 * h["bulk"].haven_ratio_err
    assert abs(h["gb"].haven_ratio - 0.24) < 3 * h["gb"].haven_ratio_err
    shared = haven_ratios(series, tr_b, gb_tracer=tr_g, shared_ea=True)  # type: ignore[arg-type]
    assert shared["gb"].method == "joint fit with shared Ea"


def test_series_json_and_text(series: object) -> None:
    d = series.to_dict()  # type: ignore[attr-defined]
    assert len(d["spectra"]) == 4 and "sigma_total" in d["arrhenius"]
    assert "Arrhenius sigma_bulk" in str(series)


def test_without_density_sigma_t_is_fitted() -> None:
    s = analyze_series(_spectra(2)[:2], ImpedanceOptions(geometry=Geometry(0.1, 0.2)))
    assert s.arrhenius["sigma_bulk"].unit == "S K/cm"
    assert any("sigma T fitted" in n for n in s.notes)
    with pytest.raises(InputError, match="D_sigma"):
        haven_ratios(s, s.arrhenius["sigma_bulk"])


def test_temperature_count_must_match() -> None:
    with pytest.raises(InputError, match="one per spectrum"):
        analyze_series(_spectra(3)[:2], None, [300.0])  # type: ignore[arg-type]

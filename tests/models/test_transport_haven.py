"""Nernst-Einstein and Haven ratios (values, H_R(T), joint fit with a shared Ea)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tracerdiff.errors import DataError
from tracerdiff.history import arrhenius_D
from tracerdiff.models import (
    conductivity_prefactor_to_d0,
    fit_arrhenius,
    haven_from_arrhenius,
    haven_ratio,
    haven_temperature,
    nernst_einstein,
    nernst_einstein_d,
    nernst_einstein_sigma,
)
from tracerdiff.quantities import to_json


def test_study_nernst_einstein() -> None:
    r = nernst_einstein(1e-3, 295.15, density_cm3=5.0e21)
    assert r.d_sigma == pytest.approx(3.18e-8, rel=0.002)
    assert nernst_einstein_d(1.0, 295.15, density_cm3=5e21) == pytest.approx(3.18e-5, rel=0.002)
    assert nernst_einstein_sigma(r.d_sigma, 295.15, density_cm3=5e21) == pytest.approx(1e-3)
    # z = 2 quarters D at the same sigma
    assert nernst_einstein_d(1e-3, 295.15, density_cm3=5e21, charge=2) == pytest.approx(
        r.d_sigma / 4
    )
    assert r.to_dict()["D_sigma"]["unit"] == "cm^2/s"


def test_conductivity_form_prefactor() -> None:
    # sigma T = A exp(-Ea/kT)  ->  D_sigma = D0 exp(-Ea/kT) with D0 = A k_B/(n e^2)
    a, ea, t = 1e4, 0.4, 400.0
    sigma = a / t * np.exp(-ea / (8.617333262e-5 * t))
    d0 = conductivity_prefactor_to_d0(a, density_cm3=5e21)
    assert nernst_einstein_d(sigma, t, density_cm3=5e21) == pytest.approx(
        d0 * np.exp(-ea / (8.617333262e-5 * t))
    )


def test_study_haven_from_prefactors() -> None:
    h = haven_ratio(0.048, 0.20, prefactors=True)
    assert h.haven_ratio == pytest.approx(0.24)
    assert "activation energies are equal" in h.notes[0]
    e = haven_ratio(1e-9, 4e-9, d_tracer_err=1e-10, d_sigma_err=4e-10)
    assert e.haven_ratio_err == pytest.approx(0.25 * np.sqrt(2) * 0.1)


def _sets(seed: int, ea_cond: float) -> tuple[object, object]:
    rng = np.random.default_rng(seed)
    t1 = np.linspace(300, 600, 7)
    t2 = np.linspace(320, 650, 9)
    d1 = arrhenius_D(t1, 0.048, 0.43) * np.exp(0.05 * rng.standard_normal(7))
    d2 = arrhenius_D(t2, 0.20, ea_cond) * np.exp(0.05 * rng.standard_normal(9))
    return (
        fit_arrhenius(t1, d1, 0.05 * d1, label="tracer"),
        fit_arrhenius(t2, d2, 0.05 * d2, label="conductivity"),
    )


def test_joint_fit_shared_ea_recovers_haven_ratio() -> None:
    tr, co = _sets(1, 0.43)
    h = haven_from_arrhenius(tr, co, shared_ea=True)  # type: ignore[arg-type]
    assert h.method == "joint fit with shared Ea"
    assert h.haven_ratio == pytest.approx(0.24, rel=0.15)
    assert abs(h.haven_ratio - 0.24) < 3 * (h.haven_ratio_err or 0)
    assert h.details["shared_ea_consistent"] is True
    to_json(h.to_dict())


def test_joint_fit_rejects_different_activation_energies() -> None:
    tr, co = _sets(2, 0.30)
    h = haven_from_arrhenius(tr, co, shared_ea=True)  # type: ignore[arg-type]
    assert h.details["shared_ea_consistent"] is False
    assert any("rejected" in n for n in h.notes)
    # the rejected shared-Ea value is kept in details, never headlined
    assert h.method.startswith("H_R(T)") and h.temperature_K is not None
    assert h.haven_ratio != h.details["haven_ratio_shared_ea"]["value"]
    sep = haven_from_arrhenius(tr, co)  # type: ignore[arg-type]
    assert h.haven_ratio == pytest.approx(sep.haven_ratio)
    assert h.temperature_K == pytest.approx(
        haven_temperature(
            tr.temperature_K,  # type: ignore[attr-defined]
            co.temperature_K,
        )
    )  # type: ignore[attr-defined]


def test_haven_at_temperature_with_band() -> None:
    tr, co = _sets(3, 0.43)
    h = haven_from_arrhenius(tr, co, temperature_K=450.0)  # type: ignore[arg-type]
    assert h.temperature_K == 450.0
    assert h.haven_ratio == pytest.approx(0.24, rel=0.2)
    lo, hi = h.details["band_95"]
    assert lo < h.haven_ratio < hi
    curve = h.details["curve"]
    assert len(curve) == 7 and all(c["lower95"] < c["haven_ratio"] < c["upper95"] for c in curve)
    # the curve spans both data sets, and its band is narrowest inside them, widest at the ends
    assert curve[0]["T_K"] == pytest.approx(650.0) and curve[-1]["T_K"] == pytest.approx(300.0)
    rel = [math.log(c["upper95"] / c["lower95"]) for c in curve]
    assert min(rel[1:-1]) < min(rel[0], rel[-1])
    # the 95 % band is +-z standard errors of ln H_R: z = 1.96, or Student t where a fit's
    # errors come from its scatter (random-effects term)
    assert h.haven_ratio_err is not None
    z = max(tr._quantile(0.95), co._quantile(0.95))  # type: ignore[attr-defined]
    assert z >= 1.96
    assert math.log(hi / lo) / 2 == pytest.approx(z * h.haven_ratio_err / h.haven_ratio)
    assert h.ci95() == pytest.approx([lo, hi])


@pytest.mark.parametrize("sigma", [0.0, -1e-3])
def test_bad_sigma(sigma: float) -> None:
    with pytest.raises(DataError):
        nernst_einstein(sigma, 295.0, density_cm3=5e21)

"""Material laws (Arrhenius and tabulated D_b) and the measurement planner."""

from __future__ import annotations

import math

import pytest

from tracerdiff.errors import InputError
from tracerdiff.simulate import MaterialLaw, llto_material, plan_measurement
from tracerdiff.units import K_B_EV


def test_llto_preset_reproduces_the_study_at_22c() -> None:
    m = llto_material()
    assert m.d_bulk(295.15) == pytest.approx(2.6e-8, rel=1e-12)
    assert m.k_gb(295.15) == pytest.approx(1.5e-6, rel=1e-12)
    ratio = m.k_gb(473.15) / m.k_gb(295.15)
    assert math.log(ratio) == pytest.approx(0.43 / K_B_EV * (1 / 295.15 - 1 / 473.15), rel=1e-12)


def test_tabulated_bulk_law_interpolates_in_inverse_temperature() -> None:
    m = MaterialLaw(
        d0_bulk=1.0,
        ea_bulk_eV=0.3,
        k0=1.0,
        ea_k_eV=0.4,
        d_bulk_table=((250.0, 300.0, 450.0), (1e-9, 1e-8, 4e-7)),
    )
    assert m.d_bulk(300.0) == pytest.approx(1e-8)
    t = 1 / (0.5 / 300.0 + 0.5 / 450.0)  # halfway in 1/T
    assert m.d_bulk(t) == pytest.approx(math.sqrt(1e-8 * 4e-7))
    with pytest.raises(InputError):
        m.d_bulk(500.0)
    with pytest.raises(InputError):
        MaterialLaw(
            d0_bulk=1.0,
            ea_bulk_eV=0.3,
            k0=1.0,
            ea_k_eV=0.4,
            d_bulk_table=((300.0, 250.0), (1e-8, 1e-9)),
        )


def test_plan_for_the_study_exchange_and_anneal() -> None:
    p = plan_measurement(temperature_K=295.15, time_s=59 * 3600.0)
    assert p.biot == pytest.approx(16e-4 * 1.5e-6 / 2.6e-8, rel=1e-9)  # ~0.09, GBs dominate
    assert p.d_eff_series == pytest.approx(2.2e-9, rel=0.02)
    assert 150 < p.diffusion_length_um < 250
    assert p.verdicts["fits_in_map"] and p.verdicts["gb_step_detectable"]
    hot = plan_measurement(temperature_K=473.15, time_s=3.8 * 3600.0)
    assert hot.diffusion_length_um > 1000 and not hot.verdicts["fits_in_map"]
    with pytest.raises(InputError):
        plan_measurement(material="nacl", temperature_K=300.0, time_s=1.0)

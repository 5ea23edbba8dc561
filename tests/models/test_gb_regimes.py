"""GB regimes: Biot number, Harrison classification, Hart, Fisher and the type-B tail fit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tracerdiff.errors import DataError, InputError
from tracerdiff.models import (
    biot_number,
    classify_regime,
    fisher_profile,
    fit_type_b_tail,
    hart_d_eff,
    type_c_profile,
)
from tracerdiff.quantities import to_json


def test_llto_biot_number() -> None:
    b = biot_number(grain_cm=16e-4, k=1.5e-6, d_bulk=2.6e-8)
    assert b.bi == pytest.approx(0.092, rel=0.01)
    assert "GBs dominate" in b.verdict()
    assert b.bulk_equivalent_um == pytest.approx(173.3, rel=1e-3)
    assert biot_number(grain_cm=1e-2, k=1e-3, d_bulk=1e-8).verdict().startswith("bulk")


@pytest.mark.parametrize(
    ("time_s", "d_gb", "expected"),
    [
        (1e4, 4e-10, "B"),  # Lambda 0.1 um << l 10 um, alpha 2.5e-3, beta 100
        (1e9, 4e-10, "A"),  # Lambda 31 um > l
        (4e7, 4e-10, "A-B"),  # Lambda 6.3 um: between l/3 and l
        (1e-2, 4e-10, "C"),  # Lambda 1e-8 cm < s delta / 2
        (1.0, 4e-10, "B-C"),
    ],  # alpha 0.25
)
def test_harrison_classification(time_s: float, d_gb: float, expected: str) -> None:
    r = classify_regime(d_bulk=1e-14, d_gb=d_gb, delta_cm=5e-8, time_s=time_s, grain_cm=1e-3)
    assert r.regime == expected
    lam = math.sqrt(1e-14 * time_s)
    assert r.alpha == pytest.approx(5e-8 / (2 * lam))
    assert r.beta == pytest.approx(5e-8 * d_gb / (2e-14 * lam))
    out = r.to_dict()
    assert out["regime"] == expected and len(out["reasons"]) >= 4
    assert ("D_eff_hart" in out) == (expected in ("A", "A-B"))
    to_json(out)


def test_wlc_flag_needs_large_beta() -> None:
    weak = classify_regime(d_bulk=1e-14, d_gb=1e-12, delta_cm=5e-8, time_s=1e4, grain_cm=1e-3)
    assert weak.regime == "B" and not weak.wlc_applicable
    strong = classify_regime(d_bulk=1e-14, d_gb=4e-10, delta_cm=5e-8, time_s=1e4, grain_cm=1e-3)
    assert strong.wlc_applicable


def test_hart_formula() -> None:
    g = 5e-8 / 1e-3
    assert hart_d_eff(d_bulk=1e-14, d_gb=1e-9, delta_cm=5e-8, grain_cm=1e-3) == pytest.approx(
        g * 1e-9 + (1 - g) * 1e-14
    )
    with_s = hart_d_eff(d_bulk=1e-14, d_gb=1e-9, delta_cm=5e-8, grain_cm=1e-3, s=10)
    assert with_s == pytest.approx((10 * g * 1e-9 + (1 - g) * 1e-14) / (10 * g + 1 - g))


def _fisher_tail(seed: int | None, sdd: float = 2e-17) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y_um = np.linspace(0.5, 3.0, 40)
    c = fisher_profile(y_um * 1e-4, d_bulk=1e-14, s_delta_d_gb=sdd, time_s=1e4)
    err = 0.03 * c
    if seed is not None:
        c = c * (1 + 0.03 * np.random.default_rng(seed).standard_normal(c.size))
    return y_um, c, err


def test_fisher_method_recovers_its_own_profile() -> None:
    y, c, err = _fisher_tail(None)
    r = fit_type_b_tail(y, c, err, d_bulk=1e-14, time_s=1e4, method="fisher", y_min_um=0.5)
    assert r.s_delta_d_gb == pytest.approx(2e-17, rel=1e-9)


def test_tail_fit_error_covers_truth() -> None:
    inside = 0
    for seed in range(100):
        y, c, err = _fisher_tail(seed)
        r = fit_type_b_tail(y, c, err, d_bulk=1e-14, time_s=1e4, method="fisher", y_min_um=0.5)
        inside += abs(r.s_delta_d_gb - 2e-17) < 1.96 * r.s_delta_d_gb_err
    assert inside >= 88


def test_six_fifths_formula_on_exact_power_law() -> None:
    # ln C = -m y^(6/5) exactly -> s delta D_gb = 1.322 sqrt(D/t) m^(-5/3)
    y_um = np.linspace(1, 10, 30)
    m = 5e3
    c = np.exp(-m * (y_um * 1e-4) ** 1.2)
    r = fit_type_b_tail(y_um, c, d_bulk=1e-14, time_s=1e4, y_min_um=1.0)
    assert r.s_delta_d_gb == pytest.approx(1.322 * math.sqrt(1e-14 / 1e4) * m ** (-5 / 3))
    s = fit_type_b_tail(y_um, c, d_bulk=1e-14, time_s=1e4, y_min_um=1.0, source="instantaneous")
    assert s.s_delta_d_gb / r.s_delta_d_gb == pytest.approx(1.308 / 1.322)
    assert r.error_source == "scatter"


def test_type_c_profile() -> None:
    assert type_c_profile([0.0], d_gb=1e-10, time_s=1.0)[0] == pytest.approx(1.0)


def test_tail_bad_input() -> None:
    y = np.linspace(0, 10, 20)
    with pytest.raises(DataError):
        fit_type_b_tail(y, np.linspace(0.1, 1, 20), d_bulk=1e-14, time_s=1e4, y_min_um=0)
    with pytest.raises(DataError):
        fit_type_b_tail(y, np.exp(-y), d_bulk=1e-14, time_s=1e4, y_min_um=9.5)
    with pytest.raises(InputError):
        fit_type_b_tail(y, np.exp(-y), d_bulk=1e-14, time_s=1e4, source="pulse")
    with pytest.raises(InputError):
        classify_regime(d_bulk=-1.0, d_gb=1e-9, delta_cm=5e-8, time_s=1.0, grain_cm=1e-3)
    # slow GBs (D_gb < D) have no Harrison regime: refused with a hint, not classified "A"
    with pytest.raises(InputError, match="fast grain boundaries"):
        classify_regime(d_bulk=1e-8, d_gb=1e-10, delta_cm=5e-8, time_s=3600.0, grain_cm=1e-3)


def test_weak_gb_tail_is_flagged() -> None:
    # beta = s delta D_gb / (2 D Lambda) below 10: the 6/5 constant is not reliable
    y_um = np.linspace(1, 10, 30)
    c = np.exp(-5e3 * (y_um * 1e-4) ** 1.2)
    r = fit_type_b_tail(y_um, c, d_bulk=1e-10, time_s=1e4, y_min_um=1.0)
    assert r.beta < 10 and any("beta <= 10" in n for n in r.notes)

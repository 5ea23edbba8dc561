"""Thermal histories: integral of D dt (isothermal, ramps), merging rules, validation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from tracerdiff.errors import InputError
from tracerdiff.history import (
    Stage,
    ThermalHistory,
    arrhenius_D,
    as_D_of_T,
    stages_from_pairs,
)
from tracerdiff.units import K_B_EV

ARR = (0.048, 0.43)  # D0 cm^2/s, Ea eV (the study's GB tracer Arrhenius law)


def test_arrhenius_value_and_array() -> None:
    assert arrhenius_D(295.15, *ARR) == pytest.approx(0.048 * np.exp(-0.43 / (K_B_EV * 295.15)))
    out = arrhenius_D([300.0, 400.0], *ARR)
    assert out.shape == (2,) and out[1] > out[0]
    with pytest.raises(InputError, match="> 0 K"):
        arrhenius_D(-5.0, *ARR)


def test_isothermal_integral_is_exact() -> None:
    h = ThermalHistory([Stage(295.15, 14 * 86400.0), Stage(295.15, 28 * 86400.0)])
    assert h.integrated_D_t(lambda T: 3.0e-9) == pytest.approx(3.0e-9 * 42 * 86400.0, rel=1e-15)
    assert h.total_time_s == 42 * 86400.0


def test_ramp_matches_adaptive_quadrature() -> None:
    s = Stage(295.15, 3600.0, end_temperature_K=673.15)
    f = as_D_of_T(ARR)
    ref, _ = quad(
        lambda t: f(295.15 + (673.15 - 295.15) * t / 3600.0), 0, 3600.0, epsrel=1e-13, limit=200
    )
    assert s.integrated_D_t(ARR) == pytest.approx(ref, rel=1e-11)
    # a D linear in T integrates to the mean: exact for the quadrature
    lin = Stage(300.0, 100.0, end_temperature_K=500.0).integrated_D_t(lambda T: 1e-10 * T)
    assert lin == pytest.approx(1e-10 * 400.0 * 100.0, rel=1e-13)
    # a cooling ramp gives the same integral as the heating one
    back = Stage(673.15, 3600.0, end_temperature_K=295.15).integrated_D_t(ARR)
    assert back == pytest.approx(ref, rel=1e-11)


def test_segments_merge_only_same_boundary() -> None:
    h = ThermalHistory(
        [
            Stage(295.15, 110 * 3600.0, "source"),
            Stage(295.15, 14 * 86400.0),
            Stage(295.15, 28 * 86400.0),
            Stage(473.15, 3.8 * 3600.0),
            Stage(295.15, 3600.0, "source"),
        ]
    )
    segs = h.segments(ARR)
    assert [s.boundary for s in segs] == ["source", "closed", "source"]
    assert segs[1].stages == (1, 2, 3)
    per = h.stage_D_t(ARR)
    assert segs[1].D_t_cm2 == pytest.approx(per[1] + per[2] + per[3], rel=1e-15)
    assert segs[1].duration_s == pytest.approx((42 * 86400.0) + 3.8 * 3600.0)
    assert sum(s.D_t_cm2 for s in segs) == pytest.approx(h.integrated_D_t(ARR))
    assert segs[0].to_dict()["boundary"] == "source"


def test_isothermal_pieces_split_ramps() -> None:
    h = ThermalHistory([Stage(300.0, 10.0), Stage(300.0, 100.0, end_temperature_K=305.0)])
    pieces = h.isothermal_pieces(max_step_K=1.0)
    assert len(pieces) == 6
    mids = [300.5, 301.5, 302.5, 303.5, 304.5]
    assert [p.temperature_K for p in pieces[1:]] == pytest.approx(mids)
    assert sum(p.duration_s for p in pieces) == pytest.approx(110.0)
    assert not any(p.is_ramp for p in pieces)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((295.0, 0.0), "duration"),
        ((295.0, -3.0), "duration"),
        ((0.0, 10.0), "> 0 K"),
        ((-10.0, 10.0), "> 0 K"),
        ((float("nan"), 10.0), "> 0 K"),
    ],
)
def test_stage_validation(args: tuple[float, float], match: str) -> None:
    with pytest.raises(InputError, match=match):
        Stage(*args)


def test_history_validation() -> None:
    with pytest.raises(InputError, match="at least one stage"):
        ThermalHistory([])
    with pytest.raises(InputError, match="boundary"):
        Stage(300.0, 1.0, "open")
    with pytest.raises(InputError, match="> 0 K"):
        Stage(300.0, 1.0, end_temperature_K=-1.0)
    with pytest.raises(InputError, match="D must be"):
        ThermalHistory.isothermal(300.0, 1.0).integrated_D_t((1.0,))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="D\\(T\\)"):
        ThermalHistory.isothermal(300.0, 1.0).integrated_D_t(lambda T: float("nan"))


def test_to_dict_and_pairs() -> None:
    h = stages_from_pairs([(295.15, 10.0), (473.15, 20.0)])
    d = h.to_dict()
    assert d["total_time_s"] == 30.0
    assert d["stages"][1] == {
        "temperature_K": 473.15,
        "end_temperature_K": None,
        "duration_s": 20.0,
        "boundary": "closed",
    }

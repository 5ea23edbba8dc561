"""IMF, background/source normalisation and their error propagation; isotope pairs."""

from __future__ import annotations

import numpy as np
import pytest

from tracerdiff.errors import InputError
from tracerdiff.imaging import (
    NATURAL_FRACTION,
    imf_alpha,
    imf_fraction,
    normalise_fraction,
    parse_pair,
)


def test_parse_pair_variants() -> None:
    assert parse_pair("6Li/7Li").label == "6Li/7Li"
    assert parse_pair("^18O-/^16O-").label == "18O/16O"
    assert parse_pair(("12C14N", "12C15N")).b == "12C15N"
    for bad in ("6Li", "6Li/6Li", "Li/7Li", "6Li/7Li/8Li"):
        with pytest.raises(InputError):
            parse_pair(bad)


def test_imf_standard_round_trip() -> None:
    r_true = NATURAL_FRACTION["6Li/7Li"] / (1 - NATURAL_FRACTION["6Li/7Li"])
    r_meas = r_true * 1.03  # the instrument favours the light isotope by 3 %
    alpha = imf_alpha(r_meas, r_true)
    assert alpha == pytest.approx(1.03)
    c_meas = r_meas / (1 + r_meas)
    out = imf_fraction(c_meas, alpha=alpha)
    assert float(out.C) == pytest.approx(NATURAL_FRACTION["6Li/7Li"], rel=1e-12)
    assert out.C_err is None
    with pytest.raises(InputError):
        imf_alpha(-1.0, 1.0)


def test_imf_error_matches_numeric_derivatives() -> None:
    c, ce, a, ae = 0.4, 0.01, 1.05, 0.02
    out = imf_fraction(np.array([c]), alpha=(a, ae), C_err=np.array([ce]))

    def f(c_: float, a_: float) -> float:
        return c_ / (c_ + a_ * (1 - c_))

    h = 1e-6
    dc = (f(c + h, a) - f(c - h, a)) / (2 * h)
    da = (f(c, a + h) - f(c, a - h)) / (2 * h)
    assert out.C_err is not None
    assert out.C_err[0] == pytest.approx(np.hypot(dc * ce, da * ae), rel=1e-6)


def test_normalisation_values_and_error_by_monte_carlo(rng: np.random.Generator) -> None:
    c, ce, cb, eb, cs, es = 0.5, 0.01, 0.0759, 0.002, 0.95, 0.01
    out = normalise_fraction(np.array([c]), np.array([ce]), background=(cb, eb), source=(cs, es))
    assert out.C[0] == pytest.approx((c - cb) / (cs - cb))
    m = 400_000
    sim = (rng.normal(c, ce, m) - (b := rng.normal(cb, eb, m))) / (rng.normal(cs, es, m) - b)
    assert out.C_err is not None
    assert out.C_err[0] == pytest.approx(sim.std(), rel=0.02)
    assert out.to_dict()["source"] == cs


def test_normalisation_without_errors_and_bad_input() -> None:
    out = normalise_fraction([0.0759, 0.95], background=0.0759, source=0.95)
    np.testing.assert_allclose(out.C, [0.0, 1.0])
    assert out.C_err is None
    with pytest.raises(InputError, match="differ"):
        normalise_fraction([0.5], background=0.3, source=0.3)
    with pytest.raises(InputError):
        normalise_fraction([0.5], background=(0.1, -1.0), source=0.9)


def test_normalise_parts_keeps_shared_errors_apart(rng: np.random.Generator) -> None:
    from tracerdiff.imaging import normalise_parts

    c = np.array([0.2, 0.5, 0.9])
    ce, cb, eb, cs, es = 0.01, 0.0759, 0.002, 0.95, 0.01
    cn, stat, sys, params = normalise_parts(
        c, np.full(3, ce), None, background=(cb, eb), source=(cs, es)
    )
    d = cs - cb
    np.testing.assert_allclose(cn, (c - cb) / d)
    np.testing.assert_allclose(stat, ce / d)
    # the shared part alone: Monte Carlo over C_bg and C_s with C fixed
    m = 200_000
    b, s = rng.normal(cb, eb, m), rng.normal(cs, es, m)
    for k in range(3):
        assert sys[k] == pytest.approx(((c[k] - b) / (s - b)).std(), rel=0.03)
    both = normalise_fraction(c, np.full(3, ce), background=(cb, eb), source=(cs, es))
    assert both.C_err is not None
    np.testing.assert_allclose(both.C_err, np.hypot(stat, sys), rtol=1e-12)
    assert params == {"background": cb, "background_stderr": eb, "source": cs, "source_stderr": es}

"""The fraction kernel: binomial and delta-method errors, masking, count validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracerdiff.errors import DataError, ShapeMismatchError
from tracerdiff.imaging import isotope_fraction
from tracerdiff.imaging.kernels import check_counts, is_integer_valued, row_blocks


def test_binomial_error_matches_formula() -> None:
    a = np.array([[30.0, 0.0], [500.0, 7.0]])
    b = np.array([[70.0, 10.0], [500.0, 0.0]])
    fr = isotope_fraction(a, b, dtype=np.float64)
    C = a / (a + b)
    np.testing.assert_allclose(fr.C, C)
    np.testing.assert_allclose(fr.C_err, np.sqrt(C * (1 - C) / (a + b)))
    assert fr.error_method == "binomial"
    assert fr.C.dtype == np.float64


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.integers(0, 10_000), min_size=1, max_size=40),
    st.lists(st.integers(0, 10_000), min_size=1, max_size=40),
)
def test_delta_method_with_poisson_variance_equals_binomial(la: list[int], lb: list[int]) -> None:
    n = min(len(la), len(lb))
    a, b = np.array(la[:n], dtype=float), np.array(lb[:n], dtype=float)
    binom = isotope_fraction(a, b, dtype=np.float64)
    delta = isotope_fraction(a, b, var_a=a, var_b=b, dtype=np.float64)
    np.testing.assert_allclose(delta.C_err, binom.C_err, rtol=1e-9, atol=1e-15)
    assert np.array_equal(np.isnan(delta.C), (a + b) < 1)


def test_zero_and_low_counts_are_masked_without_warnings() -> None:
    a = np.array([0.0, 1.0, 3.0, 50.0])
    b = np.array([0.0, 0.0, 1.0, 50.0])
    fr = isotope_fraction(a, b, min_counts=5)
    assert fr.low_counts.tolist() == [True, True, True, False]
    assert np.isnan(fr.C[:3]).all() and np.isnan(fr.C_err[:3]).all()
    assert fr.C[3] == pytest.approx(0.5)
    assert fr.to_dict()["n_low_counts"] == 3


def test_seeded_map_recovers_fraction_with_calibrated_errors(rng: np.random.Generator) -> None:
    tot = rng.poisson(300, (300, 400))
    a = rng.binomial(tot, 0.37)
    fr = isotope_fraction(a, tot - a)
    z = (fr.C.astype(np.float64) - 0.37) / fr.C_err
    assert fr.C.dtype == np.float32
    assert abs(np.nanmean(fr.C) - 0.37) < 5e-4
    assert np.nanstd(z) == pytest.approx(1.0, abs=0.02)


def test_float32_kernel_agrees_with_float64() -> None:
    a = np.arange(1, 200_001, dtype=np.float32).reshape(400, 500)
    b = a[::-1].copy()
    f32 = isotope_fraction(a, b, var_a=a * 1.1, var_b=b * 1.2)
    f64 = isotope_fraction(
        a.astype(float), b.astype(float), var_a=a * 1.1, var_b=b * 1.2, dtype=np.float64
    )
    np.testing.assert_allclose(f32.C, f64.C, rtol=2e-6)
    np.testing.assert_allclose(f32.C_err, f64.C_err, rtol=2e-5)


def test_shape_and_variance_arguments_checked() -> None:
    with pytest.raises(ShapeMismatchError):
        isotope_fraction(np.ones((2, 3)), np.ones((3, 2)))
    with pytest.raises(DataError, match="both var_a and var_b"):
        isotope_fraction(np.ones(3), np.ones(3), var_a=np.ones(3))


@pytest.mark.parametrize(
    ("bad", "word"), [(-1.0, "negative"), (np.nan, "non-finite"), (np.inf, "non-finite")]
)
def test_check_counts_rejects_bad_values(bad: float, word: str) -> None:
    a = np.ones((5, 5))
    a[2, 3] = bad
    with pytest.raises(DataError, match=word):
        check_counts(a, name="6Li")
    with pytest.raises(DataError, match="negative"):
        check_counts(np.array([[1, -2]]), name="6Li")


def test_integer_detection() -> None:
    assert is_integer_valued(np.array([1.0, 2.0, 3.0]))
    assert is_integer_valued(np.arange(5))
    assert not is_integer_valued(np.array([11.0097, 3.0]))


def test_row_blocks_cover_all_rows() -> None:
    rows = [
        r for sl in row_blocks((1000, 300), block_elements=4096) for r in range(sl.start, sl.stop)
    ]
    assert rows == list(range(1000))

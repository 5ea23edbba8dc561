"""Parsing quantities at the edges: values in internal units, wrong dimensions rejected."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracerdiff.errors import UnitError
from tracerdiff.units import parse_quantity, parse_quantity_with_error


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("2.6e-8 cm^2/s", "diffusivity", 2.6e-8),
        ("2.6e-12 m^2/s", "diffusivity", 2.6e-8),
        ("1.5e-6 cm/s", "velocity", 1.5e-6),
        ("110 h", "time", 396000.0),
        ("2 weeks", "time", 1209600.0),
        ("22 degC", "temperature", 295.15),
        ("-110 °C", "temperature", 163.15),
        ("400 K", "temperature", 400.0),
        ("0.5 nm", "length_nm", 0.5),
        ("1 mm", "length", 1000.0),
        ("16 µm", "length", 16.0),
        ("5.0e21 cm^-3", "number_density", 5.0e21),
        ("1e-3 S/cm", "conductivity", 1e-3),
        ("0.43 eV", "energy", 0.43),
        ("41.5 kJ/mol", "energy", 41.5 / 96.48533212),
    ],
)
def test_parse_quantity_to_internal_units(text: str, kind: str, expected: float) -> None:
    assert parse_quantity(text, kind) == pytest.approx(expected, rel=1e-9)


def test_bare_number_takes_default_unit() -> None:
    assert parse_quantity("25", "length") == 25.0
    assert parse_quantity("2.5", "length", default_unit="mm") == 2500.0
    assert parse_quantity(3.0, "time", default_unit="h") == 10800.0


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("2.6e-8 cm/s", "diffusivity"),
        ("5 h", "length"),
        ("3 um", "temperature"),
        ("abc xyz", "time"),
    ],
)
def test_wrong_dimension_or_garbage_is_a_unit_error(text: str, kind: str) -> None:
    with pytest.raises(UnitError) as info:
        parse_quantity(text, kind)
    assert "\n" not in str(info.value)


def test_plus_minus_forms() -> None:
    assert parse_quantity_with_error("16+-11 um", "length") == (16.0, 11.0)
    assert parse_quantity_with_error("16 ± 11 um", "length") == (16.0, 11.0)
    v, e = parse_quantity_with_error("2.2e-9 +- 1.4e-9 cm^2/s", "diffusivity")
    assert v == pytest.approx(2.2e-9) and e == pytest.approx(1.4e-9)
    assert parse_quantity_with_error("16 um", "length") == (16.0, None)


@given(st.floats(min_value=1e-30, max_value=1e30, allow_nan=False))
def test_round_trip_of_diffusivity_in_m2s(x: float) -> None:
    got = parse_quantity(f"{x!r} m^2/s", "diffusivity")
    assert math.isclose(got, x * 1e4, rel_tol=1e-12)

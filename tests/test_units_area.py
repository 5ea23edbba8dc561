"""The ``area`` kind of the unit parser (electrode areas of impedance cells, cm^2)."""

from __future__ import annotations

import pytest

from tracerdiff.errors import UnitError
from tracerdiff.units import INTERNAL_UNITS, parse_quantity, parse_quantity_with_error


@pytest.mark.parametrize(
    ("text", "cm2"),
    [("0.2 cm^2", 0.2), ("20 mm^2", 0.2), ("2e7 um^2", 0.2), ("0.2 cm2", 0.2), ("2e-5 m^2", 0.2)],
)
def test_areas_in_cm2(text: str, cm2: float) -> None:
    assert parse_quantity(text, "area") == pytest.approx(cm2, rel=1e-12)
    assert INTERNAL_UNITS["area"][1] == "cm^2"


def test_area_with_error() -> None:
    assert parse_quantity_with_error("0.2+-0.01 cm^2", "area") == pytest.approx((0.2, 0.01))
    v, e = parse_quantity_with_error("20(1) mm^2", "area")
    assert (v, e) == pytest.approx((0.2, 0.01))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0.2 cm", "is not an area"),
        ("0.2 cm^2/s", "is not an area"),
        ("-0.2 cm^2", "an area cannot be negative"),
    ],
)
def test_not_an_area(text: str, message: str) -> None:
    with pytest.raises(UnitError, match=message):
        parse_quantity(text, "area")


def test_cli_area_option() -> None:
    from tracerdiff.cli.impedance_cmds import parse_area

    assert parse_area("20 mm^2") == pytest.approx((0.2, None))
    assert parse_area("0.2+-0.01 cm^2") == pytest.approx((0.2, 0.01))
    for bad in ("0.2", "1 mm", "0.2 cm^2/s"):
        with pytest.raises(UnitError, match="not an area"):
            parse_area(bad)

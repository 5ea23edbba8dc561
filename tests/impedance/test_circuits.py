"""Circuit strings: parsing, analytic impedances, agreement with impedance.py."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tracerdiff.errors import InputError
from tracerdiff.impedance import default_circuit, parse_circuit

from .conftest import FREQ, TRUTH, pellet_z

W = 2 * np.pi * FREQ


def test_default_circuit_is_the_pellet() -> None:
    """The package's circuit and the hand-written pellet impedance agree."""
    c = default_circuit()
    assert c.text == "p(R1,CPE1)-p(R2,CPE2)-CPE3"
    np.testing.assert_allclose(
        c.impedance(FREQ, [TRUTH[k] for k in c.parameters]), pellet_z(), rtol=1e-12
    )


def test_analytic_elements() -> None:
    r, cap, ind = 120.0, 3e-9, 2e-6
    rc = parse_circuit("p(R1,C1)")
    np.testing.assert_allclose(rc.impedance(FREQ, [r, cap]), r / (1 + 1j * W * r * cap), rtol=1e-12)
    cpe1 = parse_circuit("p(R1,CPE1)")  # n = 1: the ideal capacitor
    np.testing.assert_allclose(
        cpe1.impedance(FREQ, [r, cap, 1.0]), rc.impedance(FREQ, [r, cap]), rtol=1e-12
    )
    chain = parse_circuit("L0-R0-C0")
    np.testing.assert_allclose(
        chain.impedance(FREQ, [ind, r, cap]), 1j * W * ind + r + 1 / (1j * W * cap), rtol=1e-12
    )
    nested = parse_circuit("p(R1-C1,R2)")
    z1 = r + 1 / (1j * W * cap)
    np.testing.assert_allclose(
        nested.impedance(FREQ, [r, cap, 50.0]), 1 / (1 / z1 + 1 / 50.0), rtol=1e-12
    )


def test_names_units_and_pairs() -> None:
    c = default_circuit(series_r=True, inductance=True)
    assert c.text == "L0-R0-p(R1,CPE1)-p(R2,CPE2)-CPE3"
    assert c.parameters[:4] == ("L0", "R0", "R1", "CPE1_Q")
    assert c.units()[:5] == ("H", "ohm", "ohm", "F s^(n-1)", "")
    assert c.rc_pairs() == (("R1", "CPE1"), ("R2", "CPE2"))
    assert [e.name for e in c.series_elements()] == ["L0", "R0", "CPE3"]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty"),
        ("R0-p(R1,CPE1", "unbalanced"),
        ("R0-X1", "not an element"),
        ("R1-R1", "repeat"),
        ("p(R1)", "two branches"),
        ("R0)-R1", "unbalanced"),
    ],
)
def test_bad_strings(text: str, match: str) -> None:
    with pytest.raises(InputError, match=match):
        parse_circuit(text)


def test_wrong_number_of_values() -> None:
    with pytest.raises(InputError, match="4 parameters"):
        parse_circuit("R0-p(R1,CPE1)").impedance(FREQ, [1.0, 2.0])


@pytest.mark.parametrize(
    "text", ["R0-p(R1,CPE1)-p(R2,CPE2)-CPE3", "L0-R0-p(R1,C1)", "p(R1,CPE1)-p(R2-CPE2,C2)"]
)
def test_same_as_impedance_py(text: str) -> None:
    """Peer check of the evaluator against impedance.py's CustomCircuit."""
    circuits = pytest.importorskip("impedance.models.circuits")
    c = parse_circuit(text)
    rng = np.random.default_rng(7)
    p = [
        rng.uniform(0.6, 0.95) if n.endswith("_n") else 10 ** rng.uniform(-9, 3)
        for n in c.parameters
    ]
    peer = circuits.CustomCircuit(text, initial_guess=list(p))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z_peer = peer.predict(FREQ, use_initial=True)
    np.testing.assert_allclose(c.impedance(FREQ, p), z_peer, rtol=1e-10)

"""Fits of the real spectra: successful, and at least as good as impedance.py's own fit of the
same circuit from its own (generic) starting values, with unit weights as impedance.py uses."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from tracerdiff.impedance import analyze_spectrum, fit_circuit, read_spectrum
from tracerdiff.impedance.analysis import ImpedanceOptions
from tracerdiff.impedance.derived import Geometry

CASES = [
    ("exampleData.csv", "L0-R0-p(R1,CPE1)-p(R2,CPE2)", [1e-7, 0.01, 0.01, 1, 0.9, 0.01, 100, 0.7]),
    ("exampleDataCHInstruments.txt", "R0-p(R1,CPE1)-CPE2", [100, 1000, 1e-4, 0.8, 1e-4, 0.8]),
    (
        "exampleDataVersaStudio.par",
        "R0-p(R1,CPE1)-p(R2,CPE2)",
        [50, 10, 1e-6, 0.9, 1000, 1e-4, 0.8],
    ),
    ("exampleDataGamry.DTA", "p(R1,CPE1)-p(R2,CPE2)", [5000, 1e-8, 0.8, 2e4, 1e-4, 0.7]),
]


@pytest.mark.parametrize(("name", "circuit", "guess"), CASES)
def test_not_worse_than_impedance_py(
    real_data: Path, name: str, circuit: str, guess: list[float]
) -> None:
    circuits = pytest.importorskip("impedance.models.circuits")
    s = read_spectrum(real_data / "impedance_py" / name)
    ours = fit_circuit(s, circuit, weighting="unit")
    assert ours.success
    peer = circuits.CustomCircuit(circuit, initial_guess=guess)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer.fit(s.frequency_Hz, s.z)
        z_peer = peer.predict(s.frequency_Hz)
    cost_ours = float(np.sum(np.abs(ours.model() - s.z) ** 2))
    cost_peer = float(np.sum(np.abs(z_peer - s.z) ** 2))
    assert cost_ours <= cost_peer * (1 + 1e-6)
    if cost_ours > cost_peer * (1 - 1e-6):  # the same minimum: the same parameters
        np.testing.assert_allclose(ours.values, peer.parameters_, rtol=1e-3)


def test_example_data_values(real_data: Path) -> None:
    """exampleData.csv, L0-R0-p(R1,CPE1)-p(R2,CPE2), unit weights (docs/validation.md)."""
    s = read_spectrum(real_data / "impedance_py" / "exampleData.csv")
    fit = fit_circuit(s, "L0-R0-p(R1,CPE1)-p(R2,CPE2)", weighting="unit")
    assert fit.value("R0") == pytest.approx(1.454e-2, rel=1e-3)
    assert fit.value("R1") == pytest.approx(2.025e-2, rel=1e-3)
    assert fit.value("R2") == pytest.approx(2.087e-1, rel=1e-3)
    assert np.isfinite(fit.error("R1")) and fit.error("R1") > 0


def test_undetermined_resistance_is_said(real_data: Path) -> None:
    """The Autolab cell's second arc is a pure capacitance: its R is not determined."""
    s = read_spectrum(real_data / "impedance_py" / "exampleDataAutolab.txt")
    fit = fit_circuit(s, "L0-R0-p(R1,CPE1)-p(R2,CPE2)", weighting="unit")
    assert fit.success
    assert any("R2 is not determined" in n for n in fit.notes)
    assert fit.undetermined == ("R2",) and fit.to_dict()["undetermined"] == ["R2"]
    r = analyze_spectrum(
        s, ImpedanceOptions(circuit=fit.circuit, weighting="unit", geometry=Geometry(0.1, 0.2))
    )
    assert r.status in ("unconstrained", "at_bound")
    for key, element in (("R_bulk", r.assignment.bulk_r), ("R_gb", r.assignment.gb_r)):
        if element in r.fit.undetermined:  # no error, and none for what depends on it
            assert r.value(key)[1] is None
            assert r.value("sigma_total")[1] is None

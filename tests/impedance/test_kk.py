"""lin-KK: a spectrum of a circuit is KK consistent; a drifting one is not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tracerdiff.impedance import lin_kk, make_spectrum, read_spectrum

from .conftest import FREQ, noisy_spectrum, pellet_z


def test_circuit_spectrum_is_consistent() -> None:
    r = lin_kk(noisy_spectrum(5, noise=0.005))
    assert r.consistent
    assert r.residual_rms < 0.01  # at the noise level (0.5 % per part)
    assert r.mu <= 0.85 and r.n_elements >= 3


def test_noiseless_residuals_are_tiny() -> None:
    z = pellet_z()
    r = lin_kk(make_spectrum(FREQ, z.real, z.imag))
    assert r.residual_rms < 2e-3


def test_drift_is_detected() -> None:
    """The real part drifts by 40 % over the sweep (a changing sample): not KK."""
    z = pellet_z()
    drift = 1 + 0.4 * np.linspace(0, 1, z.size)
    r = lin_kk(make_spectrum(FREQ, z.real * drift, z.imag))
    assert not r.consistent
    assert any("not Kramers-Kronig" in n for n in r.notes)


@pytest.mark.parametrize(
    ("name", "consistent"),
    [
        ("exampleData.csv", True),
        ("exampleDataVersaStudio.par", True),
        ("exampleDataPowersuite.txt", False),
    ],
)
def test_real_spectra(real_data: Path, name: str, consistent: bool) -> None:
    r = lin_kk(read_spectrum(real_data / "impedance_py" / name))
    assert r.consistent is consistent

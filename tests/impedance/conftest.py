"""Synthetic spectra of a polycrystalline pellet from known circuit parameters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tracerdiff.impedance import Spectrum, make_spectrum

#: truth of the pellet: bulk arc (pF), grain-boundary arc (nF), blocking electrode
TRUTH = {
    "R1": 500.0,
    "CPE1_Q": 2e-11,
    "CPE1_n": 0.95,
    "R2": 2000.0,
    "CPE2_Q": 5e-9,
    "CPE2_n": 0.85,
    "CPE3_Q": 2e-6,
    "CPE3_n": 0.8,
}
FREQ = np.logspace(7, -1, 65)
THICKNESS_CM, AREA_CM2 = 0.1, 0.2


def truth_capacitance(r: float, q: float, n: float) -> float:
    """(Q R^(1-n))^(1/n), written out independently of the package."""
    return float((q * r ** (1.0 - n)) ** (1.0 / n))


def pellet_z(truth: dict[str, float] = TRUTH, f: np.ndarray = FREQ) -> np.ndarray:
    """Z of p(R1,CPE1)-p(R2,CPE2)-CPE3, written out independently of the package."""
    jw = 2j * np.pi * f

    def arc(r: float, q: float, n: float) -> np.ndarray:
        return r / (1.0 + r * q * jw**n)

    return (
        arc(truth["R1"], truth["CPE1_Q"], truth["CPE1_n"])
        + arc(truth["R2"], truth["CPE2_Q"], truth["CPE2_n"])
        + 1.0 / (truth["CPE3_Q"] * jw ** truth["CPE3_n"])
    )


def noisy_spectrum(
    seed: int, noise: float = 0.01, truth: dict[str, float] = TRUTH, f: np.ndarray = FREQ
) -> Spectrum:
    """The pellet with Gaussian noise of ``noise`` x |Z| on each part."""
    z = pellet_z(truth, f)
    rng = np.random.default_rng(seed)
    zn = z + noise * np.abs(z) * (rng.normal(size=z.size) + 1j * rng.normal(size=z.size))
    return make_spectrum(f, zn.real, zn.imag, source=f"synthetic seed {seed}")


@pytest.fixture
def pellet_csv(tmp_path: Path) -> Path:
    """The noisy pellet as a CSV with a -Z'' column (the usual export convention)."""
    s = noisy_spectrum(3)
    p = tmp_path / "pellet.csv"
    rows = "\n".join(
        f"{f:.10g},{zr:.10g},{-zi:.10g}"
        for f, zr, zi in zip(s.frequency_Hz, s.z_real_ohm, s.z_imag_ohm, strict=True)
    )
    p.write_text("freq/Hz,Z'/ohm,-Z''/ohm\n" + rows + "\n", encoding="utf-8")
    return p

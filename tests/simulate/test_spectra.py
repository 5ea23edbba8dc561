"""Simulated impedance spectra of the demo pellet: consistent with the tracer truths, readable,
and fitted back to their truth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypedDict

import numpy as np
import pytest

from tracerdiff.errors import InputError
from tracerdiff.impedance import (
    Geometry,
    ImpedanceOptions,
    analyze_series,
    read_spectra,
)
from tracerdiff.simulate import llto_material
from tracerdiff.simulate.spectra import (
    DEMO_SPECTRA_TEMPERATURES_C,
    Pellet,
    pellet_truth,
    pellet_z,
    simulate_spectrum,
    spectrum_csv,
    write_demo_spectra,
)

K_B, E, EPS0 = 1.380649e-23, 1.602176634e-19, 8.8541878128e-14  # J/K, C, F/cm
N_LI, L_UM = 5.0e21, 16.0
MAT = llto_material()


class _Kw(TypedDict):
    haven_bulk: float
    haven_gb: float
    grain_um: float
    li_density_cm3: float


KW: _Kw = {"haven_bulk": 0.8, "haven_gb": 0.24, "grain_um": L_UM, "li_density_cm3": N_LI}


def test_truth_is_nernst_einstein_of_the_tracer_laws() -> None:
    pel = Pellet()
    for t_c in (-20.0, 22.0, 120.0):
        t = t_c + 273.15
        tr = pellet_truth(MAT, t, pel, **KW)
        # D_sigma = sigma k T / (n e^2), written out; H = D* / D_sigma
        to_d = K_B * t / (N_LI * E**2)
        assert MAT.d_bulk(t) / (tr["sigma_bulk"] * to_d) == pytest.approx(0.8, rel=1e-12)
        assert L_UM * 1e-4 * MAT.k_gb(t) / (tr["sigma_gb_apparent"] * to_d) == pytest.approx(
            0.24, rel=1e-12
        )
        # the pellet: R = d / (A sigma); geometric bulk C; brick-layer C ratio delta / l
        assert tr["R_bulk"] == pytest.approx(0.1 / (0.2 * tr["sigma_bulk"]), rel=1e-12)
        assert tr["C_bulk"] == pytest.approx(EPS0 * 30.0 * 0.2 / 0.1, rel=1e-12)
        assert tr["C_bulk"] / tr["C_gb"] == pytest.approx(0.5e-3 / L_UM, rel=1e-12)
        assert tr["sigma_total"] == pytest.approx(0.1 / (0.2 * (tr["R_bulk"] + tr["R_gb"])))
        # each CPE's Brug capacitance (Q R^(1-n))^(1/n) is the arc's C
        arcs = (("R1", "CPE1_Q", "CPE1_n", "C_bulk"), ("R2", "CPE2_Q", "CPE2_n", "C_gb"))
        for r, q, n, c in arcs:
            brug = (tr[q] * tr[r] ** (1 - tr[n])) ** (1 / tr[n])
            assert brug == pytest.approx(tr[c], rel=1e-10)


def test_circuit_limits() -> None:
    tr = pellet_truth(MAT, 253.15, Pellet(), **KW)
    f = np.array([1e12, 1e-6])
    z = pellet_z(tr, f)
    assert abs(z[0]) < 1e-3 * tr["R_bulk"]  # the bulk capacitance shorts at high frequency
    assert z[1].imag < -100 * (tr["R_bulk"] + tr["R_gb"])  # blocking electrode at low frequency
    assert z[1].real > tr["R_bulk"] + tr["R_gb"]


def test_noise_is_seeded_and_of_the_stated_size() -> None:
    pel = Pellet(noise=0.01)
    tr = pellet_truth(MAT, 295.15, pel, **KW)
    f, z1 = simulate_spectrum(tr, pel, 5)
    _, z2 = simulate_spectrum(tr, pel, 5)
    _, z3 = simulate_spectrum(tr, pel, 6)
    assert np.array_equal(z1, z2) and not np.array_equal(z1, z3)
    rel = (z1 - pellet_z(tr, f)) / np.abs(pellet_z(tr, f))
    assert np.std(np.r_[rel.real, rel.imag]) == pytest.approx(0.01, rel=0.25)
    assert f[0] == pytest.approx(3.2e7) and f[-1] == pytest.approx(0.1) and np.all(np.diff(f) < 0)


def test_bad_pellet_refused() -> None:
    with pytest.raises(InputError, match="thickness_cm"):
        Pellet(thickness_cm=0.0)
    with pytest.raises(InputError, match="n_gb"):
        Pellet(n_gb=1.2)
    with pytest.raises(InputError, match="f_max_Hz"):
        Pellet(f_max_Hz=0.01)
    with pytest.raises(InputError, match="Haven"):
        pellet_truth(
            MAT, 295.15, Pellet(), haven_bulk=0.8, haven_gb=0.0, grain_um=16.0, li_density_cm3=N_LI
        )


def test_csv_reads_back(tmp_path: Path) -> None:
    pel = Pellet()
    tr = pellet_truth(MAT, 313.15, pel, **KW)
    f, z = simulate_spectrum(tr, pel, 1)
    p = tmp_path / "s.csv"
    p.write_text(spectrum_csv(f, z, 313.15), encoding="utf-8")
    (s,) = read_spectra(p)
    assert s.temperature_K == pytest.approx(313.15)
    assert np.allclose(s.frequency_Hz, f, rtol=1e-7)
    assert np.allclose(s.z, z, rtol=1e-7, atol=1e-9)  # -Z'' converted back to Z''
    assert any("-Z''" in n for n in s.notes)


def test_demo_spectra_written_and_fitted_back(tmp_path: Path) -> None:
    entries, truth = write_demo_spectra(
        tmp_path, MAT, seed=11, **KW, temperatures_C=(-20.0, 40.0, 120.0)
    )
    assert [e["file"] for e in entries] == ["IS_m20C.csv", "IS_40C.csv", "IS_120C.csv"]
    assert {p.name for p in tmp_path.iterdir()} == {e["file"] for e in entries}
    json.dumps(truth)  # JSON-plain
    again = tmp_path / "again"
    again.mkdir()
    write_demo_spectra(again, MAT, seed=11, **KW, temperatures_C=(-20.0, 40.0, 120.0))
    assert (again / "IS_40C.csv").read_bytes() == (tmp_path / "IS_40C.csv").read_bytes()
    spectra = [s for e in entries for s in read_spectra(tmp_path / e["file"])]
    series = analyze_series(
        spectra, ImpedanceOptions(geometry=Geometry(0.1, 0.2), density_cm3=N_LI)
    )
    for r, t in zip(series.results, truth["spectra"], strict=True):
        assert r.success
        for key in ("R_bulk", "R_gb", "D_sigma_bulk", "D_sigma_gb_apparent"):
            v, e = r.value(key)
            assert e is not None and abs(v - t[key]["value"]) < 4 * e, (key, r.temperature_K)
    arr = truth["arrhenius"]
    assert arr["D_sigma_gb_apparent"]["Ea"]["value"] == MAT.ea_k_eV
    fit = series.arrhenius["sigma_gb_apparent"]
    assert abs(fit.ea_eV - MAT.ea_k_eV) < 4 * fit.ea_err + 0.005


def test_study_pre_exponential_is_reproduced(tmp_path: Path) -> None:
    """(l/delta) D_sigma,gb = l k / H_gb: its pre-exponential is the study's ~0.20 cm^2/s."""
    _, truth = write_demo_spectra(tmp_path, MAT, seed=1, **KW, temperatures_C=(22.0,))
    d0 = truth["arrhenius"]["D_sigma_gb_apparent"]["D0"]["value"]
    assert d0 == pytest.approx(0.20, rel=0.15)


def test_all_demo_temperatures_fit(tmp_path: Path) -> None:
    """The demo's eight temperatures with the bundled seed's stream: every fit succeeds."""
    entries, truth = write_demo_spectra(tmp_path, MAT, seed=2024, **KW)
    assert len(entries) == len(DEMO_SPECTRA_TEMPERATURES_C) == 8
    spectra = [s for e in entries for s in read_spectra(tmp_path / e["file"])]
    series = analyze_series(
        spectra, ImpedanceOptions(geometry=Geometry(0.1, 0.2), density_cm3=N_LI)
    )
    for r, t in zip(series.results, truth["spectra"], strict=True):
        assert r.success and r.status in ("ok", "at_bound"), r.status
        assert r.value("R_gb")[0] == pytest.approx(t["R_gb"]["value"], rel=0.05)


def test_bundled_spectra_regenerate(tmp_path: Path) -> None:
    """The demo's spectra and their truths are what the builder writes (own random stream)."""
    from tracerdiff.quantities import to_json
    from tracerdiff.simulate import DEMO_SEED, bundled_demo_path, demo

    root = bundled_demo_path()
    truth = json.loads((root / "truth.json").read_text())
    if "impedance" not in truth:
        pytest.skip("the bundled demo has no impedance spectra")
    entries, spectra_truth = write_demo_spectra(
        tmp_path,
        MAT,
        seed=DEMO_SEED,
        haven_bulk=demo.HAVEN_BULK,
        haven_gb=demo.HAVEN_GB,
        grain_um=16.0,
        li_density_cm3=N_LI,
    )
    assert json.loads(to_json(spectra_truth)) == truth["impedance"]
    manifest = {e["file"]: e for e in json.loads((root / "manifest.json").read_text())["files"]}
    for e in entries:
        assert manifest[e["file"]] == e
        new = np.loadtxt(tmp_path / e["file"], delimiter=",", skiprows=1)
        old = np.loadtxt(root / e["file"], delimiter=",", skiprows=1)
        assert np.allclose(new, old, rtol=1e-6, atol=0.0), e["file"]

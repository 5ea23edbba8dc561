"""Spot line scans from depth-profile files written in the real IONTOF export layout."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tracerdiff.errors import DataError, FileFormatError, InputError
from tracerdiff.io import (
    position_from_name,
    read_spot_linescan,
    spot_drift,
    write_iontof_depth_profile,
)

DT = 1.4666  # s per sputter cycle, as in the real exports
N_CYC = 60
N_LI = 4000  # 6Li + 7Li counts per cycle


def _spot(path: Path, c_of_t: np.ndarray, rng: np.random.Generator) -> Path:
    n6 = rng.binomial(N_LI, c_of_t)
    return write_iontof_depth_profile(
        path,
        np.arange(N_CYC) * DT,
        {"^6Li+": n6, "^7Li+": N_LI - n6, "O+": rng.poisson(50, N_CYC)},
        masses={"^6Li+": 6.0151, "^7Li+": 7.016, "O+": 15.9949},
    )


@pytest.fixture
def scan_dir(tmp_path: Path, rng: np.random.Generator) -> tuple[Path, dict[float, float]]:
    truth = {0.0: 0.80, 250.0: 0.55, 1250.0: 0.20, 2500.0: 0.0759}
    for x, c in truth.items():
        _spot(tmp_path / f"LLTO_B_x{x:g}um.txt", np.full(N_CYC, c), rng)
    (tmp_path / "notes.txt").write_text("not a profile\n")
    return tmp_path, truth


def test_linescan_recovers_fractions(scan_dir: tuple[Path, dict[float, float]]) -> None:
    d, truth = scan_dir
    ds = read_spot_linescan(d)
    assert ds.x_um.values.tolist() == sorted(truth)
    n = N_LI * N_CYC
    for x, c in truth.items():
        row = ds.sel(x_um=x)
        sigma = np.sqrt(c * (1 - c) / n)
        assert float(row["C_err"]) == pytest.approx(sigma, rel=0.05)
        assert abs(float(row["C"]) - c) < 4 * sigma
        assert float(row["6Li"] + row["7Li"]) == n
    assert ds["n_cycles"].values.tolist() == [N_CYC] * 4
    assert ds.attrs["pair"] == "6Li/7Li" and ds.attrs["n_spots"] == 4
    assert ds.attrs["dead_time_corrected"] == 0
    assert ds["spot_file"].values[0] == "LLTO_B_x0um.txt"
    assert len(json.loads(ds.attrs["source_sha256"])) == 4
    # constant C: no drift flagged, slopes consistent with zero
    assert ds["drift_significant"].values.sum() == 0
    assert np.all(np.abs(ds["C_slope_per_s"]) < 4 * ds["C_slope_err_per_s"])


def test_time_window_selects_cycles(tmp_path: Path, rng: np.random.Generator) -> None:
    # surface layer (first 10 cycles) has a different C: the window excludes it
    c = np.where(np.arange(N_CYC) < 10, 0.95, 0.40)
    f = _spot(tmp_path / "s_x10um.txt", c, rng)
    all_ = read_spot_linescan([f])
    win = read_spot_linescan([f], time_window_s=(10 * DT, 100.0))
    assert int(win["n_cycles"][0]) == N_CYC - 10
    sigma = np.sqrt(0.4 * 0.6 / (N_LI * (N_CYC - 10)))
    assert abs(float(win["C"][0]) - 0.40) < 4 * sigma
    assert float(all_["C"][0]) > 0.45
    assert int(all_["drift_significant"][0]) == 1  # the step shows up as a drift over depth
    with pytest.raises(DataError, match="no cycles inside"):
        read_spot_linescan([f], time_window_s=(500.0, 600.0))
    with pytest.raises(InputError, match="t0 <= t1"):
        read_spot_linescan([f], time_window_s=(5.0, 1.0))


def test_drift_detected_and_estimated(rng: np.random.Generator) -> None:
    t = np.arange(N_CYC) * DT
    slope = 2e-3  # 1/s
    c = 0.3 + slope * (t - t.mean())
    n6 = rng.binomial(N_LI, c).astype(float)
    d = spot_drift(t, n6, N_LI - n6)
    assert d.significant
    assert abs(d.slope_per_s - slope) < 4 * d.slope_err_per_s
    # expected error of a weighted fit: sqrt(var / sum (t - tbar)^2)
    expected = np.sqrt(0.3 * 0.7 / N_LI / np.sum((t - t.mean()) ** 2))
    assert d.slope_err_per_s == pytest.approx(expected, rel=0.3)


def test_positions_from_list_and_table(tmp_path: Path, rng: np.random.Generator) -> None:
    files = [_spot(tmp_path / f"spot{i}.txt", np.full(N_CYC, 0.5), rng) for i in range(3)]
    with pytest.raises(InputError, match="no position in file names"):
        read_spot_linescan(files)
    ds = read_spot_linescan(files, positions_um=[300.0, 100.0, 200.0])
    assert ds.x_um.values.tolist() == [100.0, 200.0, 300.0]
    assert ds["spot_file"].values.tolist() == ["spot1.txt", "spot2.txt", "spot0.txt"]
    table = tmp_path / "positions.csv"
    table.write_text("file,x_mm\nspot0.txt,0.1\nspot1.txt,0.2\nspot2.txt,0.3\n")
    ds2 = read_spot_linescan(files, positions_um=table)
    assert ds2.x_um.values == pytest.approx([100.0, 200.0, 300.0])
    with pytest.raises(InputError, match="3 files"):
        read_spot_linescan(files, positions_um=[1.0, 2.0])


def test_missing_species_and_empty_dir(tmp_path: Path, rng: np.random.Generator) -> None:
    f = _spot(tmp_path / "a_x1um.txt", np.full(N_CYC, 0.5), rng)
    with pytest.raises(DataError, match="'18O' not in the profile"):
        read_spot_linescan([f], pair=("18O", "16O"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileFormatError, match="no IONTOF depth-profile files"):
        read_spot_linescan(empty)


@pytest.mark.parametrize(
    ("name", "x"),
    [
        ("LLTO_x1250um.txt", 1250.0),
        ("s3_x1p25mm.txt", 1250.0),
        ("spot-x-20um.txt", -20.0),
        ("a_x0.5mm_b.txt", 500.0),
        ("plain.txt", None),
        ("max1250um.txt", None),
    ],
)
def test_position_from_name(name: str, x: float | None) -> None:
    assert position_from_name(name) == x

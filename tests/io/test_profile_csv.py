"""CSV profiles: reader options, binomial errors, writer round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from tracerdiff.errors import DataError, FileFormatError, InputError, OutputExistsError
from tracerdiff.io import binomial_fraction, open_dataset, read_profile_csv, write_profile_csv

GURU = "web_lead_gururajan/TracerDiffusionData_FeSrTiO3_973K.csv"


def test_real_gururajan_profile(real_data: Path) -> None:
    ds = open_dataset(real_data / GURU)
    assert ds.sizes["x_um"] == 30
    # x_cm -> um: 0.0002122 cm = 2.122 um
    assert ds.x_um.values[0] == pytest.approx(2.122)
    assert ds.x_um.values[-1] == pytest.approx(218.472)
    assert ds["C"].values[0] == pytest.approx(0.015616)
    assert np.isnan(ds["C_err"].values).all() and ds.attrs["C_err_given"] == 0
    assert ds.attrs["x_column"] == "x_cm"
    assert "Fe-doped SrTiO3" in ds.attrs["comment"]
    same = read_profile_csv(real_data / GURU, column="c_norm")
    np.testing.assert_array_equal(same["C"].values, ds["C"].values)


def test_column_option_and_x_unit(tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text("# pair: 18O/16O\nx,c_norm,c_norm_err,other\n1,0.5,0.01,3\n2,0.4,0.02,4\n")
    with pytest.raises(FileFormatError, match="pass column= or isotopes="):
        read_profile_csv(f)
    ds = read_profile_csv(f, column="c_norm", x_unit="mm")
    assert ds.x_um.values.tolist() == [1000.0, 2000.0]
    assert ds["C_err"].values.tolist() == [0.01, 0.02]
    assert ds["other"].values.tolist() == [3.0, 4.0]
    assert ds.attrs["pair"] == "18O/16O"


def test_isotope_counts_give_binomial_error(tmp_path: Path) -> None:
    f = tmp_path / "counts.csv"
    f.write_text("x_um,6Li,7Li,n_pixels\n0,30,70,10\n1,0,0,10\n2,50,50,10\n")
    ds = read_profile_csv(f)
    assert ds.attrs["pair"] == "6Li/7Li"
    assert ds["C"].values[0] == pytest.approx(0.3)
    assert ds["C_err"].values[0] == pytest.approx(np.sqrt(0.3 * 0.7 / 100))
    assert np.isnan(ds["C"].values[1])  # no counts: undefined, not zero
    assert ds["6Li"].values.tolist() == [30.0, 0.0, 50.0]
    assert ds["n_pixels"].values.tolist() == [10.0, 10.0, 10.0]
    swapped = read_profile_csv(f, isotopes=("7Li", "6Li"))
    assert swapped["C"].values[0] == pytest.approx(0.7)
    with pytest.raises(FileFormatError, match="not found"):
        read_profile_csv(f, isotopes=("18O", "16O"))


def test_negative_counts(tmp_path: Path) -> None:
    f = tmp_path / "neg.csv"
    f.write_text("x_um,6Li,7Li\n0,-1,3\n")
    with pytest.raises(DataError):
        read_profile_csv(f)


def test_bad_position_unit(tmp_path: Path) -> None:
    f = tmp_path / "u.csv"
    f.write_text("x_furlong,C\n1,0.5\n")
    with pytest.raises(FileFormatError, match="unknown position unit"):
        read_profile_csv(f)
    g = tmp_path / "nox.csv"
    g.write_text("depth,C\n1,0.5\n")
    with pytest.raises(FileFormatError, match="no position column"):
        read_profile_csv(g)


def test_binomial_fraction_values() -> None:
    c, e = binomial_fraction([1, 9], [3, 1])
    np.testing.assert_allclose(c, [0.25, 0.9])
    np.testing.assert_allclose(e, [np.sqrt(0.25 * 0.75 / 4), np.sqrt(0.9 * 0.1 / 10)])


def test_write_read_round_trip_exact(tmp_path: Path, rng: np.random.Generator) -> None:
    x = np.sort(rng.uniform(0, 500, 25))
    n6, n7 = rng.poisson(300, 25).astype(float), rng.poisson(700, 25).astype(float)
    c, e = binomial_fraction(n6, n7)
    prof = xr.Dataset(
        {
            "C": ("x_um", c),
            "C_err": ("x_um", e),
            "6Li": ("x_um", n6),
            "7Li": ("x_um", n7),
            "n_pixels": ("x_um", np.full(25, 12.0)),
        },
        coords={"x_um": x},
        attrs={"pair": "6Li/7Li", "start_um": "10,20", "width_um": 12.5, "note": "two\nlines"},
    )
    f = write_profile_csv(prof, tmp_path / "prof.csv")
    lines = f.read_text().splitlines()
    assert "x_um,C,C_err,6Li,7Li,n_pixels" in lines
    back = read_profile_csv(f, column="C")
    for k in ("C", "C_err", "6Li", "7Li", "n_pixels"):
        np.testing.assert_array_equal(back[k].values, prof[k].values)
    np.testing.assert_array_equal(back.x_um.values, x)
    assert back.attrs["pair"] == "6Li/7Li"
    assert back.attrs["width_um"] == 12.5
    assert back.attrs["note"] == "two lines"
    with pytest.raises(OutputExistsError):
        write_profile_csv(prof, f)
    with pytest.raises(InputError, match="'C', 'C_err'"):
        write_profile_csv(prof.drop_vars("C_err"), tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()

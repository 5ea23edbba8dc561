"""TIFF, npy, npz and NetCDF readers, and write_dataset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile
import xarray as xr

from tracerdiff.errors import FileFormatError, InputError, OutputExistsError, ShapeMismatchError
from tracerdiff.io import (
    open_dataset,
    read_npy,
    read_npz,
    read_tiff,
    write_dataset,
    write_iontof_image,
)


@pytest.fixture
def image_ds(tmp_path: Path, rng: np.random.Generator) -> xr.Dataset:
    f6 = write_iontof_image(
        tmp_path / "li6.txt",
        rng.poisson(30, (20, 30)),
        species="^6Li+",
        mass=6.0151,
        field_of_view_um=(30.0, 19.0),
        shots_per_pixel=2,
    )
    ds = open_dataset(f6)
    ds["7Li"] = (
        ("y", "x"),
        rng.poisson(90, (20, 30)).astype(float),
        {"species": "7Li", "units": "counts", "mass": 7.016},
    )
    return ds


def test_netcdf_round_trip_identical(image_ds: xr.Dataset, tmp_path: Path) -> None:
    f = write_dataset(image_ds, tmp_path / "img.nc")
    back = open_dataset(f)
    xr.testing.assert_identical(back, image_ds)
    assert back.attrs == image_ds.attrs
    assert back["6Li"].attrs == image_ds["6Li"].attrs


def test_netcdf_profile_and_frames(tmp_path: Path, real_data: Path) -> None:
    ds = open_dataset(real_data / "cameca_sims/image_sun.im")
    back = open_dataset(write_dataset(ds, tmp_path / "sun.nc"))
    xr.testing.assert_identical(back, ds)


def test_tiff_round_trip_species(image_ds: xr.Dataset, tmp_path: Path) -> None:
    back = read_tiff(write_dataset(image_ds, tmp_path / "img.tif"))
    assert list(back.data_vars) == ["6Li", "7Li"]
    np.testing.assert_array_equal(back["7Li"].values, image_ds["7Li"].values)
    np.testing.assert_allclose(back.x.values, image_ds.x.values)
    assert back.attrs["pixel_size_y_um"] == image_ds.attrs["pixel_size_y_um"]
    assert back.attrs["shots_per_pixel"] == 2
    assert back["6Li"].attrs["mass"] == pytest.approx(6.0151)
    assert back.attrs["format"] == "tiff"
    assert back.attrs["original_format"] == "iontof_ascii_image"
    assert back.attrs["original_source_file"] == image_ds.attrs["source_file"]


def test_tiff_and_npz_round_trip_frames(tmp_path: Path, real_data: Path) -> None:
    ds = open_dataset(real_data / "cameca_sims/image_sun.im")[["16O", "18O"]]
    for suffix in (".tif", ".npz"):
        back = open_dataset(write_dataset(ds, tmp_path / f"sun{suffix}"))
        assert back["18O"].dims == ("frame", "y", "x")
        np.testing.assert_array_equal(back["18O"].values, ds["18O"].values)
        assert back.attrs["dwell_time_s"] == pytest.approx(0.01)


def test_foreign_tiff_pages(tmp_path: Path, rng: np.random.Generator) -> None:
    stack = rng.poisson(10, (2, 8, 6)).astype(np.uint16)
    f = tmp_path / "foreign.tif"
    tifffile.imwrite(f, stack)
    with pytest.raises(FileFormatError, match="field of view"):
        read_tiff(f)
    frames = read_tiff(f, species="^6Li+", pixel_size_um=(0.5, 0.25))
    assert frames["6Li"].dims == ("frame", "y", "x")
    assert frames.attrs["field_of_view_y_um"] == pytest.approx(2.0)
    sp = open_dataset(f, species=["6Li", "7Li"], pages_as="species", field_of_view_um=(6, 8))
    assert list(sp.data_vars) == ["6Li", "7Li"]
    np.testing.assert_array_equal(sp["7Li"].values, stack[1])
    with pytest.raises(InputError, match="one species name per page"):
        read_tiff(f, species=["6Li"], pages_as="species", pixel_size_um=1.0)


def test_npy_and_foreign_npz(tmp_path: Path) -> None:
    a = np.arange(12.0).reshape(3, 4)
    np.save(tmp_path / "a.npy", a)
    ds = read_npy(tmp_path / "a.npy", species="6Li", pixel_size_um=1.0)
    np.testing.assert_array_equal(ds["6Li"].values, a)
    np.savez(tmp_path / "b.npz", **{"6Li": a, "7Li": 2 * a})
    z = read_npz(tmp_path / "b.npz", field_of_view_um=(4.0, 6.0))
    assert list(z.data_vars) == ["6Li", "7Li"]
    assert z.attrs["pixel_size_y_um"] == pytest.approx(2.0)


def test_npz_shape_mismatch(tmp_path: Path) -> None:
    np.savez(tmp_path / "b.npz", **{"6Li": np.ones((2, 2)), "7Li": np.ones((3, 2))})
    with pytest.raises(ShapeMismatchError, match="differ in shape"):
        read_npz(tmp_path / "b.npz", pixel_size_um=1.0)


def test_write_dataset_refuses_and_forces(image_ds: xr.Dataset, tmp_path: Path) -> None:
    f = write_dataset(image_ds, tmp_path / "a.nc")
    before = f.read_bytes()
    with pytest.raises(OutputExistsError):
        write_dataset(image_ds, f)
    assert f.read_bytes() == before
    write_dataset(image_ds * 2, f, force=True)
    assert float(open_dataset(f)["6Li"].sum()) == pytest.approx(2 * float(image_ds["6Li"].sum()))
    with pytest.raises(InputError, match="unknown output suffix"):
        write_dataset(image_ds, tmp_path / "a.xyz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.nc", "li6.txt"]


def test_write_tiff_needs_images(tmp_path: Path) -> None:
    prof = xr.Dataset({"C": ("x_um", np.ones(3))}, coords={"x_um": [0.0, 1.0, 2.0]})
    with pytest.raises(InputError, match="'y', 'x'"):
        write_dataset(prof, tmp_path / "p.tif")
    assert not (tmp_path / "p.tif").exists()


def test_corrupt_netcdf(tmp_path: Path) -> None:
    f = tmp_path / "bad.nc"
    f.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 40)
    with pytest.raises(FileFormatError, match=r"bad\.nc"):
        open_dataset(f)


def test_npy_refuses_complex_and_csv_without_rows(tmp_path: Path) -> None:
    f = tmp_path / "c.npy"
    np.save(f, np.array([[1 + 2j, 3]]))
    with pytest.raises(FileFormatError, match="expected real counts"):
        open_dataset(f, pixel_size_um=1.0)
    h = tmp_path / "h.csv"
    h.write_text("x_um,C,C_err\n")
    with pytest.raises(FileFormatError, match="no data rows"):
        open_dataset(h)

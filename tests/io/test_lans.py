"""LANS (Look@NanoSIMS) ion-map .mat exports, v5 (scipy) and v7.3 (HDF5), written here."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from scipy.io import savemat

from tracerdiff.errors import DataError, FileFormatError, InputError
from tracerdiff.io import detect_kind, open_dataset, read_lans_cells, read_lans_mat


def _truth(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    im = rng.poisson(40, (6, 8)).astype(float)
    cells = np.zeros((6, 8), dtype=np.int32)
    cells[1:3, 1:4] = 1
    cells[4:6, 5:8] = 2
    return im, cells


def _write_v73(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """A MATLAB 7.3 MAT-file: a 512-byte text header, then HDF5 with transposed datasets."""
    with h5py.File(path, "w", userblock_size=512) as f:
        for k, v in arrays.items():
            d = f.create_dataset(k, data=np.asarray(v, dtype=float).T)
            d.attrs["MATLAB_class"] = np.bytes_("double")
    with open(path, "r+b") as fh:
        fh.write(b"MATLAB 7.3 MAT-file, written by a test".ljust(116))


@pytest.mark.parametrize("version", ["v5", "v7.3"])
def test_ion_map_and_cells(tmp_path: Path, rng: np.random.Generator, version: str) -> None:
    im, cells = _truth(rng)
    f = tmp_path / "13C.mat"
    data = {"IM": im, "CELLS": cells.astype(float), "xyscale": np.array([[20.0]])}
    if version == "v5":
        savemat(f, data)
    else:
        _write_v73(f, data)
    assert detect_kind(f) == "lans_mat"
    ds = open_dataset(f)
    assert list(ds.data_vars) == ["13C"]
    np.testing.assert_array_equal(ds["13C"].values, im)  # not transposed
    assert ds.attrs["pixel_size_x_um"] == pytest.approx(20.0 / 8)
    assert ds.attrs["pixel_size_y_um"] == pytest.approx(20.0 / 6)
    np.testing.assert_array_equal(ds["roi_label"].values, cells)
    assert ds.attrs["n_rois"] == 2
    np.testing.assert_array_equal(read_lans_cells(f), cells)


def test_species_option_and_field_of_view(tmp_path: Path, rng: np.random.Generator) -> None:
    im, _ = _truth(rng)
    f = tmp_path / "m1.mat"
    savemat(f, {"IM": im, "xyscale": 20.0})
    ds = read_lans_mat(f, species="12C14N", field_of_view_um=(16.0, 12.0))
    assert list(ds.data_vars) == ["12C14N"]
    assert ds.attrs["pixel_size_x_um"] == pytest.approx(2.0)
    assert "roi_label" not in ds.coords


@pytest.mark.parametrize(
    ("data", "err", "match"),
    [
        ({"xyscale": 20.0}, FileFormatError, "no variable IM"),
        ({"IM": np.ones((3, 3))}, FileFormatError, "no xyscale"),
        ({"IM": np.ones((3, 3)), "xyscale": -1.0}, DataError, "xyscale"),
        ({"IM": np.ones((3, 3)), "xyscale": 5.0, "CELLS": np.ones((2, 3))}, FileFormatError,
         "CELLS has shape"),
        ({"IM": np.ones((3, 3)), "xyscale": 5.0, "CELLS": np.full((3, 3), 0.5)}, DataError,
         "whole numbers"),
    ],
)  # fmt: skip
def test_refused(tmp_path: Path, data: dict[str, object], err: type[Exception], match: str) -> None:
    f = tmp_path / "ion.mat"
    savemat(f, data)
    with pytest.raises(err, match=match):
        read_lans_mat(f)


def test_max_pixels_before_reading(tmp_path: Path) -> None:
    f = tmp_path / "big.mat"
    savemat(f, {"IM": np.zeros((50, 50)), "xyscale": 10.0})
    with pytest.raises(FileFormatError, match="max_pixels=100"):
        read_lans_mat(f, max_pixels=100)
    g = tmp_path / "big73.mat"
    _write_v73(g, {"IM": np.zeros((50, 50)), "xyscale": np.array([[10.0]])})
    with pytest.raises(FileFormatError, match="max_pixels=100"):
        read_lans_mat(g, max_pixels=100)


def test_species_named_like_a_coordinate(tmp_path: Path) -> None:
    f = tmp_path / "x.mat"
    savemat(f, {"IM": np.ones((3, 3)), "xyscale": 5.0})
    with pytest.raises(InputError, match="coordinate name"):
        read_lans_mat(f)
    assert list(read_lans_mat(f, species="18O").data_vars) == ["18O"]


def test_garbage_mat(tmp_path: Path) -> None:
    f = tmp_path / "junk.mat"
    f.write_bytes(b"MATLAB 5.0 MAT-file" + b"\x00" * 40)
    with pytest.raises(FileFormatError, match="not a readable MAT-file"):
        read_lans_mat(f)

"""``kind=`` (what a file holds) and ``species=`` (what a file cannot name) in open_dataset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile

from tracerdiff.errors import FileFormatError, InputError
from tracerdiff.io import GENERIC_KINDS, open_dataset, open_images
from tracerdiff.io.dispatch import species_list


def test_species_list_forms() -> None:
    assert species_list("6Li/7Li") == ["6Li", "7Li"]
    assert species_list("6Li, 7Li") == ["6Li", "7Li"]
    assert species_list(["18O"]) == ["18O"]
    assert species_list(None) is None
    with pytest.raises(InputError):
        species_list(" / ")


def test_species_names_a_single_image(tmp_path: Path) -> None:
    f = tmp_path / "counts.npy"
    np.save(f, np.ones((4, 5)))
    ds = open_dataset(f, species="18O", pixel_size_um=1.0)
    assert list(ds.data_vars) == ["18O"]


def test_species_pair_splits_pages(tmp_path: Path) -> None:
    f = tmp_path / "stack.tif"
    stack = np.stack([np.full((3, 4), 2, np.uint16), np.full((3, 4), 5, np.uint16)])
    tifffile.imwrite(f, stack)
    ds = open_dataset(f, species="6Li/7Li", pixel_size_um=1.0)
    assert list(ds.data_vars) == ["6Li", "7Li"]
    assert float(ds["7Li"].sum()) == 5 * 12


def test_species_pair_picks_profile_columns(tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text("x_um,a,b\n0,30,70\n1,10,90\n")
    ds = open_dataset(f, species="a,b")
    np.testing.assert_allclose(ds["C"].values, [0.3, 0.1])


def test_species_refused_where_the_file_names_them(real_data: Path) -> None:
    with pytest.raises(InputError, match="names its species itself"):
        open_dataset(real_data / "cameca_sims/image_sun.im", species="18O")


def test_generic_kinds(tmp_path: Path, real_data: Path) -> None:
    assert set(GENERIC_KINDS) == {"image", "profile", "depth_profile", "isotope_cycles"}
    m = tmp_path / "counts.csv"
    m.write_text("1,2\n3,4\n")
    assert "x_um" not in open_dataset(m, kind="image", pixel_size_um=1.0).coords
    dp = real_data / "iontof_depth_profile/I241209m_A_MAPI_1f-1nA_pos-B4_NF.txt"
    assert open_dataset(dp, kind="depth").attrs["kind"] == "depth_profile"
    asc = real_data / "cameca_ims_oxygen/NBS28@1.asc"
    assert open_dataset(asc, kind="cycles").attrs["format"] == "cameca_ims_asc"
    with pytest.raises(FileFormatError, match="not a depth profile"):
        open_dataset(m, kind="depth")
    with pytest.raises(FileFormatError, match="not an image"):
        open_dataset(dp, kind="image")
    with pytest.raises(InputError, match="unknown kind"):
        open_dataset(m, kind="movie")


def test_open_images_names_files_as_read(tmp_path: Path) -> None:
    a, b = tmp_path / "x.csv", tmp_path / "y.npy"  # stems that are coordinate names
    a.write_text("1,2\n3,4\n")
    np.save(b, np.array([[5.0, 6.0], [7.0, 8.0]]))
    ds = open_images([a, b], species=["18O", "16O"], pixel_size_um=1.0)
    assert list(ds.data_vars) == ["18O", "16O"]
    assert float(ds["16O"].sum()) == 26.0

"""IONTOF ASCII images (matrix and column forms) and depth profiles."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracerdiff.errors import DataError, FileFormatError, OutputExistsError
from tracerdiff.io import (
    normalize_species,
    open_dataset,
    read_iontof_depth_profile,
    read_iontof_image,
    write_iontof_columns,
    write_iontof_depth_profile,
    write_iontof_image,
)

POS = "iontof_depth_profile/I241209m_A_MAPI_1f-1nA_pos-B4_NF.txt"
NEG = "iontof_depth_profile/I241209p_A_MAPI_1f-1nA_neg-B4_NF.txt"


def test_image_round_trip_non_square_pixels(tmp_path: Path, rng: np.random.Generator) -> None:
    img = rng.poisson(80, size=(206, 512))
    f = write_iontof_image(
        tmp_path / "li6.txt",
        img,
        species="^6Li+",
        mass=6.0151,
        field_of_view_um=(500.0, 200.0),
        shots_per_pixel=1,
        scans=100,
    )
    ds = read_iontof_image(f)
    assert list(ds.data_vars) == ["6Li"]
    assert ds["6Li"].dims == ("y", "x")
    np.testing.assert_array_equal(ds["6Li"].values, img)
    assert ds["6Li"].attrs["label"] == "^6Li+"
    assert ds["6Li"].attrs["mass"] == pytest.approx(6.0151)
    assert ds.attrs["pixel_size_x_um"] == pytest.approx(500 / 512)
    assert ds.attrs["pixel_size_y_um"] == pytest.approx(200 / 206)
    assert ds.attrs["field_of_view_x_um"] == pytest.approx(500.0)
    # pixel centres (i + 1/2) p, row 0 first
    assert ds.x.values[0] == pytest.approx(0.5 * 500 / 512)
    assert ds.y.values[-1] == pytest.approx(205.5 * 200 / 206)
    assert ds.attrs["shots_per_pixel"] == 1 and ds.attrs["n_scans"] == 100
    assert ds.attrs["dead_time_corrected"] == 0
    assert ds.attrs["format"] == "iontof_ascii_image"
    assert len(ds.attrs["source_sha256"]) == 64


def test_image_non_integer_counts_mean_corrected(tmp_path: Path) -> None:
    img = np.array([[11.0097, 2.0], [3.0, 0.0]])
    f = write_iontof_image(tmp_path / "a.txt", img, species="Li+", field_of_view_um=(2, 2))
    ds = read_iontof_image(f)
    assert ds.attrs["dead_time_corrected"] == 1
    assert list(ds.data_vars) == ["Li"]
    np.testing.assert_allclose(ds["Li"].values, img, rtol=1e-12)


def test_image_header_flag_corrected(tmp_path: Path) -> None:
    f = write_iontof_image(
        tmp_path / "a.txt",
        np.ones((3, 4)),
        species="7Li",
        field_of_view_um=(4, 3),
        dead_time_corrected=True,
    )
    assert read_iontof_image(f).attrs["dead_time_corrected"] == 1


def test_image_without_header_needs_field(tmp_path: Path) -> None:
    f = tmp_path / "bare.txt"
    f.write_text("1 2 3 4 5\n6 7 8 9 10\n")
    with pytest.raises(FileFormatError, match="field of view"):
        read_iontof_image(f)
    ds = read_iontof_image(f, field_of_view_um=(10.0, 4.0), species="^7Li+")
    assert ds.attrs["pixel_size_x_um"] == pytest.approx(2.0)
    assert ds.attrs["pixel_size_y_um"] == pytest.approx(2.0)
    assert ds["7Li"].shape == (2, 5)


def test_header_field_of_view_in_mm_and_single_value(tmp_path: Path) -> None:
    f = tmp_path / "mm.txt"
    f.write_text("# Field of view (mm): 0.5\n# Peak: ^6Li+\n1\t2\n3\t4\n")
    ds = read_iontof_image(f)
    assert ds.attrs["field_of_view_x_um"] == pytest.approx(500.0)
    assert ds.attrs["field_of_view_y_um"] == pytest.approx(500.0)
    assert "6Li" in ds


def test_header_pixel_size_is_a_length_not_a_pixel_count(tmp_path: Path) -> None:
    f = tmp_path / "ps.txt"
    f.write_text("# Pixel size (µm): 0.977 x 0.971\n# Peak: ^7Li+\n1\t2\t3\n3\t4\t5\n")
    ds = read_iontof_image(f)
    assert ds.attrs["pixel_size_x_um"] == pytest.approx(0.977)
    assert ds.attrs["pixel_size_y_um"] == pytest.approx(0.971)
    # with a field of view in the header as well, the exact fov / pixels wins over the rounding
    g = tmp_path / "both.txt"
    g.write_text("# Field of view (µm): 3 x 2\n# Pixel size (µm): 0.9\n1\t2\t3\n3\t4\t5\n")
    assert read_iontof_image(g).attrs["pixel_size_x_um"] == pytest.approx(1.0)
    # and an explicit option wins over both
    assert read_iontof_image(g, pixel_size_um=0.5).attrs["pixel_size_y_um"] == 0.5


def test_truncated_depth_profile_names_the_line(real_data: Path, tmp_path: Path) -> None:
    raw = (real_data / POS).read_bytes()
    f = tmp_path / "cut.txt"
    f.write_bytes(raw[: raw.index(b"\n", 4000) + 200])  # the header and a cut data line
    with pytest.raises(FileFormatError, match=r"cut\.txt: line \d+ has \d+ of \d+ columns"):
        read_iontof_depth_profile(f)


def test_columns_forms(tmp_path: Path, rng: np.random.Generator) -> None:
    img = rng.poisson(5, size=(7, 9))
    f = write_iontof_columns(tmp_path / "c3.txt", img, species="^6Li+", field_of_view_um=(9, 14))
    ds = read_iontof_image(f)
    assert ds.attrs["format"] == "iontof_ascii_columns"
    np.testing.assert_array_equal(ds["6Li"].values, img)
    assert ds.attrs["pixel_size_y_um"] == pytest.approx(2.0)
    stack = rng.poisson(5, size=(3, 7, 9))
    f4 = write_iontof_columns(tmp_path / "c4.txt", stack, species="^7Li+", field_of_view_um=(9, 7))
    ds4 = read_iontof_image(f4)
    assert ds4["7Li"].dims == ("frame", "y", "x")
    np.testing.assert_array_equal(ds4["7Li"].values, stack)
    assert ds4.attrs["n_frames"] == 3


def test_columns_gap_is_an_error(tmp_path: Path) -> None:
    f = tmp_path / "gap.txt"
    f.write_text("# Field of view (um): 2 x 2\n# x y counts\n0 0 1\n1 0 2\n0 1 3\n0 1 4\n")
    with pytest.raises(FileFormatError, match="repeat or leave gaps"):
        read_iontof_image(f)


@pytest.mark.parametrize("bad", ["-1", "nan", "inf"])
def test_bad_counts_are_data_errors(tmp_path: Path, bad: str) -> None:
    f = tmp_path / "bad.txt"
    f.write_text(f"# Field of view (um): 2 x 2\n1\t{bad}\n3\t4\n")
    with pytest.raises(DataError, match="counts"):
        read_iontof_image(f)


def test_writer_refuses_existing_and_bad_input(tmp_path: Path) -> None:
    f = write_iontof_image(
        tmp_path / "a.txt", np.ones((2, 2)), species="6Li", field_of_view_um=(2, 2)
    )
    with pytest.raises(OutputExistsError):
        write_iontof_image(f, np.zeros((2, 2)), species="6Li", field_of_view_um=(2, 2))
    write_iontof_image(f, np.zeros((2, 2)), species="6Li", field_of_view_um=(2, 2), force=True)
    assert read_iontof_image(f)["6Li"].values.sum() == 0
    with pytest.raises(DataError):
        write_iontof_image(
            tmp_path / "n.txt", -np.ones((2, 2)), species="6Li", field_of_view_um=(2, 2)
        )
    assert not (tmp_path / "n.txt").exists()


def test_pixel_count_mismatch(tmp_path: Path) -> None:
    f = tmp_path / "m.txt"
    f.write_text("# Image size (pixels): 3 x 2\n# Field of view (um): 3 x 2\n1 2\n3 4\n")
    with pytest.raises(FileFormatError, match="header says 3 x 2"):
        read_iontof_image(f)


def test_corrupt_text(tmp_path: Path) -> None:
    f = tmp_path / "junk.txt"
    f.write_text("# Field of view (um): 2\nhello world\nfoo bar\n")
    with pytest.raises(FileFormatError, match=r"junk\.txt"):
        read_iontof_image(f)


@settings(max_examples=25, deadline=None)
@given(
    ny=st.integers(1, 12),
    nx=st.integers(1, 12),
    fx=st.floats(0.5, 1000),
    fy=st.floats(0.5, 1000),
    seed=st.integers(0, 2**31),
)
def test_round_trip_property(
    tmp_path_factory: pytest.TempPathFactory, ny: int, nx: int, fx: float, fy: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    img = rng.poisson(20, size=(ny, nx)).astype(float)
    d = tmp_path_factory.mktemp("prop")
    ds = read_iontof_image(
        write_iontof_image(d / "p.txt", img, species="^6Li+", field_of_view_um=(fx, fy))
    )
    np.testing.assert_array_equal(ds["6Li"].values, img)
    # the header keeps 3 decimals of the field of view
    assert ds.attrs["field_of_view_x_um"] == pytest.approx(round(fx, 3), abs=1e-9)
    assert ds.attrs["pixel_size_y_um"] * ny == pytest.approx(round(fy, 3), abs=1e-9)


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("^6Li+", "6Li"),
        ("Li+", "Li"),
        ("^206Pb+", "206Pb"),
        ("C_6H_5+", "C6H5"),
        ("12C 14N", "12C14N"),
        ("O-", "O"),
        ("18O", "18O"),
    ],
)
def test_normalize_species(label: str, name: str) -> None:
    assert normalize_species(label) == name


def test_real_depth_profile_positive(real_data: Path) -> None:
    ds = open_dataset(real_data / POS)
    assert ds.attrs["kind"] == "depth_profile"
    assert ds.attrs["format"] == "iontof_ascii_depth_profile"
    assert ds.sizes["time_s"] == 165
    assert ds["time_s"].values[:2].tolist() == [0.0, 1.4666]
    assert ds["dose_ions"].values[0] == pytest.approx(2.47442e6)
    assert ds["data_point"].values[-1] == 165
    # species normalised, labels kept, masses read
    assert ds["206Pb"].attrs["label"] == "^206Pb+"
    assert ds["206Pb"].attrs["mass"] == pytest.approx(205.9735)
    assert ds["Ag3"].attrs["label"] == "Ag_3+"
    assert ds["Ag3"].values[0] == pytest.approx(11.0097)
    assert "mass" not in ds["total"].attrs  # "N/A" in the export
    assert ds.attrs["dead_time_corrected"] == 1
    ratios = json.loads(ds.attrs["ratio_columns"])
    assert "Sn+ / ( Pb+ )" in ratios and len(ratios) == 5
    # repeated labels (SnO+ twice in the export) get unique names
    assert "SnO" in ds and "SnO_2" in ds
    assert all(np.isfinite(ds[v].values).all() for v in ds.data_vars)


def test_real_depth_profile_negative(real_data: Path) -> None:
    ds = read_iontof_depth_profile(real_data / NEG)
    assert ds.sizes["time_s"] == 165
    assert ds["O"].attrs["label"] == "O-"
    assert ds.attrs["dead_time_corrected"] == 1
    assert len(json.loads(ds.attrs["ratio_columns"])) == 9


def test_depth_profile_writer_round_trip(tmp_path: Path, rng: np.random.Generator) -> None:
    t = np.arange(40) * 1.4666
    li6, li7 = rng.poisson(3000, 40), rng.poisson(9000, 40)
    f = write_iontof_depth_profile(
        tmp_path / "spot.txt",
        t,
        {"^6Li+": li6, "^7Li+": li7},
        masses={"^6Li+": 6.0151, "^7Li+": 7.016},
    )
    ds = read_iontof_depth_profile(f)
    np.testing.assert_array_equal(ds["6Li"].values, li6)
    np.testing.assert_array_equal(ds["total"].values, li6 + li7)
    np.testing.assert_allclose(ds["time_s"].values, t, rtol=1e-9)
    assert ds["7Li"].attrs["mass"] == pytest.approx(7.016)
    assert ds.attrs["dead_time_corrected"] == 0
    # the writer copies the real export's header structure: same first four columns
    real_like = f.read_text(encoding="latin-1").splitlines()[3].split("\t")[:4]
    assert real_like == ["#Data Point #", "Sputter Time (s)", "Dose (ions)", "Fluence (ions/cm^2)"]


def test_latin1_header_crlf_and_trailing_tabs(tmp_path: Path) -> None:
    f = tmp_path / "lat.txt"
    text = "# Field of view (µm): 500.0 x 200.0\r\n# Peak: ^6Li+\r\n1\t2\t3\t\r\n4\t5\t6\t\r\n"
    f.write_bytes(text.encode("latin-1"))
    ds = read_iontof_image(f)
    np.testing.assert_array_equal(ds["6Li"].values, [[1, 2, 3], [4, 5, 6]])
    assert ds.attrs["field_of_view_x_um"] == 500.0
    assert ds.attrs["pixel_size_y_um"] == pytest.approx(100.0)

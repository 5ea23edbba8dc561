"""open_dataset dispatch, open_images merging, file errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tracerdiff.errors import DataError, FileFormatError, InputError, ShapeMismatchError
from tracerdiff.io import KINDS, detect_kind, open_dataset, open_images, write_iontof_image


@pytest.mark.parametrize(
    ("rel", "kind"),
    [
        ("cameca_sims/image_sun.im", "nanosims_im"),
        ("cameca_sims/is01_R1_KH03-27_01.is", "nanosims_is"),
        ("cameca_ims_oxygen/NBS28@1.asc", "cameca_ims_asc"),
        ("iontof_depth_profile/I241209m_A_MAPI_1f-1nA_pos-B4_NF.txt", "iontof_depth_profile"),
        ("web_lead_gururajan/TracerDiffusionData_FeSrTiO3_973K.csv", "profile_csv"),
    ],
)
def test_detect_real_files(real_data: Path, rel: str, kind: str) -> None:
    assert detect_kind(real_data / rel) == kind


def test_detect_by_content_not_suffix(tmp_path: Path, real_data: Path) -> None:
    # an IMS report renamed to .txt is still recognised by its banner
    f = tmp_path / "report.txt"
    f.write_bytes((real_data / "cameca_ims_oxygen/NBS28@1.asc").read_bytes())
    assert detect_kind(f) == "cameca_ims_asc"
    g = tmp_path / "image.dat"
    write_iontof_image(g, np.ones((2, 3)), species="6Li", field_of_view_um=(3, 2))
    assert detect_kind(g) == "iontof_image"
    np.save(tmp_path / "a.bin.npy", np.ones((2, 2)))
    (tmp_path / "a.bin.npy").rename(tmp_path / "a.weird")
    assert detect_kind(tmp_path / "a.weird") == "npy"


def test_missing_and_unknown(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="no such file"):
        open_dataset(tmp_path / "nope.txt")
    f = tmp_path / "x.xyz"
    f.write_bytes(b"\x01\x02\x03")
    with pytest.raises(FileFormatError, match="unknown format"):
        open_dataset(f)
    with pytest.raises(InputError, match="unknown kind"):
        open_dataset(tmp_path / "x.xyz", kind="bmp")
    assert "iontof_image" in KINDS


def test_binary_garbage_as_text(tmp_path: Path) -> None:
    f = tmp_path / "garbage.txt"
    f.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(FileFormatError, match=r"garbage\.txt"):
        open_dataset(f, field_of_view_um=(1, 1))


def test_wrong_option_for_reader(real_data: Path) -> None:
    # the message names the file, the option refused and the options the reader takes
    with pytest.raises(
        InputError,
        match=r"image_sun\.im: a nanosims_im file does not take "
        r"column \(it takes max_pixels\)",
    ):
        open_dataset(real_data / "cameca_sims/image_sun.im", column="C")
    with pytest.raises(InputError, match=r"not take pixel_size_um \(it takes column, isotopes"):
        open_dataset(
            real_data / "web_lead_gururajan/TracerDiffusionData_FeSrTiO3_973K.csv",
            pixel_size_um=1.0,
        )


def test_folder_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="is a folder"):
        open_dataset(tmp_path)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(FileFormatError, match=r"empty\.txt: empty file"):
        open_dataset(empty)


def _pair(
    tmp_path: Path, rng: np.random.Generator, shape: tuple[int, int] = (206, 512)
) -> list[Path]:
    f6 = write_iontof_image(
        tmp_path / "a6.txt",
        rng.poisson(20, shape),
        species="^6Li+",
        mass=6.0151,
        field_of_view_um=(500, 200),
    )
    f7 = write_iontof_image(
        tmp_path / "a7.txt",
        rng.poisson(60, shape),
        species="^7Li+",
        mass=7.016,
        field_of_view_um=(500, 200),
    )
    return [f6, f7]


def test_open_images_merges(tmp_path: Path, rng: np.random.Generator) -> None:
    files = _pair(tmp_path, rng)
    ds = open_images(files)
    assert list(ds.data_vars) == ["6Li", "7Li"]
    assert ds["7Li"].attrs["mass"] == pytest.approx(7.016)
    assert ds.attrs["pixel_size_x_um"] == pytest.approx(500 / 512)
    assert ds.attrs["source_file"].count(";") == 1
    renamed = open_images(files, species=["Li6", "Li7"])
    assert list(renamed.data_vars) == ["Li6", "Li7"]


def test_open_images_errors(tmp_path: Path, rng: np.random.Generator) -> None:
    files = _pair(tmp_path, rng)
    other = write_iontof_image(
        tmp_path / "b7.txt",
        rng.poisson(60, (100, 512)),
        species="^7Li+",
        field_of_view_um=(500, 200),
    )
    with pytest.raises(ShapeMismatchError, match="shape"):
        open_images([files[0], other])
    corrected = write_iontof_image(
        tmp_path / "c7.txt", np.full((206, 512), 2.5), species="7Li", field_of_view_um=(500, 200)
    )
    with pytest.raises(DataError, match="dead_time_corrected"):
        open_images([files[0], corrected])
    with pytest.raises(DataError, match="appears twice"):
        open_images([files[0], files[0]])
    with pytest.raises(InputError, match="2 files"):
        open_images(files, species=["6Li"])
    # explicit field of view overrides the header (pixel sizes)
    ds = open_images(files, field_of_view_um=(1000, 400))
    assert ds.attrs["pixel_size_y_um"] == pytest.approx(400 / 206)

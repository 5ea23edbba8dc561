"""Pixel sizes from ImageJ and OME-TIFF calibration, in files written here with tifffile."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile

from tracerdiff.errors import FileFormatError
from tracerdiff.io import open_dataset, read_tiff

IMG = np.arange(12, dtype=np.uint16).reshape(3, 4)


@pytest.mark.parametrize(
    ("unit", "scale"),
    [("um", 1.0), ("micron", 1.0), ("\\u00B5m", 1.0), ("nm", 1e-3), ("mm", 1e3)],
)
def test_imagej_unit_and_resolution(tmp_path: Path, unit: str, scale: float) -> None:
    f = tmp_path / "ij.tif"
    # ImageJ writes µm as the ASCII escape \u00B5m (tifffile writes ASCII only)
    # 4 pixels per unit along x, 2 along y: pixel 0.25 x 0.5 unit
    tifffile.imwrite(f, IMG, imagej=True, resolution=(4.0, 2.0), metadata={"unit": unit})
    ds = read_tiff(f, species="18O")
    assert ds.attrs["pixel_size_x_um"] == pytest.approx(0.25 * scale)
    assert ds.attrs["pixel_size_y_um"] == pytest.approx(0.5 * scale)
    assert ds.attrs["pixel_size_from"] == "imagej"
    assert ds.attrs["field_of_view_x_um"] == pytest.approx(4 * 0.25 * scale)


def test_imagej_stack_spacing(tmp_path: Path) -> None:
    f = tmp_path / "stack.tif"
    stack = np.stack([IMG, IMG + 1])
    tifffile.imwrite(
        f, stack, imagej=True, resolution=(2.0, 2.0), metadata={"unit": "micron", "spacing": 0.02}
    )
    ds = open_dataset(f)
    assert ds["counts"].dims == ("frame", "y", "x")
    assert ds.attrs["pixel_size_x_um"] == pytest.approx(0.5)
    assert ds.attrs["spacing_um"] == pytest.approx(0.02)


def test_imagej_pixel_unit_is_uncalibrated(tmp_path: Path) -> None:
    f = tmp_path / "px.tif"
    tifffile.imwrite(f, IMG, imagej=True, resolution=(1.0, 1.0), metadata={"unit": "pixel"})
    with pytest.raises(FileFormatError, match="pixel_size_um"):
        read_tiff(f)
    assert read_tiff(f, pixel_size_um=0.1).attrs["pixel_size_from"] == "option"


def test_imagej_unknown_unit_refused(tmp_path: Path) -> None:
    f = tmp_path / "furlong.tif"
    tifffile.imwrite(f, IMG, imagej=True, resolution=(1.0, 1.0), metadata={"unit": "furlong"})
    with pytest.raises(FileFormatError, match="unknown length unit"):
        read_tiff(f)


@pytest.mark.parametrize(
    ("size", "unit", "expected_um"),
    [("0.5", "µm", 0.5), ("250", "nm", 0.25), ("0.002", "mm", 2.0)],
)
def test_ome_physical_size(tmp_path: Path, size: str, unit: str, expected_um: float) -> None:
    f = tmp_path / "img.ome.tif"
    meta = {
        "PhysicalSizeX": float(size),
        "PhysicalSizeXUnit": unit,
        "PhysicalSizeY": 2 * float(size),
        "PhysicalSizeYUnit": unit,
    }
    tifffile.imwrite(f, IMG, ome=True, metadata=meta)
    ds = read_tiff(f)
    assert ds.attrs["pixel_size_x_um"] == pytest.approx(expected_um)
    assert ds.attrs["pixel_size_y_um"] == pytest.approx(2 * expected_um)
    assert ds.attrs["pixel_size_from"] == "ome"


def test_ome_default_unit_is_micrometre(tmp_path: Path) -> None:
    f = tmp_path / "img.ome.tif"
    tifffile.imwrite(f, IMG, ome=True, metadata={"PhysicalSizeX": 0.3, "PhysicalSizeY": 0.3})
    assert read_tiff(f).attrs["pixel_size_x_um"] == pytest.approx(0.3)


def test_centimetre_resolution_read_inch_ignored(tmp_path: Path) -> None:
    cm, inch = tmp_path / "cm.tif", tmp_path / "inch.tif"
    tifffile.imwrite(cm, IMG, resolution=(1e4, 5e3), resolutionunit="CENTIMETER")
    tifffile.imwrite(inch, IMG, resolution=(72.0, 72.0), resolutionunit="INCH")
    ds = read_tiff(cm)
    assert (ds.attrs["pixel_size_x_um"], ds.attrs["pixel_size_y_um"]) == pytest.approx((1.0, 2.0))
    with pytest.raises(FileFormatError, match="pixel_size_um"):
        read_tiff(inch)  # 72 dpi is a print setting, not the microscope's pixel


def test_options_win_over_calibration(tmp_path: Path) -> None:
    f = tmp_path / "ij.tif"
    tifffile.imwrite(f, IMG, imagej=True, resolution=(4.0, 4.0), metadata={"unit": "um"})
    ds = read_tiff(f, field_of_view_um=(8.0, 6.0))
    assert (ds.attrs["pixel_size_x_um"], ds.attrs["pixel_size_y_um"]) == pytest.approx((2.0, 2.0))
    assert ds.attrs["pixel_size_from"] == "option"

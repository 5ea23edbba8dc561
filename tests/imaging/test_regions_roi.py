"""ROI statistics: label images (.npy, .tif, LANS .mat CELLS), shapes in um, JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
import tifffile
import xarray as xr
from scipy.io import savemat

from tracerdiff.errors import DataError, InputError, OutputExistsError, ShapeMismatchError
from tracerdiff.imaging.regions import RoiTable, roi_stats
from tracerdiff.imaging.roi_masks import Polygon, Rect, parse_shapes
from tracerdiff.io import open_dataset

from .conftest import image_dataset


def _labels() -> np.ndarray:
    lab = np.zeros((10, 12), dtype=np.int32)
    lab[0:4, 0:5] = 1
    lab[5:10, 6:12] = 3
    return lab


@pytest.fixture
def two_grains(rng: np.random.Generator) -> xr.Dataset:
    """Grain 1 at C = 0.2, grain 3 at C = 0.6 (binomial counts of 400 per pixel)."""
    truth = np.where(_labels() == 3, 0.6, 0.2)
    a = rng.binomial(400, truth).astype(float)
    return image_dataset(a, 400 - a, names=("18O", "16O"), px=1.0, py=2.0)


def _check(table: RoiTable, ds: xr.Dataset) -> None:
    lab = _labels()
    d = table.to_dict()
    assert [r["label"] for r in d["regions"]] == [1, 3]
    for row, truth in zip(d["regions"], (0.2, 0.6), strict=True):
        m = lab == row["label"]
        na, nb = ds["18O"].values[m].sum(), ds["16O"].values[m].sum()
        assert row["n_pixels"] == m.sum()
        assert row["counts"] == {"18O": na, "16O": nb}
        c = na / (na + nb)
        assert row["C"]["value"] == pytest.approx(c)
        assert row["C"]["stderr"] == pytest.approx(np.sqrt(c * (1 - c) / (na + nb)))
        assert abs(c - truth) < 4 * row["C"]["stderr"]


def test_label_array(two_grains: xr.Dataset) -> None:
    table = roi_stats(two_grains, _labels(), pair="18O/16O", dead_time="none")
    _check(table, two_grains)
    assert json.loads(table.to_json())["n_regions"] == 2


@pytest.mark.parametrize("suffix", [".npy", ".tif", ".mat"])
def test_label_files(two_grains: xr.Dataset, tmp_path: Path, suffix: str) -> None:
    f = tmp_path / f"mask{suffix}"
    if suffix == ".npy":
        np.save(f, _labels())
    elif suffix == ".tif":
        tifffile.imwrite(f, _labels().astype(np.uint16))
    else:
        savemat(f, {"IM": two_grains["18O"].values, "CELLS": _labels(), "xyscale": 12.0})
    _check(roi_stats(two_grains, f, pair="18O/16O", dead_time="none"), two_grains)


def test_lans_export_carries_its_cells(tmp_path: Path, two_grains: xr.Dataset) -> None:
    for name in ("18O", "16O"):
        savemat(tmp_path / f"{name}.mat",
                {"IM": two_grains[name].values, "CELLS": _labels(), "xyscale": 12.0})  # fmt: skip
    ds = open_dataset(tmp_path / "18O.mat")
    ds["16O"] = open_dataset(tmp_path / "16O.mat")["16O"]
    table = roi_stats(ds, None, pair="18O/16O", dead_time="none")
    assert table.mask == "roi_label of the data"
    _check(table, two_grains)


def test_fraction_map_with_its_images(two_grains: xr.Dataset) -> None:
    from tracerdiff.imaging import fraction_map

    fmap = fraction_map(two_grains, pair="18O/16O", dead_time="none", dtype="float64")
    _check(roi_stats(fmap, _labels(), images=two_grains), two_grains)
    alone = roi_stats(fmap, _labels())  # the map's corrected counts only
    assert set(alone.species_counts[0]) == {"18O", "16O"}


def test_shapes_in_um(two_grains: xr.Dataset) -> None:
    # pixel centres x = 0.5..11.5 um, y = 1..19 um: grain 1 is columns 0-4, rows 0-3
    rect = Rect(0.0, 0.0, 5.0, 8.0)
    poly = Polygon(((6.0, 10.0), (12.0, 10.0), (12.0, 20.0), (6.0, 20.0)))
    table = roi_stats(two_grains, [rect, poly], pair="18O/16O", dead_time="none")
    assert [r.n_pixels for r in table.regions] == [20, 30]
    text = roi_stats(two_grains, "rect 0 0 5 8; poly:6,10,12,10,12,20,6,20", pair="18O/16O",
                     dead_time="none")  # fmt: skip
    assert text.to_dict()["regions"] == table.to_dict()["regions"]


def test_triangle_pixel_centres() -> None:
    tri = Polygon(((0.0, 0.0), (4.0, 0.0), (0.0, 4.0)))
    x, y = np.meshgrid(np.arange(4) + 0.5, np.arange(4) + 0.5)
    # centres strictly below the diagonal x + y = 4: 3 + 2 + 1 rows, plus none on it
    assert int(tri.mask(x, y).sum()) == 6


def test_csv(two_grains: xr.Dataset, tmp_path: Path) -> None:
    table = roi_stats(two_grains, _labels(), pair="18O/16O", dead_time="none")
    f = table.write_csv(tmp_path / "roi.csv")
    rows = list(csv.DictReader(io.StringIO(f.read_text())))
    assert list(rows[0]) == ["label", "n_pixels", "n_excluded", "18O", "16O", "C", "C_err",
                             "C_err_sys"]  # fmt: skip
    assert float(rows[1]["C"]) == table.regions[1].C  # exact round trip
    with pytest.raises(OutputExistsError):
        table.write_csv(f)


def test_refusals(two_grains: xr.Dataset) -> None:
    opts = {"pair": "18O/16O", "dead_time": "none"}
    with pytest.raises(ShapeMismatchError):
        roi_stats(two_grains, np.ones((3, 3), dtype=int), **opts)
    with pytest.raises(DataError, match="whole numbers"):
        roi_stats(two_grains, np.full((10, 12), -1), **opts)
    with pytest.raises(DataError, match="no region"):
        roi_stats(two_grains, np.zeros((10, 12), dtype=int), **opts)
    with pytest.raises(InputError, match="no pixel centre"):
        roi_stats(two_grains, "rect 100 100 200 200", **opts)
    with pytest.raises(InputError, match="expected 'rect"):
        parse_shapes("circle 1 2 3")
    with pytest.raises(InputError, match="roi_label"):
        roi_stats(two_grains, None, **opts)
    with pytest.raises(InputError, match="bin 1"):
        roi_stats(two_grains, _labels(), bin=2, **opts)

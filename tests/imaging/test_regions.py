"""Region statistics from summed counts."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pytest
import xarray as xr

from tracerdiff.errors import InputError, ShapeMismatchError
from tracerdiff.imaging import RegionStats, fraction_map, region_stats

Make = Callable[..., xr.Dataset]


def test_rectangle_sums_pixel_centres_inside(make_ds: Make, rng: np.random.Generator) -> None:
    a = rng.integers(0, 90, (10, 12)).astype(float)
    b = rng.integers(0, 90, (10, 12)).astype(float)
    ds = make_ds(a, b, px=1.0, py=2.0)
    r = region_stats(ds, rect_um=(2.0, 3.0, 6.0, 9.0), label="grain 1")
    # x centres 2.5..5.5 -> columns 2..5; y centres 3, 5, 7, 9 -> rows 1..4
    sa, sb = a[1:5, 2:6].sum(), b[1:5, 2:6].sum()
    assert isinstance(r, RegionStats)
    assert (r.counts_a, r.counts_b, r.n_pixels) == (sa, sb, 16)
    c = sa / (sa + sb)
    assert r.C == pytest.approx(c) and r.C_err == pytest.approx(np.sqrt(c * (1 - c) / (sa + sb)))
    d = json.loads(r.to_json())
    assert d["C"]["unit"] == "" and d["counts"]["6Li"] == sa and d["label"] == "grain 1"
    assert "6Li" in str(r)


def test_mask_whole_field_and_errors(make_ds: Make) -> None:
    a, b = np.full((4, 5), 3.0), np.full((4, 5), 1.0)
    ds = make_ds(a, b)
    whole = region_stats(ds)
    assert whole.n_pixels == 20 and whole.C == pytest.approx(0.75)
    m = np.zeros((4, 5), bool)
    m[0, :2] = True
    assert region_stats(ds, mask=m).counts_a == 6.0
    with pytest.raises(ShapeMismatchError):
        region_stats(ds, mask=np.ones((5, 4), bool))
    with pytest.raises(InputError, match="boolean"):
        region_stats(ds, mask=np.ones((4, 5)))
    with pytest.raises(InputError, match="not both"):
        region_stats(ds, mask=m, rect_um=(0, 0, 1, 1))
    with pytest.raises(InputError, match="no pixel centre"):
        region_stats(ds, rect_um=(100, 100, 120, 120))


def test_saturated_pixels_excluded_and_counted(make_ds: Make) -> None:
    a = np.full((3, 3), 10.0)
    a[1, 1] = 50.0
    fds = fraction_map(
        make_ds(a, np.full((3, 3), 10.0)), shots_per_pixel=50, scans=1, saturated="nan"
    )
    r = region_stats(fds)
    assert (r.n_pixels, r.n_excluded) == (8, 1)
    assert r.C == pytest.approx(0.5)

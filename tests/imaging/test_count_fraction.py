"""Fractions of count series (.is / .asc cycles, depth profiles): real files against the
instruments' own results, synthetic truth, and the same numbers as the image pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from tracerdiff.errors import InputError
from tracerdiff.imaging import fraction_map, region_stats
from tracerdiff.imaging.count_fraction import count_fraction, is_count_series
from tracerdiff.io import open_dataset, write_iontof_depth_profile

IS = "cameca_sims/is01_R1_KH03-27_01.is"


@pytest.mark.parametrize("name", ["NBS28@1.asc", "Qinghu@1.asc"])
def test_asc_summed_ratio_is_the_reports_integrated_mean(real_data: Path, name: str) -> None:
    ds = open_dataset(real_data / "cameca_ims_oxygen" / name)
    res = count_fraction(ds, pair="18O/16O")
    integrated = json.loads(ds.attrs["ratios"])["R0"]["integrated_mean"]
    assert res.C / (1 - res.C) == pytest.approx(integrated, rel=5e-7)  # 7 printed digits
    assert res.n_a.shape == (50,) and res.dim == "cycle"
    assert res.corrections[0]["18O"]["method"] == "ims_report"


def test_is_against_the_stat_file(real_data: Path) -> None:
    ds = open_dataset(real_data / IS)
    raw = count_fraction(ds, pair="2H/1H", dead_time="none")
    # .stat section 1 (no dead time): 2/1 = 1.45048E-004, Poisson error 3.67 %
    assert raw.C / (1 - raw.C) == pytest.approx(1.45048e-4, rel=1e-5)
    assert raw.C_err / raw.C / (1 - raw.C) == pytest.approx(0.0367, rel=2e-3)
    em = count_fraction(ds, pair="2H/1H")  # auto: electron multiplier, 44 ns, per cycle
    # .stat section 2 (EM dead time): 1H cumulated 5.11065E+006, 2/1 = 1.44991E-004
    assert em.counts_b == pytest.approx(5.11065e6, rel=1e-5)
    assert em.C / (1 - em.C) == pytest.approx(1.44991e-4, rel=1e-5)
    assert em.C_points.shape == (100,)


def _series(na: np.ndarray, nb: np.ndarray, t: float = 1.0) -> xr.Dataset:
    attrs = {"count_time_s": t, "units": "counts"}
    return xr.Dataset(
        {"18O": ("cycle", na, attrs), "16O": ("cycle", nb, attrs)},
        coords={"cycle": np.arange(na.size)},
        attrs={"kind": "isotope_cycles", "instrument": "test", "dead_time_corrected": 0},
    )


def test_recovers_a_known_fraction(rng: np.random.Generator) -> None:
    truth, n = 0.3, 2000
    na = rng.binomial(n, truth, size=40).astype(float)
    res = count_fraction(_series(na, n - na), pair="18O/16O")
    assert abs(res.C - truth) < 3 * np.sqrt(truth * (1 - truth) / (40 * n))
    assert res.C_err == pytest.approx(np.sqrt(res.C * (1 - res.C) / (40 * n)), rel=1e-12)
    np.testing.assert_allclose(res.C_points, na / n)
    assert len(res.to_dict()["points"]) == 40
    assert "points" not in res.to_dict(per_point=False)


def test_same_numbers_as_the_image_pipeline(rng: np.random.Generator) -> None:
    na = rng.poisson(300, 64).astype(float)
    nb = rng.poisson(900, 64).astype(float)
    opts = {"background": (0.002, 0.0002), "source": (0.9, 0.01), "imf_alpha": (1.02, 0.005)}
    series = count_fraction(_series(na, nb), pair="18O/16O", dead_time="none", **opts)
    img = xr.Dataset(
        {"18O": (("y", "x"), na.reshape(8, 8)), "16O": (("y", "x"), nb.reshape(8, 8))},
        attrs={"pixel_size_x_um": 1.0, "pixel_size_y_um": 1.0, "instrument": "test"},
    )
    fmap = fraction_map(img, pair="18O/16O", dead_time="none", drift=False, dtype="float64", **opts)
    whole = region_stats(fmap)
    assert series.C == pytest.approx(whole.C, rel=1e-12)
    assert series.C_err == pytest.approx(whole.C_err, rel=1e-12)
    assert series.C_err_sys == pytest.approx(whole.C_err_sys, rel=1e-12)
    np.testing.assert_allclose(series.C_points, fmap["C"].values.ravel(), rtol=1e-12)


def test_count_times_differ(rng: np.random.Generator) -> None:
    ds = _series(np.full(5, 100.0), np.full(5, 200.0))
    ds["16O"].attrs["count_time_s"] = 2.0  # 16O counted twice as long: equal rates
    res = count_fraction(ds, pair="18O/16O", dead_time="none")
    assert res.C == pytest.approx(0.5)
    assert res.corrections[1]["name"] == "count_time"


def test_depth_profile_window(tmp_path: Path) -> None:
    t = np.arange(10.0)
    f = write_iontof_depth_profile(
        tmp_path / "dp.txt", t, {"^18O-": np.full(10, 25.0), "^16O-": np.full(10, 75.0)}
    )
    ds = open_dataset(f)
    assert is_count_series(ds)
    res = count_fraction(ds, pair="18O/16O", window=(2.0, 5.0))
    assert res.dim == "time_s" and res.coord.tolist() == [2.0, 3.0, 4.0, 5.0]
    assert res.C == pytest.approx(0.25)
    assert res.corrections[0]["applied"] is False
    with pytest.raises(InputError, match="holds no record"):
        count_fraction(ds, pair="18O/16O", window=(50.0, 60.0))


def test_real_iontof_depth_profile(real_data: Path) -> None:
    ds = open_dataset(real_data / "iontof_depth_profile/I241209m_A_MAPI_1f-1nA_pos-B4_NF.txt")
    res = count_fraction(ds, pair="207Pb/206Pb")
    assert res.n_a.size == ds.sizes["time_s"]
    assert res.counts_a == pytest.approx(float(ds["207Pb"].sum()))
    assert 0 < res.C < 1 and res.C_err > 0


def test_images_refused() -> None:
    img = xr.Dataset({"a": (("y", "x"), np.ones((2, 2)))})
    with pytest.raises(InputError, match="use fraction_map"):
        count_fraction(img, pair="18O/16O")


def test_one_options_object(rng: np.random.Generator) -> None:
    from tracerdiff.imaging import FractionOptions

    ds = _series(rng.poisson(50, 10).astype(float), rng.poisson(150, 10).astype(float))
    o = FractionOptions(dead_time="none", background=0.002, source=0.9)
    assert count_fraction(ds, o).C == count_fraction(ds, **o.model_dump()).C
    assert count_fraction(ds, o).normalised
    with pytest.raises(InputError, match="bin applies to images"):
        count_fraction(ds, bin=2)
    with pytest.raises(InputError, match="tof"):
        count_fraction(ds, dead_time="tof")
    with pytest.raises(InputError, match="unknown fraction option"):
        count_fraction(ds, pixel_size=1.0)

"""fraction_map: the fraction-dataset contract and every correction, applied and recorded."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pytest
import xarray as xr
from scipy import ndimage

from tracerdiff.errors import InputError, SaturationError
from tracerdiff.imaging import (
    MASK_REASONS,
    InterferenceWarning,
    fraction_map,
    imf_fraction,
)

Make = Callable[..., xr.Dataset]


def _record(fds: xr.Dataset, name: str) -> dict:
    return next(r for r in json.loads(fds.attrs["corrections"]) if r["name"] == name)


def test_contract_and_step_recovery(step_image: Callable[..., xr.Dataset]) -> None:
    ds = step_image()
    fds = fraction_map(ds)
    assert fds["C"].dims == ("y", "x") and fds["C"].dtype == np.float32
    assert {"C", "C_err", "n_a", "n_b", "mask_reason"} <= set(fds.data_vars)
    assert "var_a" not in fds  # Poisson counts: no variance variables
    np.testing.assert_allclose(fds["x"], ds["x"])
    np.testing.assert_allclose(fds["y"], ds["y"])
    assert fds.attrs["pair"] == "6Li/7Li"
    assert fds.attrs["n_saturated"] == 0 and fds.attrs["n_masked"] == 0
    assert float(fds["C"][:, :40].mean()) == pytest.approx(0.6, abs=0.003)
    assert float(fds["C"][:, 40:].mean()) == pytest.approx(0.3, abs=0.003)
    assert _record(fds, "dead_time")["reason"] == "shots per pixel unknown"
    assert _record(fds, "interference_check")["note"] == "mass resolution unknown"


def test_tof_dead_time_on_2d_needs_scans_and_is_recorded(make_ds: Make) -> None:
    a = np.full((4, 5), 300.0)
    b = np.full((4, 5), 600.0)
    ds = make_ds(a, b)
    with pytest.raises(InputError, match="scans"):
        fraction_map(ds, shots_per_pixel=1)
    fds = fraction_map(ds, shots_per_pixel=1, scans=1000)
    na = -1000 * np.log1p(-0.3)
    nb = -1000 * np.log1p(-0.6)
    np.testing.assert_allclose(fds["n_a"], na, rtol=1e-6)
    np.testing.assert_allclose(fds["C"], na / (na + nb), rtol=1e-6)
    np.testing.assert_allclose(fds["var_a"], 300 / 0.7, rtol=1e-6)
    rec = _record(fds, "dead_time")
    assert rec["applied"] and rec["n_pulses"] == 1000 and rec["method"] == "tof_poisson"
    assert fds.attrs["dead_time_corrected"] == 1
    # attrs carry the shots and scans (as the IONTOF reader writes them)
    auto = fraction_map(make_ds(a, b, shots_per_pixel=1, n_scans=1000))
    np.testing.assert_allclose(auto["n_a"], fds["n_a"])


def test_dead_time_is_per_frame_before_accumulation(
    make_ds: Make, rng: np.random.Generator
) -> None:
    a = rng.integers(0, 60, (3, 6, 7)).astype(float)
    b = rng.integers(0, 60, (3, 6, 7)).astype(float)
    fds = fraction_map(make_ds(a, b), shots_per_pixel=100, drift=False)
    per_frame = (-100 * np.log1p(-a / 100)).sum(axis=0)
    np.testing.assert_allclose(fds["n_a"], per_frame, rtol=1e-5)
    summed_once = -300 * np.log1p(-a.sum(axis=0) / 300)
    assert not np.allclose(per_frame, summed_once, rtol=1e-3)
    rec = _record(fds, "dead_time")
    assert rec["per_frame"] is True and rec["n_pulses"] == 100


def test_already_corrected_data_are_never_corrected_twice(make_ds: Make) -> None:
    a = np.full((3, 3), 11.0097)
    b = np.full((3, 3), 20.5)
    ds = make_ds(a, b, shots_per_pixel=1, n_scans=100)
    fds = fraction_map(ds)  # auto: skipped and recorded
    rec = _record(fds, "dead_time")
    assert not rec["applied"] and "non-integer" in rec["reason"]
    np.testing.assert_allclose(fds["n_a"], 11.0097, rtol=1e-6)
    assert fds.attrs["dead_time_corrected"] == 1
    with pytest.raises(InputError, match="twice"):
        fraction_map(ds, shots_per_pixel=1, scans=100)
    flagged = make_ds(np.full((3, 3), 5.0), np.full((3, 3), 6.0), dead_time_corrected=1)
    with pytest.raises(InputError, match="already dead-time corrected"):
        fraction_map(flagged, dead_time="tof", shots_per_pixel=1, scans=10)


def test_saturation_raise_or_mask(make_ds: Make) -> None:
    a = np.full((4, 4), 10.0)
    a[1, 2] = 50.0
    b = np.full((4, 4), 10.0)
    ds = make_ds(a, b)
    with pytest.raises(SaturationError):
        fraction_map(ds, shots_per_pixel=50, scans=1)
    fds = fraction_map(ds, shots_per_pixel=50, scans=1, saturated="nan")
    assert fds.attrs["n_saturated"] == 1 and fds.attrs["n_masked"] == 1
    assert int(fds["mask_reason"][1, 2]) == MASK_REASONS["saturated"]
    assert np.isnan(float(fds["C"][1, 2])) and np.isnan(float(fds["n_a"][1, 2]))


def test_low_count_pixels_masked_with_reason(make_ds: Make) -> None:
    a = np.array([[0.0, 5.0], [2.0, 40.0]])
    b = np.array([[0.0, 5.0], [1.0, 60.0]])
    fds = fraction_map(make_ds(a, b), min_counts=5)
    assert fds["mask_reason"].values.tolist() == [[1, 0], [1, 0]]
    assert fds.attrs["n_masked"] == 2
    assert np.isnan(fds["C"].values[0, 0]) and fds["C"].values[1, 1] == pytest.approx(0.4)
    assert float(fds["n_a"][1, 0]) == 2.0  # counts are kept for later sums


def test_binning_sums_counts_and_scales_pixels(make_ds: Make) -> None:
    a = np.arange(35, dtype=float).reshape(5, 7)
    b = 100 - a
    fds = fraction_map(make_ds(a, b, px=1.0, py=0.5), bin=2)
    assert fds["C"].shape == (2, 3)
    assert float(fds["n_a"][0, 0]) == a[0:2, 0:2].sum()
    assert fds.attrs["pixel_size_x_um"] == 2.0 and fds.attrs["pixel_size_y_um"] == 1.0
    np.testing.assert_allclose(fds["x"], [1.0, 3.0, 5.0])
    rec = _record(fds, "binning")
    assert rec["dropped_rows"] == 1 and rec["dropped_columns"] == 1
    with pytest.raises(InputError):
        fraction_map(make_ds(a, b), bin=0)


def test_imf_on_counts_equals_imf_on_ratio(step_image: Callable[..., xr.Dataset]) -> None:
    ds = step_image(ny=10, nx=12)
    raw = fraction_map(ds, dtype=np.float64)
    fds = fraction_map(ds, imf_alpha=(1.04, 0.01), dtype=np.float64)
    ref = imf_fraction(raw["C"].values, alpha=1.04)
    np.testing.assert_allclose(fds["C"], ref.C, rtol=1e-12)
    assert (fds["C_err"].values > raw["C_err"].values * 0.9).all()
    assert _record(fds, "imf")["alpha"] == 1.04


def test_normalisation_natural_background(step_image: Callable[..., xr.Dataset]) -> None:
    ds = step_image(ny=10, nx=12)
    raw = fraction_map(ds, dtype=np.float64)
    fds = fraction_map(ds, background="natural", source=(0.95, 0.01), dtype=np.float64)
    expect = (raw["C"].values - 0.0759) / (0.95 - 0.0759)
    np.testing.assert_allclose(fds["C"], expect, rtol=1e-12)
    assert fds.attrs["normalised"] == 1 and fds.attrs["source_C_stderr"] == 0.01
    with pytest.raises(InputError, match="both"):
        fraction_map(ds, source=0.95)
    with pytest.raises(InputError):
        fraction_map(ds, background="nature", source=0.95)


def test_pair_lookup_and_missing_species(make_ds: Make) -> None:
    a, b = np.full((2, 2), 3.0), np.full((2, 2), 1.0)
    ds = make_ds(a, b, names=("^18O-", "^16O-"))
    fds = fraction_map(ds, pair="18O/16O")
    assert fds["C"].values[0, 0] == pytest.approx(0.75)
    with pytest.raises(InputError, match="species '6Li' not in the data"):
        fraction_map(ds)


def test_interference_warning_and_record(step_image: Callable[..., xr.Dataset]) -> None:
    ds = step_image(ny=4, nx=4, mass_resolution=800.0)
    with pytest.warns(InterferenceWarning):
        fds = fraction_map(ds)
    assert any("6LiH" in w for w in json.loads(fds.attrs["warnings"]))


def test_negative_counts_rejected(make_ds: Make) -> None:
    a = np.full((2, 2), 3.0)
    a[0, 0] = -1
    from tracerdiff.errors import DataError

    with pytest.raises(DataError, match="negative"):
        fraction_map(make_ds(a, np.ones((2, 2))))


def test_drift_is_measured_and_corrected(make_ds: Make, rng: np.random.Generator) -> None:
    ny, nx, shift = 64, 64, (1.6, -2.3)
    texture = ndimage.gaussian_filter(rng.random((ny, nx)), 2.0)
    lam = 200 + 3000 * (texture - texture.min())  # yield varies strongly: registration signal
    C0 = np.where(np.arange(nx)[None, :] < 32, 0.7, 0.2) * np.ones((ny, 1))
    frames_a, frames_b = [], []
    for s in ((0.0, 0.0), shift):
        lam_s = ndimage.shift(lam, s, order=3, mode="nearest")
        c_s = ndimage.shift(C0, s, order=1, mode="nearest")
        tot = rng.poisson(lam_s)
        a = rng.binomial(tot, np.clip(c_s, 0, 1))
        frames_a.append(a)
        frames_b.append(tot - a)
    ds = make_ds(np.array(frames_a, float), np.array(frames_b, float), px=1.0, py=1.0)
    fds = fraction_map(ds, drift=True)
    rec = _record(fds, "frame_accumulation")
    np.testing.assert_allclose(rec["shifts_px"][1], [-shift[0], -shift[1]], atol=0.25)
    assert rec["n_outside_overlap"] > 0
    assert fds.attrs["n_masked"] >= rec["n_outside_overlap"]
    assert "var_a" in fds  # shifted counts carry interpolation-weighted variances
    inner = fds["C"].values[5:-5, 5:-5]
    assert np.nanmean(inner[:, :20]) == pytest.approx(0.7, abs=0.01)
    assert np.nanmean(inner[:, 30:]) == pytest.approx(0.2, abs=0.01)


def test_shared_errors_kept_apart_as_systematic(step_image: Callable[..., xr.Dataset]) -> None:
    from tracerdiff.imaging import line_profile, region_stats

    ds = step_image(ny=12, nx=16)
    cb, eb, cs, es, alpha, ea = 0.0759, 0.002, 0.95, 0.01, 1.04, 0.01
    imf = fraction_map(ds, imf_alpha=alpha, dtype=np.float64)  # no alpha error: no C_err_sys
    assert "C_err_sys" not in imf
    refs = {"background": (cb, eb), "source": (cs, es), "imf_alpha": (alpha, ea)}
    fds = fraction_map(ds, **refs, dtype=np.float64)
    d = cs - cb
    c = imf["C"].values
    cn = (c - cb) / d
    np.testing.assert_allclose(fds["C"], cn, rtol=1e-12)
    np.testing.assert_allclose(fds["C_err"], imf["C_err"].values / d, rtol=1e-12)  # counting only
    sys = np.sqrt((c * (1 - c) * ea / alpha) ** 2 + (cn * es) ** 2 + ((cn - 1) * eb) ** 2) / d
    np.testing.assert_allclose(fds["C_err_sys"], sys, rtol=1e-12)
    assert fds.attrs["systematic_errors"] == "separate"
    comb = fraction_map(ds, **refs, systematic="combined", dtype=np.float64)
    np.testing.assert_allclose(comb["C_err"], np.hypot(imf["C_err"].values / d, sys), rtol=1e-12)
    # profiles and regions carry the same split, from the summed counts
    geo = {"start_um": (1.0, 5.0), "end_um": (14.0, 5.0), "width_um": 3.0}
    prof, prof_imf = line_profile(fds, **geo), line_profile(imf, **geo)
    pc = prof_imf["C"].values
    np.testing.assert_allclose(prof["C_err"], prof_imf["C_err"].values / d, rtol=1e-12)
    pn = (pc - cb) / d
    psys = np.sqrt((pc * (1 - pc) * ea / alpha) ** 2 + (pn * es) ** 2 + ((pn - 1) * eb) ** 2) / d
    np.testing.assert_allclose(prof["C_err_sys"], psys, rtol=1e-12)
    r, r_comb = region_stats(fds), region_stats(comb)
    assert r.C_err_sys > 0 and r.to_dict()["C_sys_stderr"] == r.C_err_sys
    assert r_comb.C_err == pytest.approx(np.hypot(r.C_err, r.C_err_sys), rel=1e-12)
    with pytest.raises(InputError, match="systematic"):
        fraction_map(ds, systematic="both")


def test_all_pixels_masked_is_an_error(make_ds: Make) -> None:
    from tracerdiff.errors import DataError

    with pytest.raises(DataError, match="no valid pixel"):
        fraction_map(make_ds(np.zeros((3, 4)), np.zeros((3, 4))))
    a = np.full((2, 2), 60.0)
    with pytest.raises(DataError, match="no valid pixel"):
        fraction_map(make_ds(a, a), shots_per_pixel=50, scans=1, saturated="nan")


def test_saturation_in_frames_counted_per_frame_and_per_map_pixel(make_ds: Make) -> None:
    a = np.full((3, 4, 5), 10.0)
    a[0, 1, 1] = a[2, 1, 1] = 100.0  # the same pixel saturated in two frames
    a[1, 2, 3] = 100.0
    fds = fraction_map(
        make_ds(a, np.full((3, 4, 5), 10.0)), shots_per_pixel=100, saturated="nan", drift=False
    )
    rec = _record(fds, "dead_time")
    assert rec["n_saturated_pixel_frames"] == 3 and "n_saturated" not in rec
    assert fds.attrs["n_saturated"] == 2 and fds.attrs["n_masked"] == 2
    assert np.isnan(fds["C"].values[1, 1]) and np.isnan(fds["C"].values[2, 3])


def test_em_dead_time_on_2d_scales_dwell_by_scans_and_warns_without(make_ds: Make) -> None:
    a, b = np.full((3, 3), 4000.0), np.full((3, 3), 6000.0)
    ds = make_ds(a, b, instrument="Cameca NanoSIMS 50L", dwell_time_s=1e-3)
    one = fraction_map(ds)  # auto -> electron multiplier; scans unknown: one dwell time
    assert any("scans unknown" in w for w in json.loads(one.attrs["warnings"]))
    x = 44e-9 / 1e-3
    np.testing.assert_allclose(one["n_a"], 4000 / (1 - 4000 * x), rtol=1e-6)
    ten = fraction_map(ds, scans=10)
    np.testing.assert_allclose(ten["n_a"], 4000 / (1 - 400 * x), rtol=1e-6)
    assert _record(ten, "dead_time")["dwell_time_s"] == pytest.approx(1e-2)
    assert not any("scans unknown" in w for w in json.loads(ten.attrs["warnings"]))

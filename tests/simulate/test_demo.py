"""The demo data set: deterministic, complete, readable, and the bundled copy is consistent."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from tracerdiff.io import open_dataset
from tracerdiff.quantities import to_json
from tracerdiff.simulate import (
    DEMO_SEED,
    build_demo_dataset,
    bundled_demo_path,
    llto_material,
)
from tracerdiff.simulate.demo_lines import line_sample
from tracerdiff.simulate.demo_plan import LINE_SAMPLES, MAP_LONG_ACQ
from tracerdiff.simulate.demo_tables import bulk_table, conductivity_tables


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory):
    return build_demo_dataset(tmp_path_factory.mktemp("demo") / "d", seed=7, size="small")


def test_small_demo_is_bit_for_bit_reproducible(small, tmp_path: Path) -> None:
    again = build_demo_dataset(tmp_path / "again", seed=7, size="small")
    assert again.sha256 == small.sha256
    other = build_demo_dataset(tmp_path / "other", seed=8, size="small")
    assert other.sha256["B_scan1.csv"] != small.sha256["B_scan1.csv"]


def test_long_map_acquisition_draws_from_its_own_stream(
    small, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Changing the long acquisition of map A changes its files (and the records of it) only."""
    from tracerdiff.simulate import demo_map

    monkeypatch.setattr(demo_map, "MAP_LONG_ACQ", {**MAP_LONG_ACQ, "mean_counts": 2.0e4})
    other = build_demo_dataset(tmp_path / "other", seed=7, size="small")
    changed = {f for f in small.sha256 if other.sha256[f] != small.sha256[f]}
    assert changed == {"A_map1_long_6Li.txt", "A_map1_long_7Li.txt", "truth.json"}
    long7 = open_dataset(other.path / "A_map1_long_7Li.txt")
    base7 = open_dataset(small.path / "A_map1_7Li.txt")
    # the long acquisition: the 5 h image's field at ~20x its counts (less the dead time)
    ratio = float(np.median(long7["7Li"].values) / np.median(base7["7Li"].values))
    assert 10 < ratio < 40


def test_manifest_describes_every_file(small) -> None:
    man = json.loads((small.path / "manifest.json").read_text())
    listed = {e["file"] for e in man["files"]}
    assert listed | {"manifest.json"} == set(small.files)
    for e in man["files"]:
        assert {"sample", "step", "what", "time_since_exchange_s", "temperatures_K"} <= set(e)
    scans = [e for e in man["files"] if e.get("kind") == "profile"]
    assert {e["sample"] for e in scans} == {"B", "C", "D", "E"}
    b = sorted((e for e in scans if e["sample"] == "B"), key=lambda e: e["step"])
    assert [round(e["time_since_exchange_s"] / 86400, 2) for e in b] == [4.58, 18.58, 46.58]


def test_files_are_readable_and_profiles_stay_off_the_closed_end(small) -> None:
    img = open_dataset(small.path / "A_map1_6Li.txt")
    assert img.attrs["dead_time_corrected"] == 0 and img.attrs["shots_per_pixel"] == 16
    prof = open_dataset(small.path / "C_scan2.csv")
    assert prof["C"].values[0] > prof["C"].values[-1]
    truth = json.loads((small.path / "truth.json").read_text())
    for name in "BCDE":
        for step in truth["samples"][name]["steps"]:
            assert step["far_end_C_norm"] < 1e-3


def test_bundled_demo_is_complete_small_and_realistic() -> None:
    root = bundled_demo_path()
    files = sorted(p for p in root.iterdir() if p.is_file())
    assert sum(p.stat().st_size for p in files) <= 6 * 1024 * 1024
    truth = json.loads((root / "truth.json").read_text())
    assert truth["seed"] == DEMO_SEED and truth["size"] == "full"
    man = json.loads((root / "manifest.json").read_text())
    # study.toml is written by the study helper from the manifest, not by the builder
    names = {p.name for p in files} - {"study.toml"}
    assert {e["file"] for e in man["files"]} | {"manifest.json"} == names
    img6 = open_dataset(root / "A_map1_6Li.txt")["6Li"].values
    img7 = open_dataset(root / "A_map1_7Li.txt")["7Li"].values
    assert img6.shape == (206, 512)
    total = img6 + img7
    assert 100 < np.median(total) < 1000  # study-like counts per pixel
    # the long acquisition of the same field: ~1e4 counts per pixel before the dead time
    long6 = open_dataset(root / "A_map1_long_6Li.txt")
    assert long6.attrs["n_scans"] == MAP_LONG_ACQ["scans"] == 900
    long_total = long6["6Li"].values + open_dataset(root / "A_map1_long_7Li.txt")["7Li"].values
    assert long_total.shape == (206, 512)
    assert 5e3 < np.median(long_total) < 1e4
    d_eff = truth["samples"]["A"]["D_eff_homogenised_by_T_K"]["295.15"]["value"]
    assert 1e-9 < d_eff < 5e-9
    assert max(truth["samples"]["A"]["far_end_C_norm"]) < 1e-3  # 4 mm domain is long enough


#: the demo generator's PCG64 state (seed DEMO_SEED) right after sample A, the 2D map whose
#: regeneration takes ~35 s; from it the 2D line-scan strips B-E take ~1-2 min and the tables
#: ~0.1 s
STATE_AFTER_A = {
    "bit_generator": "PCG64",
    "state": {
        "state": 197126247136766747723217011691360497955,
        "inc": 263843294879837360010514471918415607657,
    },
    "has_uint32": 0,
    "uinteger": 0,
}


@pytest.mark.slow
def test_bundled_line_scans_and_conductivity_regenerate(tmp_path: Path) -> None:
    rng = np.random.default_rng()
    rng.bit_generator.state = STATE_AFTER_A
    mat = llto_material()
    root = bundled_demo_path()
    truth = json.loads((root / "truth.json").read_text())
    for name in LINE_SAMPLES:
        _, sample_truth = line_sample(tmp_path, name, mat, "full", rng)
        _assert_same_json(json.loads(to_json(sample_truth)), truth["samples"][name], name)
    conductivity_tables(tmp_path, mat, rng)
    bulk_table(tmp_path, mat, rng)
    files = sorted(tmp_path.iterdir())
    assert len(files) == 12  # 9 scans of B-E, 2 conductivity tables, the bulk D_b table
    for p in files:
        _assert_same_data(p, root / p.name)


_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _tokens(p: Path) -> tuple[list[str], np.ndarray]:
    """The non-numeric skeleton of a file and its numbers (.npy: the array)."""
    if p.suffix == ".npy":
        return [str(np.load(p).dtype)], np.load(p).astype(float).ravel()
    text = p.read_text(encoding="utf-8")
    return _NUMBER.split(text), np.array([float(m) for m in _NUMBER.findall(text)])


def _assert_same_json(new: object, old: object, where: str) -> None:
    """Same keys, texts and shapes; numbers equal to 1e-6 relative (last bits may differ between
    numpy/scipy releases, so no bit-for-bit float comparison)."""
    if isinstance(old, dict):
        assert isinstance(new, dict) and new.keys() == old.keys(), where
        for k in old:
            _assert_same_json(new[k], old[k], f"{where}.{k}")
    elif isinstance(old, list):
        assert isinstance(new, list) and len(new) == len(old), where
        for i, (a, b) in enumerate(zip(new, old, strict=True)):
            _assert_same_json(a, b, f"{where}[{i}]")
    elif isinstance(old, float) and not isinstance(new, bool) and isinstance(new, int | float):
        # normalised fractions (order 1) that are zero up to round-off, e.g. how far the tracer
        # reached the far end of a profile (~1e-12, a difference of nearly equal numbers that
        # moved 1 % between scipy releases), get an absolute floor of 1e-9
        atol = 1e-9 if "C_norm" in where else 0.0
        assert np.isclose(new, old, rtol=1e-6, atol=atol), where
    else:
        assert new == old, where


def _assert_same_data(new: Path, bundled: Path) -> None:
    """Same text and structure; numbers equal to 1e-6 relative, since floating-point results
    may differ in the last bits between numpy/scipy releases; a very few counts may flip where
    a Poisson draw sits at such a boundary, so up to 0.1 % of the numbers may differ more."""
    skel_new, num_new = _tokens(new)
    skel_old, num_old = _tokens(bundled)
    assert skel_new == skel_old, new.name
    assert num_new.shape == num_old.shape, new.name
    close = np.isclose(num_new, num_old, rtol=1e-6, atol=1e-12)
    assert (~close).sum() <= max(1, 1e-3 * close.size), new.name
    assert np.isclose(num_new.sum(), num_old.sum(), rtol=1e-4), new.name


@pytest.mark.slow
def test_bundled_demo_regenerates(tmp_path: Path) -> None:
    res = build_demo_dataset(tmp_path / "full", seed=DEMO_SEED)
    root = bundled_demo_path()
    for name in res.sha256:
        _assert_same_data(res.path / name, root / name)


def test_bundled_truths_are_independent_and_like_for_like() -> None:
    """The truths the demo's comparisons use are not the analysis formulas."""
    truth = json.loads((bundled_demo_path() / "truth.json").read_text())
    mat = llto_material()
    # series-model truth: the 2D homogenised D_eff (flux solve), not the series formula
    d2 = truth["samples"]["A"]["D_eff_homogenised_by_T_K"]["295.15"]["value"]
    series = truth["series_model_22C_mean_grain"]["value"]
    assert d2 / series > 1.2  # 2D grains conduct more than the 1D formula with the mean size
    # the line-scan samples are 2D strips too, each with its own homogenised D_eff
    for name in "BCDE":
        sample = truth["samples"][name]
        assert sample["microstructure"]["construction"] == "laguerre"
        assert sample["steps"][0]["D_eff_homogenised"]["value"] / series > 1.2
    # Ea of D_eff: the apparent Ea of the chains' homogenised D_eff, between bulk and k
    app = truth["D_eff_apparent"]
    assert mat.ea_bulk_eV + 0.03 < app["Ea"]["value"] < mat.ea_k_eV - 0.01
    t = np.array(app["temperatures_K"])
    line = app["D0"]["value"] * np.exp(-app["Ea"]["value"] / (8.617333262e-5 * t))
    assert np.allclose(line, app["D_eff_homogenised"], rtol=0.1)
    # harmonic means over the boundaries in the field are below their median
    a = truth["samples"]["A"]
    assert (
        a["k_22C_harmonic_mean_in_field_length_weighted"]["value"]
        < a["k_22C_median_in_field"]["value"]
    )
    # Haven truth on the quantity measured (D_eff / GB D_sigma), not on l k
    t_h = truth["haven_gb_measured_temperature"]["value"]
    assert t_h == pytest.approx(2 / (1 / 295.15 + 1 / 393.15))
    # D_eff / (l k / H) at that temperature, from the apparent line: not the defined 0.24
    d_line = app["D0"]["value"] * np.exp(-app["Ea"]["value"] / (8.617333262e-5 * t_h))
    expect = truth["haven_gb"] * d_line / (16e-4 * mat.k_gb(t_h))
    assert truth["haven_gb_measured"]["value"] == pytest.approx(expect, rel=1e-9)
    assert abs(truth["haven_gb_measured"]["value"] / truth["haven_gb"] - 1) > 0.1

"""`grains` analysis: grain sizes from a label image and from a micrograph with dark grooves;
`series_model` takes its grain size from it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.spatial import cKDTree

TOML = """\
[study]
title = "grains"
[sample]
material = "LLTO"
d_bulk = "2.6e-8 cm^2/s"
micrograph = "labels.npy"
micrograph_pixel_size = "0.5 um"
[[analyses]]
id = "g_labels"
type = "grains"
[[analyses]]
id = "g_photo"
type = "grains"
micrograph = "photo.npy"
labels = false
line_width = "1 um"
[[analyses]]
id = "series"
type = "series_model"
k = "1.5e-6 cm/s"
grain_size_from = "g_labels"
"""


def _labels(rng: np.random.Generator, n: int = 240, cells: int = 60) -> np.ndarray:
    pts = rng.uniform(0, n, size=(cells, 2))
    yy, xx = np.mgrid[0:n, 0:n]
    _, idx = cKDTree(pts).query(np.c_[xx.ravel(), yy.ravel()])
    return (idx.reshape(n, n) + 1).astype(np.int32)


def test_grains_and_series(tmp_path: Path) -> None:
    from tracerdiff.microstructure import grain_statistics
    from tracerdiff.study import run_study

    labels = _labels(np.random.default_rng(3))
    np.save(tmp_path / "labels.npy", labels)
    edges = np.zeros(labels.shape, dtype=bool)
    edges[:, 1:] |= labels[:, 1:] != labels[:, :-1]
    edges[1:, :] |= labels[1:, :] != labels[:-1, :]
    photo = np.where(edges, 0.1, 0.9) + np.random.default_rng(4).normal(0, 0.02, labels.shape)
    np.save(tmp_path / "photo.npy", photo)
    (tmp_path / "study.toml").write_text(TOML)
    res = run_study(tmp_path / "study.toml", tmp_path / "out")
    by_id = {o.id: o for o in res.outcomes}
    assert [o.status for o in res.outcomes] == ["ok"] * 3, [o.reason for o in res.outcomes]
    expect = grain_statistics(labels, pixel_size_um=0.5, direction="x")
    g = by_id["g_labels"].results
    assert g["mean_linear_intercept"]["value"] == pytest.approx(expect.mli_um)
    assert "label image" in g["source"]
    photo_mli = by_id["g_photo"].results["mean_linear_intercept"]["value"]
    assert photo_mli == pytest.approx(expect.mli_um, rel=0.25)
    s = by_id["series"].results
    assert s["grain_size"]["value"] == pytest.approx(expect.mli_um)
    assert "mean linear intercept of 'g_labels'" in s["grain_size_source"]
    assert (tmp_path / "out" / "tables" / "g_labels_ecd.csv").is_file()


GBMAP = """\
[study]
title = "gb map"
[sample]
material = "LLTO"
d_bulk = "2.6e-8 cm^2/s"
micrograph = "labels_map.npy"
micrograph_pixel_size = "1 um"
[[measurements]]
id = "map0"
kind = "image"
files = ["map_6Li.txt", "map_7Li.txt"]
[[analyses]]
id = "gbm"
type = "gb_map"
measurement = "map0"
width = "8 um"
lines = [ { start = "2,10", end = "62,10" }, { start = "2,22", end = "62,22" } ]
"""


def test_gb_map_on_registered_labels(fixture_study: Path, tmp_path: Path) -> None:
    from tracerdiff.study import run_study

    for name in ("map_6Li.txt", "map_7Li.txt"):
        (tmp_path / name).write_bytes((fixture_study.parent / name).read_bytes())
    # the fixture map (64 x 32 um, 1 um pixels) has one vertical boundary at x = 30 um
    labels = np.where(np.arange(64)[None, :] + 0.5 < 30.0, 1, 2) * np.ones((32, 1), dtype=int)
    np.save(tmp_path / "labels_map.npy", labels.astype(np.int32))
    (tmp_path / "study.toml").write_text(GBMAP)
    res = run_study(tmp_path / "study.toml", tmp_path / "out")
    (o,) = res.outcomes
    assert o.status == "ok", o.reason
    assert o.results["n_boundaries"] == 2
    for b in o.results["boundaries"]:
        # distance along the line from x = 2 um: the boundary at 30 um (pixel edge), +- 1 px
        assert b["position"]["value"] == pytest.approx(28.0, abs=1.0)
        assert b["dC_gb"]["value"] == pytest.approx(0.50 - 0.54, abs=0.01)  # C jumps 0.54 -> 0.50
    assert (tmp_path / "out" / "figures" / "gbm_kmap.png").is_file()

"""``tracerdiff gb-map MAP.nc --labels LABELS`` and ``gb-map MAP.nc`` (boundaries segmented from
the map) end to end on a simulated map (2D finite volumes, Laguerre grains, 1e6 counts)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tracerdiff.cli.app import main

D = "2.6e-8 cm^2/s"
KEYS = {
    "grains",
    "midpoint_um",
    "length_um",
    "normal_deg",
    "dC_gb",
    "dCdn_bulk",
    "D_gb_over_delta",
    "ci95_D_gb_over_delta",
    "status",
    "reason",
}
SUMMARY = {
    "n_boundaries",
    "n_measured",
    "D_gb_over_delta_gmean",
    "D_gb_over_delta_median",
    "D_gb_over_delta_hmean",
}


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


@pytest.fixture
def files(map_factory: Callable[..., Any], tmp_path: Path) -> tuple[Path, Path, Any]:
    m = map_factory(3, counts=1e6, shape=(80, 128), sim_nx=480)
    nc, lab = tmp_path / "map.nc", tmp_path / "labels.npy"
    m.ds.to_netcdf(nc, engine="h5netcdf")
    np.save(lab, m.labels + 100)  # any label values
    return nc, lab, m


def test_gb_map_with_labels_json_png_csv(
    files: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nc, lab, m = files
    png, csv = tmp_path / "k.png", tmp_path / "k.csv"
    code, out, err = run(
        [
            "gb-map",
            str(nc),
            "--labels",
            str(lab),
            "--d-bulk",
            D,
            "--json",
            "--png",
            str(png),
            "--csv",
            str(csv),
        ],
        capsys,
    )
    assert code == 0, err
    d = json.loads(out)
    assert d["labels"] == "given"
    assert KEYS <= set(d["boundaries"][0])
    assert SUMMARY <= set(d["summary"])
    measured = [b for b in d["boundaries"] if b["status"] == "measured"]
    assert len(measured) >= 5
    for b in measured:
        a, c = b["grains"]
        assert a < c
        lo, hi = b["ci95_D_gb_over_delta"]
        assert lo < b["D_gb_over_delta"]["value"] < hi
    for b in d["boundaries"]:
        if b["status"] != "measured":
            ci = b["ci95_D_gb_over_delta"]
            assert b["reason"] and (ci is None or ci[0] <= 0)
    g = d["summary"]["D_gb_over_delta_gmean"]
    assert g["unit"] == "cm/s" and g["stderr"] is not None
    truth = np.exp(
        np.mean(
            [
                np.log(m.k_true((b["grains"][0] - 100, b["grains"][1] - 100)))
                for b in d["boundaries"]
                if b["D_gb_over_delta"]["stderr"]
            ]
        )
    )
    assert abs(g["value"] - truth) < 3 * g["stderr"]
    assert png.stat().st_size > 10_000
    rows = csv.read_text().splitlines()
    assert rows[0].startswith("grain_a,grain_b") and len(rows) == len(d["boundaries"]) + 1
    code, out, err = run(["gb-map", str(nc), "--labels", str(lab), "--d-bulk", D], capsys)
    assert code == 0 and "pooled" in out and "cm/s" in out


def test_gb_map_segments_the_map_itself(files: tuple, capsys: pytest.CaptureFixture[str]) -> None:
    nc, _, _ = files
    code, out, err = run(["gb-map", str(nc), "--d-bulk", D, "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert d["labels"] == "segmented from the fraction map"
    assert d["summary"]["n_measured"] >= 5
    assert all(b["grains"] is None for b in d["boundaries"])


def test_gb_map_refuses_bad_labels(
    files: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nc, lab, _ = files
    wrong = tmp_path / "wrong.npy"
    np.save(wrong, np.zeros((5, 5), dtype=np.int64))
    code, _, err = run(["gb-map", str(nc), "--labels", str(wrong), "--d-bulk", D], capsys)
    assert code == 2 and "pixel grid" in err and "Traceback" not in err
    flt = tmp_path / "float.npy"
    np.save(flt, np.zeros((80, 128)))
    code, _, err = run(["gb-map", str(nc), "--labels", str(flt), "--d-bulk", D], capsys)
    assert code == 2 and "integer" in err
    code, _, err = run(
        [
            "gb-map",
            str(nc),
            "--labels",
            str(lab),
            "--micrograph",
            str(lab),
            "--points",
            "0,0=0,0",
            "--d-bulk",
            D,
        ],
        capsys,
    )
    assert code == 2


def test_gb_map_says_when_the_map_yields_no_boundary(
    files: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A map without grain contrast (every pixel the same fraction): no boundary, and the
    text says what to give instead."""
    import xarray as xr

    nc, _, _ = files
    ds = xr.load_dataset(nc, engine="h5netcdf")
    flat = tmp_path / "flat.nc"
    ds.assign(C=ds["C"] * 0 + 0.5).to_netcdf(flat, engine="h5netcdf")
    code, out, err = run(["gb-map", str(flat), "--d-bulk", D], capsys)
    assert code == 0, err
    assert "0 boundaries" in out and "--labels LABELS" in out

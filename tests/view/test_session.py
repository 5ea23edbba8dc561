"""The viewer's analyses without a browser: the same numbers as the commands, saving a study
that ``tracerdiff run`` repeats, the page's inputs, the Jupyter object, the real Cameca image."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from tracerdiff.cli.app import app
from tracerdiff.errors import InputError
from tracerdiff.imaging.options import FractionOptions
from tracerdiff.view.inputs import parse_pixel_size, step_settings
from tracerdiff.view.regions import Polygon, Rect, region_table, shapes_text
from tracerdiff.view.save import save_study
from tracerdiff.view.session import Line, MapSource, StepSettings, analyse_line, open_map

from .conftest import D_BULK, FRACTION_FLAGS, MAP_FILES

LINE = Line((5.0, 40.0), (250.0, 40.0), 16.0)


def _cli(args: list[str], cwd: Path) -> dict[str, Any]:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(app, args)
    finally:
        os.chdir(old)
    assert res.exit_code == 0, res.output
    return json.loads(res.output) if "--json" in args else {}


@pytest.fixture(scope="module")
def source(demo_dir: Path) -> MapSource:
    return open_map([str(demo_dir / f) for f in MAP_FILES], pair="6Li/7Li",
                    options=FractionOptions(shots_per_pixel=16, scans=150))  # fmt: skip


def _k(results: list[dict[str, Any]]) -> list[float | None]:
    return [b["D_gb_over_delta"]["value"] for b in results]


def test_explicit_boundaries_equal_gb_step(source: MapSource, demo_dir: Path,
                                           tmp_path: Path) -> None:  # fmt: skip
    gbs = [60.5, 75.2, 107.4]
    mine = analyse_line(source.fraction, LINE, StepSettings(d_bulk=2.6e-8, order=1), gbs)
    csv = tmp_path / "p.csv"
    _cli(["profile", *MAP_FILES, *FRACTION_FLAGS, "--from", "5,40", "--to", "250,40",
          "--width", "16", "-o", str(csv)], demo_dir)  # fmt: skip
    ref = _cli(["gb-step", str(csv), *(a for g in gbs for a in ("--gb", str(g))), "--d-bulk",
                D_BULK, "--order", "1", "--json"], demo_dir)  # fmt: skip
    got = _k([r.to_dict() for r in mine.results])
    want = _k(ref["boundaries"])
    assert len(got) == 3 and sum(w is not None for w in want) >= 2
    for g, w in zip(got, want, strict=True):
        assert (g is None and w is None) or math.isclose(g, w, rel_tol=1e-9)  # type: ignore[arg-type]
    assert mine.boundaries_um == tuple(gbs) and not mine.auto


def test_saved_study_reproduces_the_numbers(source: MapSource, tmp_path: Path) -> None:
    settings = StepSettings(d_bulk=2.6e-8, guard_um=3.0)
    auto = analyse_line(source.fraction, LINE, settings)
    placed = analyse_line(source.fraction, LINE, settings, list(auto.boundaries_um[:3]))
    study = Path(source.files[0]).parent / "viewer_test.toml"
    study.unlink(missing_ok=True)
    first = save_study(study, source=source, settings=settings, lines=[(LINE, None)])
    assert first.backup is None and first.analyses == ("view_line1",)
    second = save_study(study, source=source, settings=settings,
                        lines=[(LINE, placed.boundaries_um)])  # fmt: skip
    assert second.backup is not None  # the old text kept, and unchanged at the start
    assert study.read_text().startswith(Path(second.backup).read_text().rstrip())
    assert "view_line2" not in Path(second.backup).read_text()
    assert second.measurement == first.measurement and second.analyses == ("view_line2",)
    out = tmp_path / "out"
    _cli(["run", str(study), "-o", str(out), "--json"], study.parent)
    res = json.loads((out / "results.json").read_text())["analyses"]
    for aid, mine in (("view_line1", auto), ("view_line2", placed)):
        want = _k([r.to_dict() for r in mine.results])
        got = _k(res[aid]["results"]["boundaries"])
        assert len(got) == len(want) >= 3
        for g, w in zip(got, want, strict=True):
            assert (g is None and w is None) or math.isclose(g, w, rel_tol=1e-9)  # type: ignore[arg-type]
    study.unlink()
    Path(second.backup).unlink()


def test_regions_equal_fraction_roi(source: MapSource, demo_dir: Path) -> None:
    shapes: list[Rect | Polygon] = [
        Rect(10.0, 10.0, 60.0, 50.0),
        Polygon(((100.0, 100.0), (150.0, 100.0), (120.0, 150.0))),
    ]
    table = region_table(source, shapes)
    assert table is not None
    ref = _cli(["fraction", *MAP_FILES, *FRACTION_FLAGS, "--roi", shapes_text(shapes).replace(
        "\n", ";"), "--json"], demo_dir)  # fmt: skip
    for mine, want in zip(table.to_dict()["regions"], ref["regions"], strict=True):
        assert mine["n_pixels"] == want["n_pixels"] > 100
        assert math.isclose(mine["C"]["value"], want["C"]["value"], rel_tol=1e-12)
    assert region_table(source, []) is None


def test_page_inputs_parse_with_units() -> None:
    s = step_settings("2.6e-8+-0.3e-8 cm^2/s", "0.5 nm", "", "1 um", 2)
    assert s.d_bulk == pytest.approx(2.6e-8) and s.d_bulk_err == pytest.approx(3e-9)
    assert s.guard_um is None and s.order == 2
    assert step_settings("2.6e-12 m^2/s", "0.5 nm", "3", "1", 1).d_bulk == pytest.approx(2.6e-8)
    assert parse_pixel_size("0.5, 0.6 um") == (0.5, 0.6)
    for bad in (
        ("", "0.5 nm", "", "1 um", 2),
        ("2.6e-8 cm", "0.5 nm", "", "1 um", 2),
        ("2.6e-8 cm^2/s", "0.5 nm", "-1", "1 um", 2),
    ):
        with pytest.raises(InputError):
            step_settings(*bad)
    with pytest.raises(InputError):
        StepSettings(d_bulk=2.6e-8, order=3)


def test_view_returns_a_panel_object(source: MapSource) -> None:
    pn = pytest.importorskip("panel")
    from tracerdiff.view import view
    from tracerdiff.view.app import ViewerApp

    obj = view(source.fraction, d_bulk=D_BULK)
    assert isinstance(obj, pn.viewable.Viewable)
    page = ViewerApp(source, d_bulk=D_BULK)  # a line set as a drag sends it
    page.map.line_source.data = {"x": [5.0, 250.0], "y": [40.0, 40.0]}
    assert page.analysis is not None and len(page.analysis.results) >= 3
    assert "data-k=" in str(page.k_table.object)
    page.inputs["d_bulk"].value = "not a number"
    assert page.message.visible and "D_b" in str(page.message.object)


def test_real_cameca_image(real_data: Path) -> None:
    pytest.importorskip("panel")
    from tracerdiff.view.app import ViewerApp

    f = real_data / "cameca_sims" / "image_sun.im"
    if not f.exists():
        pytest.skip("real Cameca image not available")
    src = open_map([str(f)], pair="18O/16O")
    assert src.calibrated and src.fraction.sizes == {"y": 256, "x": 256}
    w = float(src.fraction.attrs["field_of_view_x_um"])
    page = ViewerApp(src, d_bulk=D_BULK, width=f"{w / 20!r} um")
    page.map.line_source.data = {"x": [0.1 * w, 0.9 * w], "y": [0.5 * w, 0.5 * w]}
    assert page.analysis is not None and not page.message.visible
    prof = page.analysis.profile
    assert np.isfinite(prof["C"].values).sum() > 100
    page.map.rect_source.data = {"x": [w / 2], "y": [w / 2], "width": [w / 4], "height": [w / 4]}
    assert "roi-row" in str(page.roi_table.object)


def test_gb_map_overlay_equals_gb_map(source: MapSource, demo_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("panel")
    from tracerdiff.view.app import ViewerApp

    labels = np.load(demo_dir / "A_grains.npy")
    page = ViewerApp(source, d_bulk=D_BULK, labels=labels)
    page.show_edges.value = True
    assert page.map.edges.visible
    page._run_gb_map()
    assert not page.message.visible, page.message.object
    nc = tmp_path / "map.nc"
    _cli(["fraction", *MAP_FILES, *FRACTION_FLAGS, "-o", str(nc)], demo_dir)
    ref = _cli(["gb-map", str(nc), "--labels", "A_grains.npy", "--d-bulk", D_BULK, "--json"],
               demo_dir)  # fmt: skip
    n = ref["summary"]["n_measured"]
    assert n >= 1 and f"data-n-measured='{n}'" in str(page.gb_map_info.object)
    hm = ref["summary"]["D_gb_over_delta_hmean"]["value"]
    assert f"{hm:.3g} cm/s" in str(page.gb_map_info.object)
    kimg = page.map.k_source.data["image"][0]
    measured = [b["D_gb_over_delta"]["value"] for b in ref["boundaries"]
                if b["status"] == "measured"]  # fmt: skip
    shown = np.unique(kimg[np.isfinite(kimg) & (kimg > 0)])
    assert np.allclose(
        np.sort(shown), np.sort(np.asarray(measured, dtype=np.float32)), rtol=1e-6
    )  # float32 display image
    with pytest.raises(InputError):
        ViewerApp(source, labels=labels[:-1])


def test_large_maps_are_drawn_block_averaged() -> None:
    import xarray as xr

    from tracerdiff.view.map_panel import display_arrays

    rng = np.random.default_rng(5)
    c = rng.uniform(0.1, 0.9, (2100, 1500)).astype(np.float32)
    c[:3, :3] = np.nan  # an all-NaN block stays NaN, a partly NaN one averages the rest
    c[3, 3] = np.nan
    fds = xr.Dataset({"C": (("y", "x"), c), "C_err": (("y", "x"), c / 100)})
    data, k = display_arrays(fds, max_side=1024)
    img = data["image"][0]
    assert k == 3 and img.shape == (700, 500)
    assert np.isnan(img[0, 0])
    assert img[1, 1] == pytest.approx(np.nanmean(c[3:6, 3:6]), rel=1e-6)
    assert img[-1, -1] == pytest.approx(c[-3:, -3:].mean(), rel=1e-6)
    small, k1 = display_arrays(fds.isel(y=slice(0, 512), x=slice(0, 512)))
    assert k1 == 1 and small["image"][0].shape == (512, 512)


def test_study_file_names_and_empty_saves_are_refused(source: MapSource, tmp_path: Path) -> None:
    settings = StepSettings(d_bulk=2.6e-8)
    with pytest.raises(InputError, match="toml"):
        save_study(tmp_path / "s.txt", source=source, settings=settings, lines=[(LINE, None)])
    with pytest.raises(InputError, match="draw a line"):
        save_study(tmp_path / "s.toml", source=source, settings=settings, lines=[])


def test_study_maps_switch_on_the_page(demo_dir: Path) -> None:
    pytest.importorskip("panel")
    from tracerdiff.view.app import ViewerApp
    from tracerdiff.view.session import study_maps

    maps = study_maps(demo_dir / "study.toml")
    assert list(maps)[:2] == ["A1", "A2"]
    files, pair, corr = maps["A1"]
    page = ViewerApp(open_map(files, pair=pair, options=corr), d_bulk=D_BULK, study_maps=maps)
    page.map.line_source.data = {"x": [5.0, 250.0], "y": [40.0, 40.0]}
    assert page.analysis is not None
    c1 = page.analysis.profile["C"].values
    page.measurement.value = "A2"
    assert not page.message.visible, page.message.object
    assert page.source.files == tuple(maps["A2"][0])
    c2 = page.analysis.profile["C"].values  # the line profiled again on the stored map
    assert c1.shape == c2.shape and not np.allclose(c1, c2)

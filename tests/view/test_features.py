"""The viewer's lines kept, studies with lines and regions, figures, files opened from the page,
the micrograph overlay and ``td.view``, without a browser: the numbers of the commands."""

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
from tracerdiff.view.access import ReadAccess
from tracerdiff.view.session import MapSource, open_map

from .conftest import D_BULK, FRACTION_FLAGS, MAP_FILES

pytest.importorskip("panel")

#: micrograph pixel (col, row) -> map um of the demo's label image (500 x 200 um, 512 x 206 px)
PX = (500 / 512, 200 / 206)
POINTS = [(c, r, (c + 0.5) * PX[0], (r + 0.5) * PX[1]) for c, r in ((0, 0), (511, 0), (0, 205))]


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


def _page(source: MapSource, **kw: Any) -> Any:
    from tracerdiff.view.app import ViewerApp

    return ViewerApp(source, d_bulk=D_BULK, **kw)


def _ks(analysis: Any) -> list[float | None]:
    return [r.to_dict()["D_gb_over_delta"]["value"] for r in analysis.results]


def test_lines_kept_and_regions_saved_run_to_the_numbers(source: MapSource,
                                                         tmp_path: Path) -> None:  # fmt: skip
    page = _page(source)
    page.map.line_source.data = {"x": [8.0, 245.0], "y": [40.0, 40.0]}
    first = _ks(page.analysis)
    page.keep_line()
    assert page.analysis is None and page.line_select.options == ["new line", "line 1"]
    page.map.line_source.data = {"x": [8.0, 245.0], "y": [150.0, 150.0]}
    second = _ks(page.analysis)
    page.keep_line()
    page.line_select.value = "line 1"  # edit the first again: its ends and boundaries come back
    assert page.active == 0 and _ks(page.analysis) == first
    page.map.rect_source.data = {"x": [330.0], "y": [90.0], "width": [60.0], "height": [60.0]}
    study = Path(source.files[0]).parent / "features_study.toml"
    study.unlink(missing_ok=True)
    page.paths["study"].value = str(study)
    page._save("study")
    assert "saved view_line1, view_line2, view_regions1" in page.message.object
    out = tmp_path / "out"
    _cli(["run", str(study), "-o", str(out), "--json"], study.parent)
    res = json.loads((out / "results.json").read_text())["analyses"]
    for aid, shown in (("view_line1", first), ("view_line2", second)):
        ran = [b["D_gb_over_delta"]["value"] for b in res[aid]["results"]["boundaries"]]
        assert len(ran) == len(shown) >= 2
        for g, w in zip(shown, ran, strict=True):
            assert (g is None and w is None) or math.isclose(g, w, rel_tol=1e-9)  # type: ignore[arg-type]
    (reg,) = res["view_regions1"]["results"]["regions"]
    (row,) = page.roi_table.object.split("roi-row")[1:]
    assert f'data-n-pixels="{reg["n_pixels"]}"' in row
    assert f'data-c="{reg["C"]["value"]!r}"' in row
    study.unlink()


def test_figure_saved_as_png_and_svg(source: MapSource, tmp_path: Path) -> None:
    page = _page(source)
    page.map.line_source.data = {"x": [8.0, 245.0], "y": [40.0, 40.0]}
    page.map.rect_source.data = {"x": [330.0], "y": [90.0], "width": [60.0], "height": [60.0]}
    for name, magic in (("f.png", b"\x89PNG"), ("f.svg", b"<?xml")):
        page.paths["figure"].value = str(tmp_path / name)
        page._save("figure")
        assert page.message.alert_type == "success", page.message.object
        assert (tmp_path / name).read_bytes().startswith(magic)
    page._save("figure")  # not over an existing file unless Overwrite is ticked
    assert page.message.alert_type == "warning" and "exists" in page.message.object
    page.paths["figure"].value = str(tmp_path / "f.pdf")
    page._save("figure")
    assert ".png or .svg" in page.message.object


def test_files_opened_on_the_page(source: MapSource, demo_dir: Path, tmp_path: Path) -> None:
    page = _page(source, access=ReadAccess.of([], demo_dir / "study.toml"))
    page.map.line_source.data = {"x": [8.0, 245.0], "y": [40.0, 40.0]}
    bad = demo_dir / "broken_6Li.txt"
    bad.write_bytes(b"\x00\x01 not an image\n" * 20)
    page._open_files(bad.name)  # inside the study's folder, but unreadable
    assert page.message.visible and page.message.alert_type == "warning"
    assert "broken_6Li.txt" in page.message.object and "\x00" not in page.message.object
    assert page.source is source  # the map shown is kept
    outside = tmp_path / "A_map1_6Li.txt"
    outside.write_text((demo_dir / MAP_FILES[0]).read_text())
    page._open_files(str(outside))
    assert "reads only the files it was given" in page.message.object
    page._open_files("A_map2_6Li.txt, A_map2_7Li.txt")
    assert page.message.alert_type == "success", page.message.object
    assert page.source.files[0].endswith("A_map2_6Li.txt")
    assert page.analysis is not None  # the line profiled again on the new map
    with pytest.raises(InputError, match="reads only"):
        ReadAccess.of([demo_dir / MAP_FILES[0]]).check(str(demo_dir / "A_map2_6Li.txt"))
    bad.unlink()


def test_micrograph_overlay_and_gb_map_lines_equal_gb_map(source: MapSource, demo_dir: Path,
                                                          tmp_path: Path) -> None:  # fmt: skip
    from tracerdiff.grain_boundary.gbmap import boundary_mask_on
    from tracerdiff.microstructure import register_points
    from tracerdiff.microstructure.grains import segmentation_of
    from tracerdiff.view.overlays import open_micrograph

    pts = ([p[:2] for p in POINTS], [p[2:] for p in POINTS])
    mic = open_micrograph(str(demo_dir / "A_grains.npy"), PX, pts)
    page = _page(source, micrograph=mic)
    page.show_micrograph.value = True
    assert page.map.edges.visible and not page.message.visible, page.message.object
    seg = segmentation_of(demo_dir / "A_grains.npy", PX)
    want = boundary_mask_on(source.fraction, seg, register_points(*pts, micrograph_shape=seg.shape))
    shown = page.map.edges_source.data["image"][0]
    assert np.array_equal(np.isfinite(shown), want) and want.sum() > 1000
    field = open_micrograph(str(demo_dir / "A_grains.npy"), PX)  # the map's field
    assert np.array_equal(field.mask_on(source.fraction), want)
    ys = (20.0, 50.0, 80.0, 110.0, 140.0, 170.0)  # the lines of the demo study's gb_map
    page.inputs["width"].value = "10 um"
    for y in ys:
        page.map.line_source.data = {"x": [5.0, 300.0], "y": [y, y]}
        page.keep_line()
    page._run_gb_map()
    assert not page.message.visible, page.message.object
    nc = tmp_path / "map.nc"
    _cli(["fraction", *MAP_FILES, *FRACTION_FLAGS, "-o", str(nc)], demo_dir)
    ref = _cli(["gb-map", str(nc), "--micrograph", "A_grains.npy", "--micrograph-pixel-size",
                f"{PX[0]!r},{PX[1]!r}",
                *(a for c, r, x, y in POINTS for a in ("--points", f"{c},{r}={x!r},{y!r}")),
                *(a for y in ys for a in ("--lines", f"5,{y!r}:300,{y!r}")), "--width", "10 um",
                "--d-bulk", D_BULK, "--json"], demo_dir)  # fmt: skip
    got = page.gb_map_result.to_dict()
    assert len(got["boundaries"]) == len(ref["boundaries"]) >= 5
    for g, w in zip(got["boundaries"], ref["boundaries"], strict=True):
        gk, wk = g["D_gb_over_delta"]["value"], w["D_gb_over_delta"]["value"]
        assert (gk is None and wk is None) or math.isclose(gk, wk, rel_tol=1e-9)
    n = ref["summary"]["counts"]["measured"]
    assert f"data-n-measured='{n}'" in str(page.gb_map_info.object)
    assert len(page.map.cross_source.data["k"]) == n


def test_td_view_is_the_page_in_jupyter(source: MapSource) -> None:
    import panel as pn

    import tracerdiff as td

    obj = td.view(source.fraction, d_bulk=D_BULK)
    assert isinstance(obj, pn.viewable.Viewable)
    import tracerdiff.view.session  # the package attribute, still callable

    assert isinstance(td.view(source.fraction), pn.viewable.Viewable)


def test_a_study_map_that_fails_is_reported_and_the_map_kept(source: MapSource,
                                                             demo_dir: Path) -> None:  # fmt: skip
    bad = demo_dir / "bad_map_6Li.txt"
    bad.write_text("not an image\n", encoding="utf-8")
    maps = {"A1": ([str(demo_dir / f) for f in MAP_FILES], "6Li/7Li", source.options),
            "BAD": ([str(bad)], "6Li/7Li", None)}  # fmt: skip
    page = _page(source, study_maps=maps)
    page.map.line_source.data = {"x": [8.0, 245.0], "y": [40.0, 40.0]}
    page.measurement.value = "BAD"
    assert "bad_map_6Li.txt: not an IONTOF ASCII image" in page.message.object
    assert page.measurement.value == "A1" and page.source is source
    assert page.analysis is not None
    bad.unlink()


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--points", "0,0=0.5,0.5"], "belong to --micrograph"),
        (["--micrograph", "A_grains.npy"], "needs --micrograph-pixel-size"),
        (["--micrograph", "A_grains.npy", "--micrograph-pixel-size", "1", "--points", "0,0"],
         "COL,ROW=X,Y"),
    ],
)  # fmt: skip
def test_micrograph_options_are_checked_before_serving(
    demo_dir: Path, extra: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from tracerdiff.cli.app import main

    old = os.getcwd()
    os.chdir(demo_dir)
    try:
        with pytest.raises(SystemExit) as info:
            main(["view", *MAP_FILES, *FRACTION_FLAGS, *extra, "--no-browser"])
    finally:
        os.chdir(old)
    err = capsys.readouterr().err
    assert info.value.code == 2 and needle in err and len(err.strip().splitlines()) == 1

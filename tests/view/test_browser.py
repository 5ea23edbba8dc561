"""``tracerdiff view`` in a real headless Chromium: lines drawn with the mouse across the demo
map's boundaries give the k of ``tracerdiff profile`` + ``gb-step``; two lines and a region
saved to a study give the same numbers under ``tracerdiff run``; regions give ``fraction
--roi``; the figure is saved as PNG and SVG; unreadable files are reported on the page; the
token is required; no console errors.  Every test opens its own page and draws its own line."""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tracerdiff.cli.app import app

from .conftest import (
    ARTIFACTS,
    D_BULK,
    FRACTION_FLAGS,
    MAP_FILES,
    open_page,
    start_view,
    stop_view,
)

pytestmark = pytest.mark.browser

#: data (um) -> page pixels of the named Bokeh figure
TO_PAGE = """([name, pts]) => {
  let found = null;
  const walk = (v) => {
    if (!v || found) return;
    if (v.model && v.model.name === name && v.frame) { found = v; return; }
    for (const c of (v.child_views ?? [])) walk(c);
  };
  for (const v of Object.values(Bokeh.index)) walk(v);
  const r = found.canvas_view.el.getBoundingClientRect();
  return pts.map(([x, y]) => [r.left + found.frame.x_scale.compute(x),
                              r.top + found.frame.y_scale.compute(y)]);
}"""


def _cli(args: list[str], cwd: Path) -> dict[str, Any]:
    import os

    old = os.getcwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(app, args)
    finally:
        os.chdir(old)
    assert res.exit_code == 0, res.output
    return json.loads(res.output) if "--json" in args else {}


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=20) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def _line_info(page: Any) -> tuple[tuple[float, float], tuple[float, float], float]:
    info = page.locator("#line-info").first
    a = [float(info.get_attribute(f"data-{k}")) for k in ("start-x", "start-y", "end-x", "end-y",
                                                           "width")]  # fmt: skip
    return (a[0], a[1]), (a[2], a[3]), a[4]


def draw_line(page: Any, start: tuple[float, float], end: tuple[float, float]) -> list[str]:
    """Click the two ends of a line on the map (line tool); the k shown per boundary.  Each
    end is placed on the map as it is then (a message shown or hidden moves the page)."""
    ((x0, y0),) = page.evaluate(TO_PAGE, ["map", [list(start)]])
    page.mouse.click(x0, y0)
    page.wait_for_timeout(700)  # two taps, not a double tap
    ((x1, y1),) = page.evaluate(TO_PAGE, ["map", [list(end)]])
    page.mouse.click(x1, y1)
    page.locator("#k-table tr.gb-row, #k-empty").first.wait_for(timeout=30000)
    return [r.get_attribute("data-k") for r in page.locator("#k-table tr.gb-row").all()]


def _gb_step(cwd: Path, start: Any, end: Any, width: float, out: Path, gbs: list[str]) -> Any:
    prof = out.with_suffix(".csv")
    _cli(["profile", *MAP_FILES, *FRACTION_FLAGS, "--from", f"{start[0]!r},{start[1]!r}",
          "--to", f"{end[0]!r},{end[1]!r}", "--width", repr(width), "-o", str(prof)],
         cwd)  # fmt: skip
    return _cli(["gb-step", str(prof), *gbs, "--d-bulk", D_BULK, "--json"], cwd)


def _same_k(shown: list[str], boundaries: list[dict[str, Any]]) -> int:
    """Compare the k shown with gb-step's (1e-9 relative); the number of measured k compared."""
    assert len(shown) == len(boundaries)
    compared = 0
    for k, b in zip(shown, boundaries, strict=True):
        want = b["gradient_estimate"]["D_gb_over_delta"]["value"] if b["analysable"] else None
        if k and want is not None:
            assert math.isclose(float(k), want, rel_tol=1e-9), (k, want)
            compared += 1
    return compared


def draw_rect(page: Any, a: tuple[float, float], b: tuple[float, float]) -> None:
    page.locator('[title="Rectangle region"]').first.click()
    (x0, y0), (x1, y1) = page.evaluate(TO_PAGE, ["map", [list(a), list(b)]])
    page.keyboard.down("Shift")
    page.mouse.move(x0, y0)
    page.mouse.down()
    for t in (0.25, 0.5, 0.75, 1.0):
        page.mouse.move(x0 + t * (x1 - x0), y0 + t * (y1 - y0))
    page.mouse.up()
    page.keyboard.up("Shift")


def test_requests_without_the_token_are_refused(view_server: dict[str, Any]) -> None:
    base = f"http://127.0.0.1:{view_server['port']}/"
    assert _status(base) == 403
    assert _status(base + "?token=wrong") == 403
    assert _status(view_server["url"]) == 200


def test_line_drawn_gives_the_k_of_gb_step(page: Any, view_server: dict[str, Any],
                                          tmp_path: Path) -> None:  # fmt: skip
    shown = draw_line(page, (8.0, 40.0), (245.0, 40.0))
    start, end, width = _line_info(page)
    assert abs(start[0] - 8.0) < 2 and abs(end[0] - 245.0) < 2 and abs(start[1] - 40.0) < 2
    ref = _gb_step(view_server["cwd"], start, end, width, tmp_path / "line", ["--gb", "auto"])
    assert len(shown) >= 3  # the line crosses several boundaries
    assert _same_k(shown, ref["boundaries"]) >= 3
    _shot(page, "view_line.png")
    assert page.errors == []


def test_dragged_end_and_placed_boundaries_follow_gb_step(page: Any, view_server: dict[str, Any],
                                                          tmp_path: Path) -> None:  # fmt: skip
    draw_line(page, (8.0, 40.0), (245.0, 40.0))
    _, end, _ = _line_info(page)
    (ex, ey), (tx, ty) = page.evaluate(TO_PAGE, ["map", [list(end), [230.0, 40.0]]])
    page.mouse.move(ex, ey)
    page.mouse.down()
    for t in (0.25, 0.5, 0.75, 1.0):  # drag the end point along the line
        page.mouse.move(ex + t * (tx - ex), ey + t * (ty - ey))
    page.mouse.up()
    page.locator("#line-info[data-end-x^='22'], #line-info[data-end-x^='23']").first.wait_for(
        timeout=30000)  # fmt: skip
    start, end, width = _line_info(page)
    assert abs(end[0] - 230.0) < 2
    page.locator("#k-table tr.gb-row").first.wait_for(timeout=30000)
    first = float(page.locator("#k-table tr.gb-row").first.get_attribute("data-position"))
    ((px, py),) = page.evaluate(TO_PAGE, ["profile", [[first, 0.7]]])
    page.mouse.click(px, py)  # a click next to a boundary removes it
    page.locator("#k-table[data-mode='boundaries as placed']").first.wait_for(timeout=30000)
    rows = page.locator("#k-table tr.gb-row").all()
    placed = [float(r.get_attribute("data-position")) for r in rows]
    assert all(abs(p - first) > 1.0 for p in placed) and len(placed) >= 2
    gbs = [a for p in placed for a in ("--gb", repr(p))]
    ref = _gb_step(view_server["cwd"], start, end, width, tmp_path / "moved", gbs)
    assert _same_k([r.get_attribute("data-k") for r in rows], ref["boundaries"]) >= 2
    assert page.errors == []


def test_two_lines_and_a_region_saved_run_to_the_numbers_shown(
    page: Any, view_server: dict[str, Any], tmp_path: Path
) -> None:
    first = [float(k) if k else None for k in draw_line(page, (8.0, 40.0), (245.0, 40.0))]
    page.get_by_role("button", name="Keep line, draw another").click()
    page.locator("#lines-table tr.line-row").first.wait_for(timeout=30000)
    page.get_by_text("Draw a line").first.wait_for(timeout=30000)
    second = [float(k) if k else None for k in draw_line(page, (8.0, 150.0), (245.0, 150.0))]
    draw_rect(page, (300.0, 60.0), (360.0, 120.0))
    page.wait_for_selector("#roi-table tr.roi-row", timeout=30000)
    row = page.locator("#roi-table tr.roi-row").first
    n_pixels, c_shown = int(row.get_attribute("data-n-pixels")), float(row.get_attribute("data-c"))
    name = f"view_{uuid.uuid4().hex[:8]}.toml"  # a study of this test only
    box = page.get_by_placeholder("study.toml")
    box.fill(name)
    box.press("Enter")
    page.wait_for_timeout(300)
    page.get_by_role("button", name="Save to study").click()
    page.get_by_text("saved view_line1, view_line2, view_regions1").first.wait_for(timeout=30000)
    out = tmp_path / "out"
    _cli(["run", str(view_server["cwd"] / name), "-o", str(out), "--json"], view_server["cwd"])
    res = json.loads((out / "results.json").read_text())["analyses"]
    for aid, shown in (("view_line1", first), ("view_line2", second)):
        ran = [b["gradient_estimate"]["D_gb_over_delta"]["value"] if b["analysable"] else None
               for b in res[aid]["results"]["boundaries"]]  # fmt: skip
        assert len(ran) == len(shown)
        for g, w in zip(shown, ran, strict=True):
            if g is not None and w is not None:
                assert math.isclose(g, w, rel_tol=1e-9), (aid, g, w)
    assert sum(w is not None for w in first) >= 3
    (reg,) = res["view_regions1"]["results"]["regions"]
    assert reg["n_pixels"] == n_pixels > 1000
    assert math.isclose(reg["C"]["value"], c_shown, rel_tol=1e-12)
    _shot(page, "view_two_lines_region.png")
    assert page.errors == []


def test_regions_drawn_give_the_roi_table(page: Any, view_server: dict[str, Any]) -> None:
    draw_rect(page, (300.0, 60.0), (360.0, 120.0))
    page.wait_for_selector("#roi-table tr.roi-row", timeout=30000)
    row = page.locator("#roi-table tr.roi-row").first
    ref = _cli(["fraction", *MAP_FILES, *FRACTION_FLAGS, "--roi", row.get_attribute("data-shape"),
                "--json"], view_server["cwd"])  # fmt: skip
    r0 = ref["regions"][0]
    assert int(row.get_attribute("data-n-pixels")) == r0["n_pixels"] > 1000
    assert math.isclose(float(row.get_attribute("data-c")), r0["C"]["value"], rel_tol=1e-12)
    assert math.isclose(float(row.get_attribute("data-c-err")), r0["C"]["stderr"], rel_tol=1e-12)
    page.locator('[title="Polygon region"]').first.click()
    verts = [[100.0, 120.0], [180.0, 120.0], [150.0, 180.0]]
    (a, b, c) = page.evaluate(TO_PAGE, ["map", verts])

    def hold(pt: list[float]) -> None:  # Bokeh's "press": starts, then closes the polygon
        page.mouse.move(*pt)
        page.mouse.down()
        page.wait_for_timeout(800)
        page.mouse.up()

    hold(a)
    page.wait_for_timeout(400)
    page.mouse.click(*b)  # a tap adds a vertex
    page.wait_for_timeout(400)
    hold(c)
    rows = page.locator("#roi-table tr.roi-row")
    rows.nth(1).wait_for(timeout=30000)
    shape = rows.nth(1).get_attribute("data-shape")
    assert shape.startswith("poly ") and len(shape.split()) >= 7  # three vertices or more
    ref = _cli(["fraction", *MAP_FILES, *FRACTION_FLAGS, "--roi", shape, "--json"],
               view_server["cwd"])  # fmt: skip
    assert int(rows.nth(1).get_attribute("data-n-pixels")) == ref["regions"][0]["n_pixels"] > 100
    assert math.isclose(float(rows.nth(1).get_attribute("data-c")), ref["regions"][0]["C"]["value"],
                        rel_tol=1e-12)  # fmt: skip
    _shot(page, "view_region.png")
    assert page.errors == []


def test_figure_saved_as_svg_and_png(page: Any, tmp_path: Path) -> None:
    draw_line(page, (8.0, 40.0), (245.0, 40.0))
    box = page.get_by_placeholder("figure.png or figure.svg")
    for name, magic in (("fig.svg", b"<?xml"), ("fig.png", b"\x89PNG")):
        box.fill(str(tmp_path / name))
        box.press("Enter")
        page.wait_for_timeout(300)
        page.get_by_role("button", name="Save figure").click()
        page.get_by_text(f"wrote {tmp_path / name}").first.wait_for(timeout=30000)
        assert (tmp_path / name).read_bytes().startswith(magic)
    assert b"<svg" in (tmp_path / "fig.svg").read_bytes()[:2000]
    assert page.errors == []


def _errors_study(demo_dir: Path) -> Path:
    """A study with the demo map, an unreadable map and the demo's label image as the [sample]
    micrograph (registered on the map's field)."""
    for f in ("broken_6Li.txt", "broken_7Li.txt"):
        (demo_dir / f).write_bytes(b"\x00\x01 not an image\n" * 20)
    study = demo_dir / "view_errors.toml"
    study.write_text(
        '[study]\ntitle = "viewer errors"\n\n[sample]\nmaterial = "LLTO"\n'
        f'd_bulk = "{D_BULK}"\nmicrograph = "A_grains.npy"\n'
        'micrograph_pixel_size = ["0.9765625 um", "0.9708738 um"]\n\n'
        '[[measurements]]\nid = "A1"\nkind = "image"\nfiles = ["A_map1_6Li.txt", '
        '"A_map1_7Li.txt"]\npair = "6Li/7Li"\ncorrections = { shots_per_pixel = 16, scans = 150 }'
        '\n\n[[measurements]]\nid = "BROKEN"\nkind = "image"\nfiles = ["broken_6Li.txt", '
        '"broken_7Li.txt"]\npair = "6Li/7Li"\n',
        encoding="utf-8",
    )
    return study


#: the grain-boundary overlay is drawn (with data) on the map
EDGES_SHOWN = """() => {
  for (const doc of Bokeh.documents) for (const m of doc.all_models)
    if (m.name === 'grain_edges') return m.visible && m.data_source.data.image[0].length > 1000;
  return false; }"""


def _open_in_page(page: Any, name: str) -> None:
    box = page.get_by_placeholder("map_6Li.txt, map_7Li.txt")
    box.fill(name)
    box.press("Enter")
    page.wait_for_timeout(300)
    page.get_by_role("button", name="Open").click()


@pytest.mark.slow  # a server of its own (--study)
def test_unreadable_files_and_the_micrograph_overlay_in_the_page(
    demo_dir: Path, browser: Any
) -> None:
    server = start_view(["--study", _errors_study(demo_dir).name], demo_dir)
    try:
        page = open_page(browser, server["url"])
        tick = page.get_by_text("Micrograph boundaries").first  # the box is the text's sibling
        tick.evaluate("e => e.previousElementSibling.click()")
        page.wait_for_function(EDGES_SHOWN, timeout=30000)
        page.locator("select:has(option[value='BROKEN'])").first.select_option("BROKEN")
        page.get_by_text("broken_6Li.txt: not an IONTOF ASCII image").first.wait_for(
            timeout=30000)  # fmt: skip
        chosen = page.locator("select:has(option[value='BROKEN'])").first
        page.wait_for_function("(el) => el.value === 'A1'", arg=chosen.element_handle())
        _open_in_page(page, "../elsewhere.txt")
        page.get_by_text("reads only the files it was given").first.wait_for(timeout=30000)
        _open_in_page(page, "broken_7Li.txt")
        page.get_by_text("broken_7Li.txt: not an IONTOF ASCII image").first.wait_for(
            timeout=30000)  # fmt: skip
        draw_line(page, (8.0, 40.0), (245.0, 40.0))  # the page still works after the errors
        _, end, _ = _line_info(page)
        assert abs(end[1] - 40.0) < 2
        assert page.evaluate(EDGES_SHOWN)  # the overlay stays
        _shot(page, "view_errors_micrograph.png")
        assert page.errors == []
        page.close()
    finally:
        err = stop_view(server)
    assert "\x00" not in err  # the file's bytes are never quoted


def test_a_file_not_given_is_refused_on_the_page(page: Any) -> None:
    """Without a study only the files given may be opened: the refusal is on the page."""
    _open_in_page(page, "A_map2_6Li.txt")
    page.get_by_text("reads only the files it was given").first.wait_for(timeout=30000)
    assert page.errors == []

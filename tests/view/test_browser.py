"""``tracerdiff view`` in a real headless Chromium: draw a line across the demo map's boundaries
with the mouse and compare the k shown with ``tracerdiff profile`` + ``gb-step``; draw a region
and compare with ``fraction --roi``; the token is required; no console errors."""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tracerdiff.cli.app import app

from .conftest import D_BULK, FRACTION_FLAGS, MAP_FILES

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


def test_requests_without_the_token_are_refused(view_server: dict[str, Any]) -> None:
    base = f"http://127.0.0.1:{view_server['port']}/"
    assert _status(base) == 403
    assert _status(base + "?token=wrong") == 403
    assert _status(view_server["url"]) == 200


@pytest.fixture(scope="module")
def page(view_server: dict[str, Any], browser: Any) -> Any:
    pg = browser.new_page()
    pg.errors = []  # console errors and page errors
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.goto(view_server["url"])
    pg.wait_for_function("() => window.Bokeh && Object.keys(Bokeh.index).length > 0",
                         timeout=30000)  # fmt: skip
    pg.get_by_text("Draw a line").first.wait_for(timeout=30000)
    pg.wait_for_timeout(1000)
    yield pg
    pg.close()


def test_line_drawn_gives_the_k_of_gb_step(page: Any, view_server: dict[str, Any],
                                          tmp_path: Path) -> None:  # fmt: skip
    (x0, y0), (x1, y1) = page.evaluate(TO_PAGE, ["map", [[8.0, 40.0], [245.0, 40.0]]])
    page.mouse.click(x0, y0)
    page.wait_for_timeout(700)  # two taps, not a double tap
    page.mouse.click(x1, y1)
    page.wait_for_selector("#k-table tr.gb-row", timeout=30000)
    info = page.locator("#line-info").first
    start = (float(info.get_attribute("data-start-x")), float(info.get_attribute("data-start-y")))
    end = (float(info.get_attribute("data-end-x")), float(info.get_attribute("data-end-y")))
    width = float(info.get_attribute("data-width"))
    assert abs(start[0] - 8.0) < 2 and abs(end[0] - 245.0) < 2 and abs(start[1] - 40.0) < 2
    shown = [r.get_attribute("data-k") for r in page.locator("#k-table tr.gb-row").all()]
    prof = tmp_path / "line.csv"
    _cli(["profile", *MAP_FILES, *FRACTION_FLAGS, "--from", f"{start[0]!r},{start[1]!r}",
          "--to", f"{end[0]!r},{end[1]!r}", "--width", repr(width), "-o", str(prof)],
         view_server["cwd"])  # fmt: skip
    ref = _cli(["gb-step", str(prof), "--gb", "auto", "--d-bulk", D_BULK, "--json"],
               view_server["cwd"])  # fmt: skip
    want = [b["gradient_estimate"]["D_gb_over_delta"] for b in ref["boundaries"]
            if b["analysable"]]  # fmt: skip
    assert len(shown) == len(ref["boundaries"]) >= 3  # the line crosses several boundaries
    got = [float(k) for k in shown if k]
    assert len(got) == len(want)
    compared = 0
    for g, w in zip(got, want, strict=True):
        if w["value"] is not None:  # a measured k (bounded 95 % set)
            assert math.isclose(g, w["value"], rel_tol=1e-9), (g, w["value"])
            compared += 1
    assert compared >= 3
    page.screenshot(path=str(tmp_path / "view_line.png"), full_page=True)
    assert page.errors == []


def _line_info(page: Any) -> tuple[tuple[float, float], tuple[float, float], float]:
    info = page.locator("#line-info").first
    a = [float(info.get_attribute(f"data-{k}")) for k in ("start-x", "start-y", "end-x", "end-y",
                                                           "width")]  # fmt: skip
    return (a[0], a[1]), (a[2], a[3]), a[4]


def test_dragged_end_and_placed_boundaries_follow_gb_step(page: Any, view_server: dict[str, Any],
                                                          tmp_path: Path) -> None:  # fmt: skip
    start, end, width = _line_info(page)
    (ex, ey), (tx, ty) = page.evaluate(TO_PAGE, ["map", [list(end), [230.0, 40.0]]])
    page.mouse.move(ex, ey)
    page.mouse.down()
    for t in (0.25, 0.5, 0.75, 1.0):  # drag the end point along the line
        page.mouse.move(ex + t * (tx - ex), ey + t * (ty - ey))
    page.mouse.up()
    page.wait_for_function("() => true")
    page.locator("#line-info[data-end-x^='22'], #line-info[data-end-x^='23']").first.wait_for(
        timeout=30000)  # fmt: skip
    start, end, width = _line_info(page)
    assert abs(end[0] - 230.0) < 2
    first = float(page.locator("#k-table tr.gb-row").first.get_attribute("data-position"))
    ((px, py),) = page.evaluate(TO_PAGE, ["profile", [[first, 0.7]]])
    page.mouse.click(px, py)  # a click next to a boundary removes it
    page.locator("#k-table[data-mode='boundaries as placed']").first.wait_for(timeout=30000)
    rows = page.locator("#k-table tr.gb-row").all()
    placed = [float(r.get_attribute("data-position")) for r in rows]
    assert all(abs(p - first) > 1.0 for p in placed) and len(placed) >= 2
    prof = tmp_path / "moved.csv"
    _cli(["profile", *MAP_FILES, *FRACTION_FLAGS, "--from", f"{start[0]!r},{start[1]!r}",
          "--to", f"{end[0]!r},{end[1]!r}", "--width", repr(width), "-o", str(prof)],
         view_server["cwd"])  # fmt: skip
    ref = _cli(["gb-step", str(prof), *(a for p in placed for a in ("--gb", repr(p))),
                "--d-bulk", D_BULK, "--json"], view_server["cwd"])  # fmt: skip
    shown = [r.get_attribute("data-k") for r in rows]
    compared = 0
    for k, b in zip(shown, ref["boundaries"], strict=True):
        want = b["gradient_estimate"]["D_gb_over_delta"]["value"] if b["analysable"] else None
        if k and want is not None:
            assert math.isclose(float(k), want, rel_tol=1e-9), (k, want)
            compared += 1
    assert compared >= 2
    assert page.errors == []


def test_saved_study_runs_to_the_numbers_shown(page: Any, view_server: dict[str, Any],
                                              tmp_path: Path) -> None:  # fmt: skip
    shown = [float(k) for k in (r.get_attribute("data-k") for r in
                                page.locator("#k-table tr.gb-row").all()) if k]  # fmt: skip
    assert len(shown) >= 3  # the line of the test above
    page.get_by_role("button", name="Save lines to study").click()
    page.get_by_text("saved view_line1").first.wait_for(timeout=30000)
    study = view_server["cwd"] / "view_study.toml"
    out = tmp_path / "out"
    _cli(["run", str(study), "-o", str(out), "--json"], view_server["cwd"])
    res = json.loads((out / "results.json").read_text())["analyses"]["view_line1"]
    ks = [b["gradient_estimate"]["D_gb_over_delta"]["value"]
          for b in res["results"]["boundaries"] if b["analysable"]]  # fmt: skip
    measured = [(g, w) for g, w in zip(shown, ks, strict=True) if w is not None]
    assert len(measured) >= 3
    for g, w in measured:
        assert math.isclose(g, w, rel_tol=1e-9), (g, w)
    assert page.errors == []


def test_region_drawn_gives_the_roi_table(page: Any, view_server: dict[str, Any],
                                         tmp_path: Path) -> None:  # fmt: skip
    page.locator('[title="Rectangle region"]').first.click()
    (x0, y0), (x1, y1) = page.evaluate(TO_PAGE, ["map", [[300.0, 60.0], [360.0, 120.0]]])
    page.keyboard.down("Shift")
    page.mouse.move(x0, y0)
    page.mouse.down()
    for t in (0.25, 0.5, 0.75, 1.0):
        page.mouse.move(x0 + t * (x1 - x0), y0 + t * (y1 - y0))
    page.mouse.up()
    page.keyboard.up("Shift")
    page.wait_for_selector("#roi-table tr.roi-row", timeout=30000)
    row = page.locator("#roi-table tr.roi-row").first
    shape = row.get_attribute("data-shape")
    ref = _cli(["fraction", *MAP_FILES, *FRACTION_FLAGS, "--roi", shape, "--json"],
               view_server["cwd"])  # fmt: skip
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
    page.screenshot(path=str(tmp_path / "view_region.png"), full_page=True)
    assert page.errors == []


def test_ctrl_c_stops_cleanly(view_server: dict[str, Any]) -> None:
    import signal

    proc = view_server["proc"]
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    err = proc.stderr.read()
    assert "Traceback" not in err

"""Benchmark: the viewer (``tracerdiff view``) on a 512 x 512 map.

The map: a Laguerre polycrystal of 512 x 512 one-micrometre pixels (grain ECD ~38 um) with a
staircase fraction field and binomial noise at 1e6 counts per pixel (as bench_gb_map.py).
Timed: (1) a line moved: the profile and the step fits of every detected boundary recomputed
on the server (``ViewerApp.recompute`` through the line's data source, Bokeh sources updated;
20 lines of 400 um, width 16 um; and the library part alone, ``analyse_line``), target
< 200 ms; (2) the first page load in headless Chromium (server started on the map saved as
.nc; navigation until the map and its tables are drawn, target < 3 s, and until the rest of
the page, drawn after it, is there), three loads, the first with an empty browser cache.

Run: python benchmarks/bench_view.py
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr
from scipy.special import erfc

from tracerdiff.imaging import fraction_map
from tracerdiff.simulate import make_polycrystal
from tracerdiff.view.app import ViewerApp
from tracerdiff.view.session import Line, StepSettings, analyse_line, as_map_source

CHROMIUM = "/usr/bin/chromium"


def make_map(counts: int = 1_000_000) -> xr.Dataset:
    """Fraction map (counts, corrections none) of a staircase field on 512 x 512 1-um pixels."""
    rng = np.random.default_rng(12)
    labels = np.asarray(make_polycrystal((512, 512), mean_um=38.0, sd_um=26.0, rng=1).labels)
    _, xx = np.mgrid[0:512, 0:512] + 0.5
    n = int(labels.max()) + 1
    area = np.bincount(labels.ravel(), minlength=n)
    cx = np.bincount(labels.ravel(), xx.ravel(), minlength=n) / np.maximum(area, 1)
    c = 0.076 + 0.87 * erfc(cx / 300.0)[labels]
    na = rng.binomial(counts, np.clip(c, 0, 1)).astype(float)
    coords = {
        "x": ("x", np.arange(512) + 0.5, {"units": "um"}),
        "y": ("y", np.arange(512) + 0.5, {"units": "um"}),
    }
    ds = xr.Dataset(
        {"6Li": (("y", "x"), na), "7Li": (("y", "x"), counts - na)},
        coords=coords,
        attrs={"pixel_size_x_um": 1.0, "pixel_size_y_um": 1.0},
    )
    return fraction_map(ds, pair="6Li/7Li", dead_time="none")


def bench_lines(fds: xr.Dataset) -> tuple[list[float], list[float]]:
    src = as_map_source(fds)
    app = ViewerApp(src, d_bulk="2.6e-8 cm^2/s")
    rng = np.random.default_rng(3)
    settings = StepSettings(d_bulk=2.6e-8)
    analyse_line(src.fraction, Line((10.0, 100.0), (410.0, 100.0), 16.0), settings)  # warm-up
    t_app, t_lib = [], []
    for _ in range(20):
        y = float(rng.uniform(20, 490))
        x0 = float(rng.uniform(5, 100))
        line = Line((x0, y), (x0 + 400.0, y), 16.0)
        t = time.perf_counter()
        analyse_line(src.fraction, line, settings)
        t_lib.append(time.perf_counter() - t)
        t = time.perf_counter()
        app.map.line_source.data = {"x": [x0, x0 + 400.0], "y": [y, y]}  # what a drag sends
        t_app.append(time.perf_counter() - t)
        assert app.analysis is not None and app.analysis.results
    return t_app, t_lib


def bench_page_load(fds: xr.Dataset) -> tuple[float, float] | None:
    if not Path(CHROMIUM).exists():
        return None
    from playwright.sync_api import sync_playwright

    from tracerdiff.io import write_dataset

    with tempfile.TemporaryDirectory() as d:
        nc = Path(d) / "map.nc"
        write_dataset(fds, nc)
        proc = subprocess.Popen([sys.executable, "-m", "tracerdiff", "view", str(nc),
                                 "--no-browser", "--d-bulk", "2.6e-8 cm^2/s"],
                                stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert proc.stdout is not None
        url = re.search(r"http://\S+", proc.stdout.readline()).group(0)  # type: ignore[union-attr]
        try:
            with sync_playwright() as p:
                b = p.chromium.launch(executable_path=CHROMIUM, args=[
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync"])  # fmt: skip
                times, full = [], []
                for _ in range(3):
                    pg = b.new_page()
                    t = time.perf_counter()
                    pg.goto(url)
                    pg.get_by_text("Draw a line").first.wait_for(timeout=60000)
                    times.append(time.perf_counter() - t)
                    pg.get_by_role("button", name="Save figure").wait_for(timeout=60000)
                    full.append(time.perf_counter() - t)
                    pg.close()
                b.close()
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    print(f"page loads (s), map drawn: {', '.join(f'{t:.2f}' for t in times)}; whole page: "
          f"{', '.join(f'{t:.2f}' for t in full)}")  # fmt: skip
    return times[0], full[0]


def main() -> None:
    fds = make_map()
    t_app, t_lib = bench_lines(fds)
    print(
        f"line moved, 512 x 512 map: app recompute median {1e3 * np.median(t_app):.0f} ms, "
        f"max {1e3 * max(t_app):.0f} ms; library alone median {1e3 * np.median(t_lib):.0f} ms"
        " (target < 200 ms)"
    )
    first = bench_page_load(fds)
    print(
        "first page load: "
        + (
            "skipped (no chromium)"
            if first is None
            else f"{first[0]:.2f} s to the map (target < 3 s), {first[1]:.2f} s to the whole page"
        )
    )


if __name__ == "__main__":
    main()

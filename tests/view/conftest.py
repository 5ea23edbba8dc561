"""Fixtures of the viewer tests: the demo map, running ``tracerdiff view`` servers, Chromium,
and a fresh page per test (each test draws what it needs: tests do not depend on each other's
order or on the worker they run on)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip
#: the demo's 59 h map and the corrections its study gives
MAP_FILES = ("A_map1_6Li.txt", "A_map1_7Li.txt")
FRACTION_FLAGS = ["--shots-per-pixel", "16", "--scans", "150"]
D_BULK = "2.6e-8 cm^2/s"
#: screenshots of the browser tests (git-ignored; CI keeps them)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo inputs as ``tracerdiff example-data`` writes them."""
    from tracerdiff.examples import write_example_data

    d = tmp_path_factory.mktemp("demo")
    write_example_data(d)
    return d


def start_view(args: list[str], cwd: Path) -> dict[str, Any]:
    """``tracerdiff view ARGS --no-browser --port 0`` in a subprocess: URL, port, process."""
    pytest.importorskip("panel")
    cmd = [sys.executable, "-m", "tracerdiff", "view", *args, "--no-browser", "--port", "0"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    err = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe: the log never blocks it
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=err, text=True,
                            env=env)  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    m = re.search(r"(http://127\.0\.0\.1:(\d+)/\?token=\S+)", line)
    if m is None:
        proc.kill()
        proc.wait()
        err.seek(0)
        raise AssertionError(f"no URL printed: {line!r} {err.read()}")
    return {"url": m.group(1), "port": int(m.group(2)), "proc": proc, "cwd": cwd, "err": err}


def stop_view(info: dict[str, Any]) -> str:
    """Ctrl-C (SIGINT) the server; asserts that it stops cleanly (exit 0, no traceback) and
    returns what it wrote on stderr."""
    proc = info["proc"]
    try:
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError("tracerdiff view did not stop on Ctrl-C within 30 s") from None
    info["err"].seek(0)
    err = str(info["err"].read())
    info["err"].close()
    assert rc == 0 and "Traceback" not in err, (rc, err[-2000:])
    return err


@pytest.fixture(scope="module")
def view_server(demo_dir: Path) -> Iterator[dict[str, Any]]:
    """``tracerdiff view`` on the demo map; at the end it must stop cleanly on Ctrl-C."""
    info = start_view([*MAP_FILES, *FRACTION_FLAGS, "--d-bulk", D_BULK], demo_dir)
    yield info
    stop_view(info)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (the system one; no browser is downloaded)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with tempfile.TemporaryDirectory() as profile, sync_api.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1400, "height": 1300},
        )  # fmt: skip
        yield ctx
        ctx.close()


def open_page(browser: Any, url: str) -> Any:
    """A new tab on ``url`` (a new session of the app) once the page is drawn; console and
    page errors are collected in ``page.errors``."""
    pg = browser.new_page()
    pg.errors = []
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.goto(url)
    pg.wait_for_function("() => window.Bokeh && Object.keys(Bokeh.index).length > 0",
                         timeout=60000)  # fmt: skip
    pg.get_by_text("Draw a line").first.wait_for(timeout=60000)
    pg.get_by_role("button", name="Save figure").wait_for(timeout=60000)  # drawn after the map
    pg.wait_for_timeout(500)
    return pg


@pytest.fixture
def page(view_server: dict[str, Any], browser: Any) -> Iterator[Any]:
    """A fresh page of the demo map's viewer (its own session: nothing drawn yet)."""
    pg = open_page(browser, view_server["url"])
    yield pg
    pg.close()

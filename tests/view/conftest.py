"""Fixtures of the viewer tests: the demo map, a running ``tracerdiff view`` and Chromium."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
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


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo inputs as ``tracerdiff example-data`` writes them."""
    from tracerdiff.examples import write_example_data

    d = tmp_path_factory.mktemp("demo")
    write_example_data(d)
    return d


@pytest.fixture(scope="module")
def view_server(demo_dir: Path) -> Iterator[dict[str, Any]]:
    """``tracerdiff view`` on the demo map in a subprocess: its URL, port and process."""
    pytest.importorskip("panel")
    cmd = [sys.executable, "-m", "tracerdiff", "view", *MAP_FILES, *FRACTION_FLAGS,
           "--d-bulk", D_BULK, "--no-browser", "--port", "0"]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, cwd=demo_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    m = re.search(r"(http://127\.0\.0\.1:(\d+)/\?token=\S+)", line)
    if m is None:
        proc.kill()
        err = proc.stderr.read() if proc.stderr else ""
        raise AssertionError(f"no URL printed: {line!r} {err}")
    info = {"url": m.group(1), "port": int(m.group(2)), "proc": proc, "cwd": demo_dir}
    yield info
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (the system one; no browser is downloaded)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    import tempfile

    with tempfile.TemporaryDirectory() as profile, sync_api.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1400, "height": 1200},
        )  # fmt: skip
        yield ctx
        ctx.close()

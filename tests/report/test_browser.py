"""The report as a user sees it: headless Chromium loads report.html without console errors,
every image decodes, and a screenshot is kept under test-artifacts/ (git-ignored).

The page's own inline script writes what it observed into attributes of <body> (data-check,
data-images-total, data-images-loaded, data-errors: window errors, failed images and
console.error calls), which ``--dump-dom`` shows; Chromium's own console log on stderr
(``--enable-logging=stderr``) is checked as well. A control page with a broken image and a
script error proves that the check can fail.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tracerdiff.report.html import _template

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        exe = shutil.which(name)
        if exe:
            return exe
    pytest.skip("headless chromium is not installed")


def _browse(page: Path, tmp: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    args = [_chromium(), *FLAGS, f"--user-data-dir={tmp / 'profile'}", *extra, page.as_uri()]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


def _page_state(page: Path, tmp: Path) -> tuple[dict[str, Any], list[str]]:
    proc = _browse(
        page, tmp, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000", "--dump-dom"
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    m = re.search(r"<body(\s[^>]*\bdata-check=[^>]*)>", proc.stdout)
    assert m, proc.stdout[:2000]
    attrs = {k: html.unescape(v) for k, v in re.findall(r'([\w-]+)="([^"]*)"', m.group(1))}
    console = [ln for ln in proc.stderr.splitlines() if ":CONSOLE" in ln]
    return attrs, console


def test_report_renders_in_chromium(report_run: Any, tmp_path: Path) -> None:
    page = report_run.out_dir / "report.html"
    attrs, console = _page_state(page, tmp_path)
    assert attrs.get("data-check") == "done"
    total = int(attrs["data-images-total"])
    assert total == 7
    assert int(attrs["data-images-loaded"]) == total, attrs.get("data-images-bad")
    assert json.loads(attrs["data-errors"]) == []
    assert console == []
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-fixture.png"
    proc = _browse(page, tmp_path, f"--screenshot={shot}", "--window-size=1280,2000")
    assert proc.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_check_detects_broken_page(tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><head><script>" + _template("check.js") + "</script></head>"
        "<body><img alt='broken' src='data:image/png;base64,AAAA'>"
        "<script>console.error('boom'); notAFunction();</script></body></html>",
        encoding="utf-8",
    )
    attrs, console = _page_state(bad, tmp_path)
    assert attrs["data-images-loaded"] == "0" and attrs["data-images-total"] == "1"
    errors = json.loads(attrs["data-errors"])
    assert "console.error: boom" in errors
    assert any("notAFunction" in e for e in errors)
    assert "image failed: broken" in errors
    assert any("notAFunction" in ln for ln in console)


@pytest.mark.slow
def test_demo_report_renders_in_chromium(tmp_path: Path) -> None:
    from tracerdiff.study.demo import demo_study_path, run_demo

    _chromium()
    if not (demo_study_path().parent / "manifest.json").is_file():
        pytest.skip("the bundled demo data (tracerdiff.simulate) is not built yet")
    res = run_demo(tmp_path / "demo")
    page = res.out_dir / "report.html"
    attrs, console = _page_state(page, tmp_path)
    total = int(attrs["data-images-total"])
    assert total == sum(len(o.figures) for o in res.outcomes) >= 10
    assert int(attrs["data-images-loaded"]) == total, attrs.get("data-images-bad")
    assert json.loads(attrs["data-errors"]) == [] and console == []
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-demo.png"
    proc = _browse(page, tmp_path, f"--screenshot={shot}", "--window-size=1280,2000")
    assert proc.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

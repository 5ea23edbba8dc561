"""The README's quick start runs verbatim in an empty folder, and example-data is safe."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tracerdiff.errors import OutputExistsError
from tracerdiff.examples import EXAMPLE_ALIASES, write_example_data

README = Path(__file__).resolve().parents[2] / "README.md"


def _quickstart_lines() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1]
    block = re.search(r"```\n(.*?)```", section, re.S)
    assert block is not None, "README quick start has no code block"
    return [ln for ln in block.group(1).splitlines() if ln.strip()]


def test_readme_quickstart_runs_verbatim(tmp_path: Path) -> None:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    lines = _quickstart_lines()
    assert lines[0].startswith("tracerdiff example-data")
    for line in lines:
        done = subprocess.run(
            ["bash", "-c", line],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"{line}\n{done.stderr}"
        assert "Traceback" not in done.stderr, line
    assert (tmp_path / "results" / "report.html").is_file()
    assert json.loads((tmp_path / "results" / "results.json").read_text())


def test_example_data_refuses_to_overwrite(tmp_path: Path) -> None:
    res = write_example_data(tmp_path)
    assert set(EXAMPLE_ALIASES) <= set(res.files)
    assert (tmp_path / "map_6Li.txt").read_bytes() == (tmp_path / "A_map1_6Li.txt").read_bytes()
    mine = tmp_path / "t0.csv"
    mine.write_text("my own data\n")
    with pytest.raises(OutputExistsError):
        write_example_data(tmp_path)
    assert mine.read_text() == "my own data\n"  # nothing was replaced
    write_example_data(tmp_path, force=True)
    assert mine.read_bytes() == (tmp_path / "B_scan1.csv").read_bytes()

"""The complete small study in docs/study.md runs as written (on two bundled demo profiles)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs" / "study.md"
DEMO = Path(__file__).resolve().parents[2] / "src" / "tracerdiff" / "data" / "demo"


def test_docs_small_study_runs(tmp_path: Path) -> None:
    from tracerdiff.study import run_study

    if not (DEMO / "B_scan2.csv").is_file():
        pytest.skip("the bundled demo data (tracerdiff.simulate) is not built yet")
    text = DOCS.read_text(encoding="utf-8")
    start = text.index("```toml", text.index("## A complete small study")) + len("```toml")
    (tmp_path / "study.toml").write_text(text[start : text.index("```", start)])
    for name in ("B_scan1.csv", "B_scan2.csv"):
        shutil.copy(DEMO / name, tmp_path / name)
    res = run_study(tmp_path / "study.toml", tmp_path / "out")
    assert [o.status for o in res.outcomes] == ["ok", "ok", "ok"]

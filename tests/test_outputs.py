"""Atomic writes: no half-written files, no overwrite without force."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracerdiff.errors import OutputExistsError
from tracerdiff.outputs import atomic_path, atomic_write_text, prepare_output_dir


def test_atomic_write_refuses_existing_without_force(tmp_path: Path) -> None:
    p = tmp_path / "out.txt"
    atomic_write_text(p, "one")
    with pytest.raises(OutputExistsError):
        atomic_write_text(p, "two")
    atomic_write_text(p, "two", force=True)
    assert p.read_text() == "two"


def test_failure_leaves_nothing_behind(tmp_path: Path) -> None:
    p = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), atomic_path(p) as tmp:
        tmp.write_text("partial")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_prepare_output_dir(tmp_path: Path) -> None:
    d = tmp_path / "run"
    prepare_output_dir(d)
    (d / "x").write_text("1")
    with pytest.raises(OutputExistsError):
        prepare_output_dir(d)
    prepare_output_dir(d, replace_if=lambda p: (p / "x").exists())
    assert list(d.iterdir()) == []


def test_atomic_file_gets_normal_permissions(tmp_path: Path) -> None:
    import os

    umask = os.umask(0o022)
    try:
        p = atomic_write_text(tmp_path / "perm.txt", "x")
    finally:
        os.umask(umask)
    assert (p.stat().st_mode & 0o777) == 0o644

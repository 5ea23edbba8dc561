"""Atomic writes: no half-written files, no overwrite without force."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracerdiff.errors import OutputExistsError
from tracerdiff.outputs import MARKER, atomic_dir, atomic_path, atomic_write_text


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


def test_replace_if_only_for_tracerdiff_folders(tmp_path: Path) -> None:
    # (replaces test_prepare_output_dir, which expected a user's folder to be emptied)
    d = tmp_path / "run"
    d.mkdir()
    (d / "x").write_text("1")
    with (
        pytest.raises(OutputExistsError, match="not written by tracerdiff"),
        atomic_dir(d, replace_if=lambda p: True),
    ):
        pass
    assert (d / "x").read_text() == "1"
    d2 = tmp_path / "run2"
    with atomic_dir(d2) as tmp:
        (tmp / "x").write_text("1")
    with pytest.raises(OutputExistsError, match="pass --force"), atomic_dir(d2):
        pass
    with atomic_dir(d2, replace_if=lambda p: (p / "x").exists()) as tmp:
        (tmp / "y").write_text("2")
    assert sorted(p.name for p in d2.iterdir()) == [MARKER, "y"]


def test_atomic_file_gets_normal_permissions(tmp_path: Path) -> None:
    import os

    umask = os.umask(0o022)
    try:
        p = atomic_write_text(tmp_path / "perm.txt", "x")
    finally:
        os.umask(umask)
    assert (p.stat().st_mode & 0o777) == 0o644


def test_atomic_dir_replaces_whole_or_not_at_all(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with atomic_dir(out) as tmp:
        (tmp / "a.txt").write_text("1")
    assert (out / "a.txt").read_text() == "1"
    with pytest.raises(OutputExistsError), atomic_dir(out):
        pass
    with pytest.raises(RuntimeError), atomic_dir(out, force=True) as tmp:
        (tmp / "b.txt").write_text("2")
        raise RuntimeError("boom")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "a.txt"]
    with atomic_dir(out, force=True) as tmp:
        (tmp / "b.txt").write_text("2")
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "b.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # the old one is gone

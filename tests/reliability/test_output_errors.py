"""Writing fails cleanly: an output that cannot be written (a folder in the way, a parent that is
a file, permission denied, a read-only file system, a full disk) is one ``error:`` line naming
the output, exit code 2 and nothing left behind; when a later output of a command fails, the
outputs it already wrote are removed (docs/reliability.md, "Output files and folders")."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tracerdiff.cli.app import main

DEMO = Path(__file__).resolve().parents[2] / "src" / "tracerdiff" / "data" / "demo"


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
        for p in folder.rglob("*")
    }


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with a profile, a count-image pair, a label image, a file and a folder."""
    for name in ("B_scan1.csv", "A_map1_6Li.txt", "A_map1_7Li.txt", "conductivity_bulk.csv"):
        shutil.copy(DEMO / name, tmp_path / name)
    np.save(tmp_path / "labels.npy", np.repeat(np.arange(4), 10)[None, :].repeat(8, axis=0))
    (tmp_path / "afile").write_text("not a folder")
    (tmp_path / "adir").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


WRITERS: dict[str, tuple[list[str], str]] = {
    # kind: (argv with {OUT}, what {OUT} is)
    "figure": (["fit", "erfc", "B_scan1.csv", "--time", "110 h", "--png", "{OUT}.png"], "file"),
    "map": (
        ["fraction", "A_map1_6Li.txt", "A_map1_7Li.txt", "--pair", "6Li/7Li", "-o", "{OUT}.nc"],
        "file",
    ),
    "table-figure": (
        ["arrhenius", "conductivity_bulk.csv", "--density", "5e21 cm^-3", "--png", "{OUT}.png"],
        "file",
    ),
    "folder": (
        [
            "simulate",
            "diffusion",
            "--labels",
            "labels.npy",
            "--pixel-size",
            "1 um",
            "--d-bulk",
            "1e-8 cm^2/s",
            "--d-gb-over-delta",
            "1e-6 cm/s",
            "--c-initial",
            "0",
            "--c-source",
            "1",
            "--time",
            "1 h",
            "-o",
            "{OUT}",
        ],
        "folder",
    ),
    "files": (["example-data", "{OUT}"], "folder"),
}


def _oserror(code: int) -> Callable[..., None]:
    def fail(*a: object, **k: object) -> None:
        raise OSError(code, os.strerror(code), str(k.get("dir", a[0] if a else "")))

    return fail


FAULTS: dict[str, tuple[str, int | None, str]] = {
    # fault: (what {OUT} becomes, errno injected when the temporary file/folder is made, message)
    "parent is a file": ("afile/out", None, "afile is a file, not a folder"),
    "permission denied": ("out", errno.EACCES, "permission denied"),
    "read-only file system": ("out", errno.EROFS, "read-only file system"),
    "disk full": ("out", errno.ENOSPC, "no space left on the device"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("writer", list(WRITERS))
def test_unwritable_output_is_one_line(
    work: Path,
    writer: str,
    fault: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv, _ = WRITERS[writer]
    out, code, message = FAULTS[fault]
    if code is not None:  # as root, chmod does not stop writes: inject the system's answer
        monkeypatch.setattr(tempfile, "mkstemp", _oserror(code))
        monkeypatch.setattr(tempfile, "mkdtemp", _oserror(code))
    before = _tree(work)
    rc, out_text, err = _cli([a.replace("{OUT}", out) for a in argv], capsys)
    assert rc == 2 and err.count("\n") == 1 and err.startswith("error: could not write "), err
    assert message in err and "Traceback" not in err and out_text == ""
    assert "tmp" not in err.split(":")[1], "names the temporary file, not the output"
    assert _tree(work) == before


@pytest.mark.parametrize("writer", list(WRITERS))
def test_output_in_the_way(work: Path, writer: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder where a file goes, a file where a folder goes: refused, both left as they are."""
    argv, kind = WRITERS[writer]
    if kind == "file":
        suffix = argv[-1].removeprefix("{OUT}")
        (work / f"adir{suffix}").mkdir()
        out, expected = "adir", "is a folder"
    else:
        out, expected = "afile", "not a directory" if writer == "folder" else "afile"
    before = _tree(work)
    rc, _, err = _cli([a.replace("{OUT}", out) for a in argv], capsys)
    assert rc == 2 and err.count("\n") == 1 and expected in err, err
    assert _tree(work) == before


LATER: dict[str, tuple[list[str], list[str]]] = {
    # command: (argv, its outputs, the PNG last)
    "fraction": (
        [
            "fraction",
            "A_map1_6Li.txt",
            "A_map1_7Li.txt",
            "--pair",
            "6Li/7Li",
            "-o",
            "map.nc",
            "--png",
            "map.png",
        ],
        ["map.nc", "map.png"],
    ),
    "profile": (
        [
            "profile",
            "map.nc",
            "--from",
            "10,100",
            "--to",
            "490,100",
            "--width",
            "20",
            "-o",
            "p.csv",
            "--png",
            "p.png",
        ],
        ["p.csv", "p.png"],
    ),
    "gb-step": (
        [
            "gb-step",
            "B_scan1.csv",
            "--gb",
            "auto",
            "--d-bulk",
            "2.6e-8 cm^2/s",
            "--csv",
            "gb.csv",
            "--png",
            "gb.png",
        ],
        ["gb.csv", "gb.png"],
    ),
}


def _failing_savefig(self: object, fname: object, *a: object, **k: object) -> None:
    Path(str(fname)).write_bytes(b"\x89PNG half")
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(fname))


@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize("command", list(LATER))
def test_later_output_failing_removes_the_earlier_ones(
    work: Path,
    command: str,
    force: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import matplotlib.figure

    argv, outputs = LATER[command]
    if command == "profile":
        assert (
            _cli(
                [
                    "fraction",
                    "A_map1_6Li.txt",
                    "A_map1_7Li.txt",
                    "--pair",
                    "6Li/7Li",
                    "-o",
                    "map.nc",
                ],
                capsys,
            )[0]
            == 0
        )
    if force:  # earlier outputs of the user's: put back as they were
        for name in outputs:
            (work / name).write_text(f"earlier {name}")
    before = _tree(work)
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", _failing_savefig)
    rc, _, err = _cli([*argv, *(["--force"] if force else [])], capsys)
    assert rc == 2 and err.count("\n") == 1 and "no space left" in err, err
    assert _tree(work) == before  # no output, no temporary file, replaced files back


def test_dollar_signs_in_names_are_not_mathtext(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A '$' in a file name reaches the figure as text, never as a mathtext error."""
    shutil.copy(work / "B_scan1.csv", work / "scan$x^{2$.csv")
    rc, _, err = _cli(
        ["fit", "erfc", "scan$x^{2$.csv", "--time", "110 h", "--png", "fig$.png"], capsys
    )
    assert rc == 0 and "error" not in err, err
    assert (work / "fig$.png").read_bytes()[:4] == b"\x89PNG"

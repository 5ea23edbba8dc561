"""Output safety: tracerdiff never deletes what it did not write, never leaves a half-written
output, and two writers of one output never mix (docs/reliability.md, "Output files and
folders")."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

import tracerdiff.outputs.folders as folders
import tracerdiff.outputs.rename as renaming
from tracerdiff.cli.app import main
from tracerdiff.errors import InputError, OutputExistsError, OutputWriteError
from tracerdiff.outputs import MARKER, OutputBatch, atomic_dir, atomic_path, is_output_folder

DEMO = Path(__file__).resolve().parents[2] / "src" / "tracerdiff" / "data" / "demo"


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def study_dir(tmp_path: Path) -> Path:
    """A copy of the bundled demo study (study.toml + data) plus a file of the user's."""
    d = tmp_path / "project" / "study"
    shutil.copytree(DEMO, d)
    (d / "notes.txt").write_text("mine")
    return d


@pytest.mark.parametrize("where", [".", "..", "STUDY"])
def test_run_refuses_cwd_parent_and_study_folder(
    study_dir: Path, where: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(study_dir)
    before = _tree(study_dir.parent)
    out = str(study_dir) if where == "STUDY" else where
    code, stdout, err = _cli(["run", "study.toml", "-o", out, "--force"], capsys)
    assert code == 2 and stdout == "" and err.count("\n") == 1
    assert _tree(study_dir.parent) == before


def test_run_refuses_folder_holding_an_input(
    study_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _cli(
        ["run", str(study_dir / "study.toml"), "-o", str(study_dir.parent), "--force"], capsys
    )
    assert code == 2 and "would replace the input" in err
    assert (study_dir / "study.toml").is_file() and (study_dir / "notes.txt").is_file()


def test_simulate_demo_refuses_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "data.csv").write_text("1,2\n")
    monkeypatch.chdir(tmp_path)
    code, _, err = _cli(["simulate", "demo", "-o", ".", "--force"], capsys)
    assert code == 2 and "current folder" in err
    assert (tmp_path / "data.csv").read_text() == "1,2\n"


def test_simulate_refuses_folder_of_its_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "sim.toml"
    cfg.write_text("seed = 1\n")
    code, _, err = _cli(
        ["simulate", "polycrystal", "--config", str(cfg), "-o", str(tmp_path), "--force"], capsys
    )
    assert code == 2 and "would replace the input" in err and cfg.is_file()


def test_foreign_folder_refused_even_with_force(tmp_path: Path) -> None:
    out = tmp_path / "results"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    for force in (False, True):
        with (
            pytest.raises(OutputExistsError, match="not written by tracerdiff"),
            atomic_dir(out, force=force),
        ):
            pass
    assert _tree(out) == {"thesis.tex": b"years of work"}


def test_extra_file_in_tracerdiff_folder_refused(tmp_path: Path) -> None:
    out = tmp_path / "results"
    with atomic_dir(out) as tmp:
        (tmp / "report.html").write_text("<html/>")
    assert is_output_folder(out)
    (out / "my_notes.txt").write_text("keep")
    with (
        pytest.raises(OutputExistsError, match=r"did not write .my_notes\.txt"),
        atomic_dir(out, force=True),
    ):
        pass
    assert (out / "my_notes.txt").read_text() == "keep"


def test_symlink_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    with atomic_dir(real) as tmp:
        (tmp / "a").write_text("1")
    (tmp_path / "link").symlink_to(real)
    with (
        pytest.raises(InputError, match="symbolic link"),
        atomic_dir(tmp_path / "link", force=True),
    ):
        pass
    assert (real / "a").read_text() == "1"


def test_force_replaces_by_rename_and_keeps_old_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "run"
    with atomic_dir(out) as tmp:
        (tmp / "a").write_text("old")
    marker = json.loads((out / MARKER).read_text())
    assert marker["kind"] == "tracerdiff-output" and marker["files"] == ["a"]
    real = folders.rename_noreplace
    calls: list[tuple[Path, Path]] = []

    def second_fails(src: Path, dst: Path) -> None:
        calls.append((Path(src), Path(dst)))
        if len(calls) == 2:  # old moved aside; now the new one cannot be moved in
            raise OSError(5, "I/O error")
        real(src, dst)

    monkeypatch.setattr(folders, "rename_noreplace", second_fails)
    with pytest.raises(OSError, match="I/O error"), atomic_dir(out, force=True) as tmp:
        (tmp / "b").write_text("new")
    assert _tree(out) == {"a": b"old", MARKER: (out / MARKER).read_bytes()}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    monkeypatch.setattr(folders, "rename_noreplace", real)
    with atomic_dir(out, force=True) as tmp:
        (tmp / "b").write_text("new")
    assert (out / "b").read_text() == "new" and not (out / "a").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no .run.old-* left


def _race(n: int, write: Callable[[int, threading.Barrier], None]) -> list[BaseException | None]:
    barrier = threading.Barrier(n)
    results: list[BaseException | None] = [None] * n

    def work(i: int) -> None:
        try:
            write(i, barrier)
        except BaseException as exc:  # collected for the assertions
            results[i] = exc

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.fixture(params=["renameat2", "lock"])
def rename_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "lock":
        monkeypatch.setattr(renaming, "_renameat2", lambda: None)
    elif renaming._renameat2() is None:
        pytest.skip("renameat2 is not available here")
    yield str(request.param)


def test_two_folder_writers_one_wins(tmp_path: Path, rename_mode: str) -> None:
    out = tmp_path / "run"

    def write(i: int, barrier: threading.Barrier) -> None:
        with atomic_dir(out) as tmp:
            for k in range(20):
                (tmp / f"part{k}.txt").write_text(f"writer {i}\n" * 100)
            barrier.wait()  # both have passed the first check and built their folder

    results = _race(2, write)
    winners = [i for i, r in enumerate(results) if r is None]
    assert len(winners) == 1, results
    assert all(isinstance(r, OutputExistsError) for r in results if r is not None)
    files = _tree(out)
    assert {v for k, v in files.items() if k != MARKER} == {f"writer {winners[0]}\n".encode() * 100}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_two_file_writers_one_wins(tmp_path: Path) -> None:
    target = tmp_path / "map.nc"

    def write(i: int, barrier: threading.Barrier) -> None:
        with atomic_path(target) as tmp:
            tmp.write_text(f"writer {i}")
            barrier.wait()

    results = _race(2, write)
    winners = [i for i, r in enumerate(results) if r is None]
    assert len(winners) == 1 and isinstance(results[1 - winners[0]], OutputExistsError)
    assert target.read_text() == f"writer {winners[0]}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.nc"]


def _kill_when_writing(cmd: list[str], cwd: Path, name: str) -> None:
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not list(cwd.glob(f".{name}.tmp-*")):
            assert proc.poll() is None, "finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize("previous", [False, True])
def test_sigkill_mid_write_leaves_no_partial_output(tmp_path: Path, previous: bool) -> None:
    out = tmp_path / "demo_data"
    before: dict[str, bytes] = {}
    if previous:
        with atomic_dir(out) as tmp:
            (tmp / "truth.json").write_text("{}\n")
        before = _tree(out)
    cmd = [sys.executable, "-m", "tracerdiff", "simulate", "demo", "-o", "demo_data", "--force"]
    _kill_when_writing(cmd, tmp_path, "demo_data")
    if previous:
        assert _tree(out) == before  # the previous complete output, untouched
    else:
        assert not out.exists()
    assert all(p.name.startswith(".demo_data.tmp-") for p in tmp_path.iterdir() if p != out)


def _iontof_pair(folder: Path) -> list[str]:
    from tracerdiff.io.iontof import write_iontof_image

    rng = np.random.default_rng(1)
    names = []
    for sp, mass, lam in (("6Li", 6.0151, 20.0), ("7Li", 7.016, 200.0)):
        p = folder / f"{sp}.txt"
        write_iontof_image(
            p,
            rng.poisson(lam, (16, 24)),
            species=sp,
            mass=mass,
            field_of_view_um=(24.0, 16.0),
            shots_per_pixel=1,
            scans=400,
        )
        names.append(str(p))
    return names


def test_fraction_writes_map_and_png_or_neither(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import tracerdiff.cli.imaging_cmds as imaging_cmds

    files = _iontof_pair(tmp_path)
    args = [
        "fraction",
        *files,
        "--shots-per-pixel",
        "1",
        "--scans",
        "400",
        "-o",
        str(tmp_path / "map.nc"),
        "--png",
        str(tmp_path / "map.png"),
    ]

    def failing_png(fig: object, path: str, **kw: object) -> None:
        Path(path).write_bytes(b"\x89PNG half")
        raise OutputWriteError(f"could not write {path}: no space left on the device")

    monkeypatch.setattr(imaging_cmds, "save_png", failing_png)
    code, _, err = _cli(args, capsys)
    assert code == 2 and "no space left" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["6Li.txt", "7Li.txt"]
    monkeypatch.undo()
    code, _, _ = _cli(args, capsys)
    assert code == 0 and (tmp_path / "map.nc").is_file() and (tmp_path / "map.png").is_file()


def test_batch_force_failure_puts_replaced_files_back(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old a")
    with pytest.raises(RuntimeError), OutputBatch(force=True) as batch:
        batch.path(a).write_text("new a")
        batch.path(b).write_text("new b")
        raise RuntimeError("boom")
    assert a.read_text() == "old a" and not b.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (needs root and mount permission; skipped otherwise)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)],
        capture_output=True,
        check=False,
    )
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def _big_map() -> object:
    import xarray as xr

    c = np.random.default_rng(0).random((400, 400))  # 1.28 MB of float64
    return xr.Dataset(
        {"C": (("y", "x"), c)}, attrs={"pixel_size_x_um": 1.0, "pixel_size_y_um": 1.0}
    )


def test_full_disk_netcdf_is_a_clean_error(
    tiny_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracerdiff.io import write_dataset

    target = tiny_disk / "map.nc"
    with pytest.raises(OutputWriteError, match=r"not enough free space for .*map\.nc"):
        write_dataset(_big_map(), target)  # type: ignore[arg-type]
    assert list(tiny_disk.iterdir()) == []
    # the free-space check passed (e.g. the disk filled meanwhile): the write itself fails
    plenty = shutil._ntuple_diskusage(1 << 40, 0, 1 << 40)
    monkeypatch.setattr(shutil, "disk_usage", lambda p: plenty)
    with pytest.raises(OutputWriteError, match=r"could not write .*map\.nc"):
        write_dataset(_big_map(), target)  # type: ignore[arg-type]
    assert list(tiny_disk.iterdir()) == []


def test_full_disk_in_output_folder_is_a_clean_error(tiny_disk: Path) -> None:
    out = tiny_disk / "run"
    with pytest.raises(OutputWriteError, match="no space left"), atomic_dir(out) as tmp:
        np.save(tmp / "big.npy", np.zeros(300_000))
    assert list(tiny_disk.iterdir()) == []


# --- an output never replaces an input ------------------------------------------------------


def _profile_csv(folder: Path) -> Path:
    p = folder / "scan.csv"
    p.write_bytes((DEMO / "B_scan1.csv").read_bytes())
    return p


@pytest.mark.parametrize("how", ["same name", "hard link", "symlink", "--png=", "other folder"])
def test_output_onto_an_input_refused_even_with_force(
    tmp_path: Path, how: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scan = _profile_csv(tmp_path)
    before = scan.read_bytes()
    monkeypatch.chdir(tmp_path)
    target = {
        "same name": "scan.csv",
        "hard link": "hard.png",
        "symlink": "soft.png",
        "--png=": "scan.csv",
        "other folder": "../" + tmp_path.name + "/scan.csv",
    }[how]
    if how == "hard link":
        os.link(scan, tmp_path / target)
    if how == "symlink":
        (tmp_path / target).symlink_to(scan)
    png = [f"--png={target}"] if how == "--png=" else ["--png", target]
    code, out, err = _cli(["fit", "erfc", "scan.csv", "--time", "110 h", *png, "--force"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "would replace the input scan.csv" in err
    assert scan.read_bytes() == before


@pytest.mark.parametrize(
    "argv",
    [
        ["gb-step", "scan.csv", "--gb", "auto", "--d-bulk", "2.6e-8 cm^2/s", "--csv", "scan.csv"],
        ["fit", "evolution", "scan.csv", "t2.csv", "--time", "2 weeks", "--png", "t2.csv"],
    ],
)
def test_table_and_figure_writers_refuse_their_inputs(
    tmp_path: Path,
    argv: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _profile_csv(tmp_path)
    (tmp_path / "t2.csv").write_bytes((DEMO / "B_scan2.csv").read_bytes())
    before = _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, _, err = _cli([*argv, "--force"], capsys)
    assert code == 2 and "would replace the input" in err and err.count("\n") == 1
    assert _tree(tmp_path) == before


def test_library_writers_refuse_inputs(tmp_path: Path) -> None:
    from tracerdiff.outputs import atomic_write_text, check_not_input, protect_inputs

    data = tmp_path / "data.txt"
    data.write_text("measured")
    (tmp_path / "alias.txt").hardlink_to(data)
    for target in (data, tmp_path / "alias.txt"):
        with (
            pytest.raises(InputError, match="would replace the input"),
            atomic_path(target, force=True, inputs=[data]),
        ):
            pass
        with (
            pytest.raises(InputError, match="would replace the input"),
            protect_inputs([data]),
            OutputBatch(force=True) as batch,
        ):
            batch.path(target)
    with pytest.raises(InputError, match="would replace the input"):
        atomic_write_text(data, "x", force=True, inputs=[str(data)])
    with pytest.raises(InputError, match="would replace the input"):
        check_not_input(tmp_path, [data])  # a folder holding the input
    with protect_inputs([data]):
        with pytest.raises(InputError), atomic_dir(tmp_path / "..", force=True):
            pass
    check_not_input(tmp_path / "other.txt", [data])  # another name is fine
    assert data.read_text() == "measured"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alias.txt", "data.txt"]


def test_named_input_files_skips_output_values(tmp_path: Path) -> None:
    from tracerdiff.outputs import named_input_files

    for name in ("a.txt", "b.txt", "old.nc", "fig.png"):
        (tmp_path / name).write_text("x")
    os.mkfifo(tmp_path / "fifo")
    argv = [str(tmp_path / n) for n in ("a.txt", "b.txt")] + [
        "-o",
        str(tmp_path / "old.nc"),
        f"--png={tmp_path / 'fig.png'}",
        str(tmp_path / "fifo"),
        str(tmp_path),
        "--force",
    ]
    argv += ["--arrhenius-png", str(tmp_path / "b.txt"), f"--summary-png={tmp_path / 'a.txt'}"]
    t0 = time.monotonic()
    assert named_input_files(argv, ["-o", "--png"]) == argv[:2]
    assert time.monotonic() - t0 < 1.0  # the FIFO is only stat-ed, never opened

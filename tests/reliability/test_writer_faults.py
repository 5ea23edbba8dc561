"""Writers killed or racing: ``kill -9`` of every command that writes leaves each output absent
or complete, never half-written under its final name, and of two commands writing one output at
once exactly one wins, the other exits 2 with one line (docs/reliability.md, "Output files and
folders").

Each command runs in a subprocess whose audit hook (``sys.addaudithook``, no test code in the
library) sends itself SIGKILL at a chosen point of writing:

- ``open:N``: when it opens its N-th file for writing in the working folder (a temporary file
  just created: nothing written yet);
- ``commit:N``: just before its N-th rename or link onto a final (not hidden) name in the
  working folder (the temporary file or folder is complete, the final name not yet there; with
  N = 2 the first output of a batch is already in place);
- ``async:MS``: from a timer MS ms after its first write-open, wherever it is then;
- ``race:N`` (no kill): at its first such commit it waits until N processes have got there, so
  that concurrent writers have all built their output before any of them puts it in place.

Afterwards every new visible entry must be one of the command's outputs and complete (read back
by its format's reader, a folder with its marker and every file the marker lists), the inputs
unchanged; hidden temporary files (``.NAME.*``) may remain.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tracerdiff.cli.app import main
from tracerdiff.examples import EXAMPLE_ALIASES, demo_data_dir
from tracerdiff.outputs import MARKER

KILLER = r"""
import os, signal, sys, threading, time
from tracerdiff.cli.app import main

work = os.path.realpath(os.getcwd())
mode, arg = os.environ["TD_KILL"].split(":")
arg = int(arg)
state = {"seen": 0, "timer": None}


def _under(path, direct):
    try:
        p = os.path.realpath(os.path.join(work, os.fsdecode(path)))
    except TypeError:
        return False
    return os.path.dirname(p) == work if direct else p.startswith(work + os.sep)


def _die():
    os.kill(os.getpid(), signal.SIGKILL)


def _write_open(args):
    path, m, flags = args
    if isinstance(path, int):
        return False
    if m is not None:
        return any(c in m for c in "wax+") and _under(path, False)
    return bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)) and _under(path, False)


def _commit_target(event, args):
    if event in ("os.rename", "os.link"):
        return args[1]
    return None


def hook(event, args):
    if mode in ("open", "async") and event == "open" and _write_open(args):
        state["seen"] += 1
        if mode == "open" and state["seen"] == arg:
            _die()
        if mode == "async" and state["timer"] is None:
            state["timer"] = threading.Timer(arg / 1000.0, _die)
            state["timer"].daemon = True
            state["timer"].start()
    elif mode in ("commit", "race"):
        dst = _commit_target(event, args)
        if dst is None or not _under(dst, True) or os.path.basename(os.fsdecode(dst))[:1] == ".":
            return
        state["seen"] += 1
        if mode == "commit" and state["seen"] == arg:
            _die()
        if mode == "race" and state["seen"] == 1:
            _barrier()


def _barrier():
    gate = os.environ["TD_GATE"]
    open(os.path.join(gate, str(os.getpid())), "w").close()
    deadline = time.monotonic() + 60
    while len(os.listdir(gate)) < arg and time.monotonic() < deadline:
        time.sleep(0.01)


def _watch_renameat2():
    # renameat2 is called through ctypes, which raises no audit event: wrap it
    import tracerdiff.outputs.rename as outputs

    real = outputs._renameat2()
    if real is None:
        return

    def renameat2(dfd1, src, dfd2, dst, flags):
        hook("os.rename", (src, dst))
        return real(dfd1, src, dfd2, dst, flags)

    outputs._renameat2 = lambda: renameat2


_watch_renameat2()
sys.addaudithook(hook)
main(sys.argv[1:])
"""


# --- what a complete output is ------------------------------------------------------------


def _png(p: Path) -> None:
    from PIL import Image

    with Image.open(p) as im:
        im.load()


def _csv(p: Path) -> None:
    text = p.read_text(encoding="utf-8")
    assert text.endswith("\n"), f"{p.name} does not end with a newline"
    rows = [
        r
        for r in csv.reader(line for line in text.splitlines() if line and not line.startswith("#"))
    ]
    assert len(rows) >= 2 and len({len(r) for r in rows}) == 1, f"{p.name} is cut"


def _netcdf(p: Path) -> None:
    import tracerdiff

    ds = tracerdiff.open(p)
    assert ds["C"].size > 0


def _folder(p: Path) -> None:
    marker = json.loads((p / MARKER).read_text(encoding="utf-8"))
    assert marker["kind"] == "tracerdiff-output"
    for name in marker["files"]:
        assert (p / name).is_file(), f"{p.name}/{name} listed but missing"


def _example_file(p: Path) -> None:
    source = EXAMPLE_ALIASES[p.name][0] if p.name in EXAMPLE_ALIASES else p.name
    assert p.read_bytes() == (demo_data_dir() / source).read_bytes()


Check = Callable[[Path], None]

# --- the inputs ---------------------------------------------------------------------------

SIM_TOML = """seed = 3
[grid]
nx = 120
ny = 40
[sims]
field_um = [100.0, 36.0]
pixels = [50, 18]
[[stage]]
temperature = "200 degC"
duration = "1 h"
boundary = "source"
"""

TESTS = Path(__file__).resolve().parents[1]
REAL_DATA = Path(
    os.environ.get("TRACERDIFF_REAL_DATA", TESTS.parents[1] / "shared" / "data" / "real")
)
REAL_DEPTH = REAL_DATA / "iontof_depth_profile" / "I241209m_A_MAPI_1f-1nA_pos-B4_NF.txt"

POINTS = [
    "--points",
    "0,0=0.488,0.485",
    "--points",
    "511,0=499.5,0.485",
    "--points",
    "0,205=0.488,199.5",
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example data, a fraction map and a profile of it, a micrograph of the demo grains,
    a small simulation config and label image."""
    d = tmp_path_factory.mktemp("inputs")
    cwd = Path.cwd()
    os.chdir(d)
    try:
        for args in (
            ["example-data", "."],
            ["fraction", "map_6Li.txt", "map_7Li.txt", "--pair", "6Li/7Li", "-o", "fraction.nc"],
            [
                "profile",
                "fraction.nc",
                "--from",
                "10,100",
                "--to",
                "490,100",
                "--width",
                "20",
                "-o",
                "profile.csv",
            ],
        ):
            with pytest.raises(SystemExit) as exc:
                main(args)
            assert exc.value.code == 0, args
    finally:
        os.chdir(cwd)
    lab = np.load(d / "A_grains.npy")
    edge = np.zeros(lab.shape, dtype=bool)
    edge[:, 1:] |= lab[:, 1:] != lab[:, :-1]
    edge[1:, :] |= lab[1:, :] != lab[:-1, :]
    np.save(d / "micro.npy", np.where(edge, 20, 220).astype(np.uint8))
    np.save(d / "labels.npy", np.repeat(np.arange(6), 10)[None, :].repeat(12, axis=0))
    (d / "sim.toml").write_text(SIM_TOML)
    shutil.copy(TESTS / "data" / "impedance" / "exampleDataZPlot.z", d / "spectrum.z")
    if REAL_DEPTH.is_file():
        shutil.copy(REAL_DEPTH, d / "depth.txt")
    return d


# --- the table: every command that writes ---------------------------------------------------

D_BULK = ["--d-bulk", "2.6e-8 cm^2/s"]
# a kill point marked "+" runs by default, the others only with the slow tests
FAST = [("commit+", 1), ("open", 1)]
TWO = [("commit+", 1), ("commit+", 2), ("open", 1)]

CASES: list[tuple[str, list[str], dict[str, Check], list[tuple[str, int]], bool]] = [
    # (id, argv, outputs and their check, kill points, slow)
    (
        "fraction-nc-png",
        [
            "fraction",
            "map_6Li.txt",
            "map_7Li.txt",
            "--pair",
            "6Li/7Li",
            "-o",
            "out.nc",
            "--png",
            "out.png",
        ],
        {"out.nc": _netcdf, "out.png": _png},
        TWO,
        False,
    ),
    (
        "profile-csv-png",
        [
            "profile",
            "fraction.nc",
            "--from",
            "10,100",
            "--to",
            "490,100",
            "--width",
            "20",
            "-o",
            "out.csv",
            "--png",
            "out.png",
        ],
        {"out.csv": _csv, "out.png": _png},
        TWO,
        False,
    ),
    (
        "gb-step",
        ["gb-step", "profile.csv", "--gb", "auto", *D_BULK, "--png", "out.png", "--csv", "out.csv"],
        {"out.png": _png, "out.csv": _csv},
        TWO,
        False,
    ),
    (
        "gb-map",
        [
            "gb-map",
            "fraction.nc",
            "--micrograph",
            "micro.npy",
            "--micrograph-pixel-size",
            "0.977",
            *D_BULK,
            *POINTS,
            "--lines",
            "10,100:490,100",
            "--width",
            "20 um",
            "--png",
            "out.png",
            "--csv",
            "out.csv",
        ],
        {"out.png": _png, "out.csv": _csv},
        TWO,
        True,
    ),
    (
        "grains",
        ["grains", "micro.npy", "--pixel-size", "0.977 um", "--png", "out.png"],
        {"out.png": _png},
        FAST,
        False,
    ),
    (
        "arrhenius",
        ["arrhenius", "sigma_bulk.csv", "--density", "5e21 cm^-3", "--png", "out.png"],
        {"out.png": _png},
        FAST,
        False,
    ),
    (
        "fit-erfc",
        ["fit", "erfc", "linescan.csv", "--time", "110 h", "--png", "out.png"],
        {"out.png": _png},
        FAST,
        False,
    ),
    (
        "fit-exchange",
        ["fit", "exchange", "linescan.csv", "--time", "110 h", "--png", "out.png"],
        {"out.png": _png},
        [("commit+", 1)],
        True,
    ),
    (
        "fit-thin-film",
        ["fit", "thin-film", "linescan.csv", "--time", "110 h", "--png", "out.png"],
        {"out.png": _png},
        [("commit+", 1)],
        True,
    ),
    (
        "fit-evolution",
        [
            "fit",
            "evolution",
            "t0.csv",
            "t2w.csv",
            "t6w.csv",
            "--time",
            "2 weeks",
            "--time",
            "6 weeks",
            "--png",
            "out.png",
        ],
        {"out.png": _png},
        FAST,
        True,
    ),
    (
        "depth-profile",
        [
            "depth-profile",
            "depth.txt",
            "--pair",
            "207Pb/206Pb",
            "--sputter-rate",
            "0.2 nm/s",
            "-o",
            "out.csv",
        ],
        {"out.csv": _csv},
        FAST,
        False,
    ),
    (
        "impedance-fit",
        ["impedance", "fit", "spectrum.z", "--png", "out.png"],
        {"out.png": _png},
        FAST,
        False,
    ),
    (
        "example-data",
        ["example-data", "."],
        {
            **{p.name: _example_file for p in demo_data_dir().iterdir()},
            **dict.fromkeys(EXAMPLE_ALIASES, _example_file),
        },
        [("commit+", 1), ("commit+", 5), ("open", 1)],
        False,
    ),
    (
        "simulate-polycrystal",
        ["simulate", "polycrystal", "--config", "sim.toml", "-o", "out"],
        {"out": _folder},
        FAST,
        False,
    ),
    (
        "simulate-diffusion",
        [
            "simulate",
            "diffusion",
            "--labels",
            "labels.npy",
            "--pixel-size",
            "1 um",
            *D_BULK,
            "--d-gb-over-delta",
            "1.5e-6 cm/s",
            "--c-initial",
            "0.0759",
            "--c-source",
            "0.95",
            "--time",
            "1 h",
            "-o",
            "out",
        ],
        {"out": _folder},
        FAST,
        False,
    ),
    ("simulate-demo", ["simulate", "demo", "-o", "out"], {"out": _folder}, [("commit+", 1)], True),
    ("run", ["run", "study.toml", "-o", "out"], {"out": _folder}, FAST, True),
    ("demo", ["demo", "-o", "out"], {"out": _folder}, [("commit+", 1)], True),
]


def _params() -> list[Any]:
    out = []
    for cid, argv, outputs, points, slow in CASES:
        for point, n in points:
            mode = point.rstrip("+")
            marks = [pytest.mark.slow] if slow or not point.endswith("+") else []
            out.append(pytest.param(argv, outputs, mode, n, id=f"{cid}-{mode}{n}", marks=marks))
    return out


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def _killed(work: Path, argv: list[str], mode: str, n: int) -> tuple[int, str]:
    env = dict(os.environ, TD_KILL=f"{mode}:{n}")
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, *argv],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return proc.returncode, proc.stderr


def _assert_absent_or_complete(
    work: Path, before: dict[str, bytes], outputs: dict[str, Check]
) -> list[str]:
    new = sorted(p.name for p in work.iterdir() if p.name not in before or p.is_dir())
    visible = [n for n in new if not n.startswith(".")]
    assert set(visible) <= set(outputs), f"unexpected files {set(visible) - set(outputs)}"
    for name in visible:
        outputs[name](work / name)
    assert {k: v for k, v in _snapshot(work).items() if k in before} == before, "input changed"
    return visible


@pytest.mark.parametrize(("argv", "outputs", "mode", "n"), _params())
def test_kill9_leaves_outputs_absent_or_complete(
    inputs: Path, tmp_path: Path, argv: list[str], outputs: dict[str, Check], mode: str, n: int
) -> None:
    work = tmp_path / "work"
    if "depth.txt" in argv and not (inputs / "depth.txt").is_file():
        pytest.skip(f"real depth profile not found at {REAL_DEPTH}")
    shutil.copytree(inputs, work)
    before = _snapshot(work)
    if "example-data" in argv:  # its outputs are the inputs' names: start from an empty folder
        shutil.rmtree(work)
        work.mkdir()
        before = {}
    code, err = _killed(work, argv, mode, n)
    assert code == -signal.SIGKILL, f"not killed at {mode}:{n} (exit {code}): {err}"
    visible = _assert_absent_or_complete(work, before, outputs)
    if mode == "commit" and n == 1:
        assert visible == [], "an output appeared before its first commit"
    if mode == "commit" and n > 1:
        assert visible, "the outputs committed before the kill are missing"


@pytest.mark.slow
@pytest.mark.parametrize("delay_ms", [5, 50, 300])
def test_kill9_at_a_random_moment_of_writing(inputs: Path, tmp_path: Path, delay_ms: int) -> None:
    argv, outputs = BY_ID["fraction-nc-png"]
    work = tmp_path / "work"
    shutil.copytree(inputs, work)
    before = _snapshot(work)
    code, err = _killed(work, argv, "async", delay_ms)
    assert code in (0, -signal.SIGKILL), err
    visible = _assert_absent_or_complete(work, before, outputs)
    if code == 0:
        assert sorted(visible) == sorted(outputs)


# --- two writers of one output ------------------------------------------------------------

BY_ID = {cid: (argv, outputs) for cid, argv, outputs, _, _ in CASES}

RACES = [
    # (id, argv, outputs and their check, slow)
    ("file", *BY_ID["fit-erfc"], False),  # fit erfc --png: one atomic file
    (
        "netcdf",
        ["fraction", "map_6Li.txt", "map_7Li.txt", "--pair", "6Li/7Li", "-o", "out.nc"],
        {"out.nc": _netcdf},
        False,
    ),
    ("batch", *BY_ID["fraction-nc-png"], False),  # fraction -o map --png fig: staged together
    (
        "csv",
        [
            "profile",
            "fraction.nc",
            "--from",
            "10,100",
            "--to",
            "490,100",
            "--width",
            "20",
            "-o",
            "out.csv",
        ],
        {"out.csv": _csv},
        True,
    ),
    ("files", *BY_ID["example-data"], False),  # example-data: many files
    ("folder", *BY_ID["simulate-diffusion"], False),  # simulate diffusion -o out
    ("study-folder", *BY_ID["run"], True),  # run study.toml -o out
]


@pytest.mark.parametrize(
    ("argv", "outputs"),
    [
        pytest.param(argv, outputs, id=rid, marks=[pytest.mark.slow] if slow else [])
        for rid, argv, outputs, slow in RACES
    ],
)
def test_two_writers_exactly_one_wins(
    inputs: Path, tmp_path: Path, argv: list[str], outputs: dict[str, Check]
) -> None:
    work, gate = tmp_path / "work", tmp_path / "gate"
    gate.mkdir()
    if "example-data" in argv:
        work.mkdir()
    else:
        shutil.copytree(inputs, work)
    before = _snapshot(work) if "example-data" not in argv else {}
    env = dict(os.environ, TD_KILL="race:2", TD_GATE=str(gate))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", KILLER, *argv],
            cwd=work,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    assert len(list(gate.iterdir())) == 2, "the writers did not meet before committing"
    codes = sorted(r[0] for r in results)
    assert codes == [0, 2], results
    err = next(r[2] for r in results if r[0] == 2)
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert "appeared while it was being written" in err or "pass --force" in err, err
    visible = _assert_absent_or_complete(work, before, outputs)
    assert sorted(visible) == sorted(outputs)

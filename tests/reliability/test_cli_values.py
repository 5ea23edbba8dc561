"""Impossible or hostile values on the command line end in one ``error:`` line, exit code 2,
no traceback, and within a few seconds (docs/reliability.md, "Values and the command line")."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tracerdiff.cli.app import main
from tracerdiff.errors import InputError

DEMO = Path(__file__).resolve().parents[2] / "src" / "tracerdiff" / "data" / "demo"
MAPS = [str(DEMO / "A_map1_6Li.txt"), str(DEMO / "A_map1_7Li.txt")]
K = ["--d-gb-over-delta", "1.5e-6 cm/s"]
SERIES = ["series", "--d-bulk", "2.6e-8 cm^2/s", *K]
NE = ["nernst-einstein", "--sigma", "1e-3 S/cm", "--density", "5e21 cm^-3"]
QUENCH = [
    "quench-check",
    "--arrhenius",
    str(DEMO / "conductivity_bulk.csv"),
    "--time",
    "5 h",
    "--resolution",
    "1 um",
    "--stage-temperature",
    "-110 degC",
]

CASES = [
    (
        "power chain",
        ["series", "--d-bulk", "9^9^9 cm^2/s", *K, "--grain-size", "16 um"],
        "one power per term",
    ),
    (
        "huge unit exponent",
        ["series", "--d-bulk", "2.6e-8 cm^20/s", *K, "--grain-size", "16 um"],
        "exceeds 10",
    ),
    ("huge number exponent", [*SERIES, "--grain-size", "10^5000 um"], "exceeds 1000"),
    (
        "1e400",
        ["series", "--d-bulk", "1e400 cm^2/s", *K, "--grain-size", "16 um"],
        "out of the range",
    ),
    ("nan", ["series", "--d-bulk", "nan cm^2/s", *K, "--grain-size", "16 um"], "finite"),
    ("long string", [*SERIES, "--grain-size", "1" * 300 + " um"], "at most 200"),
    (
        "negative D",
        ["series", "--d-bulk", "-2.6e-8 cm^2/s", *K, "--grain-size", "16 um"],
        "cannot be negative",
    ),
    ("zero D", ["series", "--d-bulk", "0 cm^2/s", *K, "--grain-size", "16 um"], "must be > 0"),
    ("negative grain size", [*SERIES, "--grain-size", "-16 um"], "grain size"),
    ("negative time", [*SERIES, "--grain-size", "16 um", "--time", "-1 h"], "diffusion time"),
    (
        "negative thickness",
        [*SERIES, "--grain-size", "16 um", "--delta", "-0.5 nm"],
        "--delta must be > 0",
    ),
    (
        "huge --n-grains",
        [*SERIES, "--grain-size", "16 um", "--time", "1 h", "--n-grains", "100000000"],
        "between 1 and 100,000",
    ),
    ("negative seed", [*SERIES, "--grain-size", "16 um", "--seed", "-1"], "non-negative"),
    (
        "negative seed simulate",
        ["simulate", "demo", "-o", "unused", "--seed", "-3"],
        "non-negative",
    ),
    ("temperature without unit", [*NE, "--temperature", "22"], "K or degC"),
    ("22 C is coulomb", [*NE, "--temperature", "22 C"], "degC"),
    ("below 0 K", [*NE, "--temperature", "-300 degC"], "above 0 K"),
    ("0 K", [*NE, "--temperature", "0 K"], "above 0 K"),
    (
        "background > 1",
        ["fraction", *MAPS, "--background", "1.5", "--source", "0.95"],
        "--background: expected 'natural' or an isotope fraction between 0 and 1",
    ),
    (
        "source < 0",
        ["fraction", *MAPS, "--background", "0.0759", "--source", "-0.1"],
        "--source: expected an isotope fraction between 0 and 1",
    ),
    (
        "ramp below stage",
        [*QUENCH, "--ramp-from", "-150 degC", "--cooling-rate", "5 K/min"],
        "below --stage-temperature",
    ),
    ("bare number before (", [*SERIES, "--grain-size", "16 (11) cm"], "read as a product"),
    (
        "bad cooling rate",
        [
            *QUENCH,
            "--density",
            "5e21 cm^-3",
            "--ramp-from",
            "22 degC",
            "--cooling-rate",
            "-5 K/min",
        ],
        "--cooling-rate",
    ),
]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str, float]:
    t0 = time.perf_counter()
    with pytest.raises(SystemExit) as info:
        main(argv)
    cap = capsys.readouterr()
    return int(info.value.code or 0), cap.out, cap.err, time.perf_counter() - t0


@pytest.mark.parametrize(("argv", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_value_is_one_line(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err, seconds = _run(argv, capsys)
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert expected in lines[0]
    assert seconds < 5.0


def test_concise_notation_is_value_and_error(capsys: pytest.CaptureFixture[str]) -> None:
    """'16(11) um' is 16 +- 11 um (never 16 x 11 = 176 um); 'cm2/s' is cm^2/s."""
    code, out, err, _ = _run(
        ["series", "--d-bulk", "2.6e-8 cm2/s", *K, "--grain-size", "16(11) um", "--json"], capsys
    )
    assert code == 0, err
    d = json.loads(out)
    assert d["grain_size"]["value"] == pytest.approx(16.0)
    # the error is the sd of single grains, recorded as such (not as a standard error)
    assert "sd of single grains 11 um" in d["grain_size"]["note"]
    assert d["D_bulk"]["value"] == pytest.approx(2.6e-8)


def test_study_with_negative_d_is_refused_by_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = tmp_path / "study.toml"
    study.write_text(
        '[study]\ntitle = "t"\n\n[sample]\nmaterial = "LLTO"\nd_bulk = "-2.6e-8 cm^2/s"\n'
    )
    code, _, err, _ = _run(["validate", str(study)], capsys)
    assert code == 2 and "Traceback" not in err
    assert "sample.d_bulk" in err and "cannot be negative" in err


def test_scheduler_not_an_address(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err, seconds = _run(
        ["run", str(DEMO / "study.toml"), "-o", str(tmp_path / "o"), "--scheduler", "not a url"],
        capsys,
    )
    assert code == 2 and "Traceback" not in err and "__del__" not in err
    assert "is not a dask scheduler address" in err
    assert seconds < 5.0
    assert not (tmp_path / "o").exists()


def test_scheduler_nothing_listening(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err, seconds = _run(
        [
            "run",
            str(DEMO / "study.toml"),
            "-o",
            str(tmp_path / "o"),
            "--scheduler",
            "tcp://127.0.0.1:1",
        ],
        capsys,
    )
    assert code == 2 and "Traceback" not in err and "__del__" not in err
    assert "cannot connect" in err
    assert seconds < 8.0


def test_unexpected_exception_is_internal_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import tracerdiff.models as models

    def boom(**_: object) -> None:
        raise ZeroDivisionError("x")

    monkeypatch.setattr(models, "effective_medium", boom)
    code, _, err, _ = _run([*SERIES, "--grain-size", "16 um"], capsys)
    assert code == 1
    assert err.strip() == "internal error: ZeroDivisionError; rerun with --debug"


def test_os_error_names_the_path(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import tracerdiff.models as models

    def denied(**_: object) -> None:
        raise PermissionError(13, "Permission denied", "/some/where.csv")

    monkeypatch.setattr(models, "effective_medium", denied)
    code, _, err, _ = _run([*SERIES, "--grain-size", "16 um"], capsys)
    assert code == 2
    assert err.strip() == "error: /some/where.csv: permission denied"


@pytest.fixture(params=["silent", "hangs up"])
def not_a_scheduler(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """A TCP port that accepts connections but is no dask scheduler: it says nothing, or it
    closes the connection at once."""
    import socket
    import threading

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            if request.param == "hangs up":
                conn.close()
            else:
                held.append(conn)

    threading.Thread(target=serve, daemon=True).start()
    expected = (
        "answered like a dask scheduler"
        if request.param == "silent"
        else "closed the connection without a dask handshake"
    )
    yield f"tcp://127.0.0.1:{srv.getsockname()[1]}", expected
    srv.close()
    for conn in held:
        conn.close()


def test_port_that_is_not_a_scheduler(
    not_a_scheduler: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """distributed's Client would wait far beyond its 5 s timeout on such a port (~50 s seen):
    the probe refuses it within its 3 s, before any work."""
    from tracerdiff.study.parallel import check_scheduler

    address, expected = not_a_scheduler
    t0 = time.monotonic()
    with pytest.raises(InputError, match=expected):
        check_scheduler(address)
    assert time.monotonic() - t0 < 10.0
    code, _, err, _ = _run(
        ["run", str(DEMO / "study.toml"), "-o", str(tmp_path / "o"), "--scheduler", address], capsys
    )
    assert code == 2 and err.count("\n") == 1 and expected in err
    assert not (tmp_path / "o").exists()

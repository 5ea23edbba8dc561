"""The CLI shell: version, help, errors as one line with exit code 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

import tracerdiff
from tracerdiff.cli.app import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"tracerdiff {tracerdiff.__version__}"


def test_unknown_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["no-such-command"])
    assert info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_python_dash_m_works() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tracerdiff", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.startswith("tracerdiff ")


def test_bad_option_value_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["series", "--d-bulk"])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err

"""Study files and the files they name: nothing blocks, nothing leaks, nothing crashes.

FIFOs, devices and folders are refused by validation at once; messages never quote the text of
an input file (in the report, results.json, stdout or stderr); deeply nested or undecodable
study files give one line instead of a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tracerdiff.errors import ConfigError, FileFormatError
from tracerdiff.study.load import load_study

MARKER = "SECRET-MARKER-123"
TIMEOUT_S = 30

#: a text file that is not SIMS data (like /etc/passwd), with the marker on several lines
PASSWD_LIKE = (
    f"{MARKER}:x:0:0:root:/root:/bin/bash\n"
    f"daemon:x:1:1:{MARKER}:/usr/sbin:/usr/sbin/nologin\n"
    f"# {MARKER}\n1 2 {MARKER}\n"
)
#: files whose header is right but whose values are not numbers
BAD_VALUES = {
    "bad_profile.csv": f"x_um,C\n0,0.5\n1,{MARKER}\n",
    "bad_6Li.txt": f"# Field of view: 10 um\n1 2\n{MARKER} 4\n",
    "bad_table.csv": f"T_K,D\n300,1e-9\n350,{MARKER}\n",
}


def _tracerdiff(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The CLI in a fresh process, killed after TIMEOUT_S (a blocking read fails the test)."""
    code = "import sys; from tracerdiff.cli.app import main; main(sys.argv[1:])"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def _study(files: str, *, extra: str = "") -> str:
    return f"""[study]
title = "inputs"

[sample]
material = "LLTO"

[[measurements]]
id = "p"
kind = "profile"
files = [{files}]

[[analyses]]
id = "fit"
type = "profile_fit"
measurement = "p"
time = "1 h"
{extra}"""


def _one_line_error(res: subprocess.CompletedProcess[str]) -> str:
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1, res.stderr
    assert "Traceback" not in res.stderr
    return res.stderr


def test_fifo_data_file_is_refused_at_once(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.csv")  # nobody ever writes to it: opening it would block
    (tmp_path / "study.toml").write_text(_study('"pipe.csv"'))
    for cmd in (["validate", "study.toml"], ["run", "study.toml", "-o", "out"]):
        err = _one_line_error(_tracerdiff(*cmd, cwd=tmp_path))
        assert (
            "measurements[0].files[0]: 'pipe.csv' is a FIFO (named pipe); expected a "
            "regular data file" in err
        )
    assert not (tmp_path / "out").exists()


def test_device_and_folder_are_refused(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    text = _study('"/dev/zero"', extra='\n[paths]\nroots = ["/dev"]\n')
    (tmp_path / "study.toml").write_text(text)
    err = _one_line_error(_tracerdiff("validate", "study.toml", cwd=tmp_path))
    assert "study.toml:10: measurements[0].files[0]: '/dev/zero' is a character device" in err
    (tmp_path / "study.toml").write_text(_study('"data"'))
    with pytest.raises(ConfigError, match="'data' is a folder; expected a regular data file"):
        load_study(tmp_path / "study.toml")


def test_dev_zero_without_a_root_is_outside(tmp_path: Path) -> None:
    (tmp_path / "study.toml").write_text(_study('"/dev/zero"'))
    err = _one_line_error(_tracerdiff("validate", "study.toml", cwd=tmp_path))
    assert "absolute path outside the study's folder" in err


def test_study_file_that_is_a_fifo_or_folder(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "study.toml")
    err = _one_line_error(_tracerdiff("validate", "study.toml", cwd=tmp_path))
    assert "not a regular file" in err
    with pytest.raises(FileFormatError, match="not a regular file"):
        load_study(tmp_path)


def test_deeply_nested_study(tmp_path: Path) -> None:
    p = tmp_path / "study.toml"
    p.write_text("a = " + "[" * 100_000)
    with pytest.raises(ConfigError, match=r"^study.toml: study file nests too deeply$"):
        load_study(p)
    err = _one_line_error(_tracerdiff("validate", "study.toml", cwd=tmp_path))
    assert "nests too deeply" in err


def test_study_not_utf8(tmp_path: Path) -> None:
    p = tmp_path / "study.toml"
    p.write_bytes(b'[study]\ntitle = "\xff\xfe"\n')
    with pytest.raises(FileFormatError, match=r"not UTF-8 text \(byte 17\)$"):
        load_study(p)


def _secret_study(tmp_path: Path) -> Path:
    """A study whose every data file fails to parse and holds the marker."""
    for name in (
        "secret.csv",
        "secret_6Li.txt",
        "secret_7Li.txt",
        "secret_table.csv",
        "secret_truth.json",
    ):
        (tmp_path / name).write_text(PASSWD_LIKE)
    for name, text in BAD_VALUES.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "bad_7Li.txt").write_text(BAD_VALUES["bad_6Li.txt"])
    extra = """
[[measurements]]
id = "img"
kind = "image"
files = ["secret_6Li.txt", "secret_7Li.txt"]

[[measurements]]
id = "img2"
kind = "image"
files = ["bad_6Li.txt", "bad_7Li.txt"]

[[measurements]]
id = "p2"
kind = "profile"
files = ["bad_profile.csv"]

[[analyses]]
id = "map"
type = "fraction_map"
measurement = "img"

[[analyses]]
id = "map2"
type = "fraction_map"
measurement = "img2"

[[analyses]]
id = "fit2"
type = "profile_fit"
measurement = "p2"
time = "1 h"

[[analyses]]
id = "arr"
type = "arrhenius"
table = "secret_table.csv"

[[analyses]]
id = "arr2"
type = "arrhenius"
table = "bad_table.csv"

[[analyses]]
id = "ne"
type = "nernst_einstein"
table = "secret_table.csv"
density = "5e21 cm^-3"

[[comparisons]]
label = "D"
result = "fit.D"
truth = "secret_truth.json#/D"
"""
    p = tmp_path / "study.toml"
    p.write_text(_study('"secret.csv"', extra=extra))
    return p


def test_run_never_quotes_input_files(tmp_path: Path) -> None:
    _secret_study(tmp_path)
    res = _tracerdiff("run", "study.toml", "-o", "out", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert MARKER not in res.stdout and MARKER not in res.stderr
    assert "failed" in res.stdout
    out = tmp_path / "out"
    assert (out / "results.json").is_file() and (out / "report.html").is_file()
    for f in out.rglob("*"):
        if f.is_file():
            assert MARKER.encode() not in f.read_bytes(), f.name
    # the reasons still say which file and what was expected
    results = (out / "results.json").read_text()
    assert "secret.csv" in results and "bad_table.csv: row 3, column 'D'" in results


@pytest.mark.parametrize("name", ["secret.csv", "secret_6Li.txt", "secret_table.csv", *BAD_VALUES])
def test_info_never_quotes_the_file(tmp_path: Path, name: str) -> None:
    _secret_study(tmp_path)
    err = _one_line_error(_tracerdiff("info", name, cwd=tmp_path))
    assert name in err
    assert MARKER not in err


@pytest.mark.parametrize(
    "pair", [("secret_6Li.txt", "secret_7Li.txt"), ("bad_6Li.txt", "bad_7Li.txt")]
)
def test_fraction_never_quotes_the_file(tmp_path: Path, pair: tuple[str, str]) -> None:
    _secret_study(tmp_path)
    res = _tracerdiff("fraction", *pair, "-o", "map.nc", cwd=tmp_path)
    err = _one_line_error(res)
    assert pair[0] in err
    assert MARKER not in err and MARKER not in res.stdout
    assert not (tmp_path / "map.nc").exists()


@pytest.mark.parametrize("suffix", [".tif", ".npy", ".npz", ".nc", ".im"])
def test_binary_readers_never_quote_the_file(tmp_path: Path, suffix: str) -> None:
    (tmp_path / f"secret{suffix}").write_text(PASSWD_LIKE)
    err = _one_line_error(_tracerdiff("info", f"secret{suffix}", cwd=tmp_path))
    assert MARKER not in err and "SECR" not in err

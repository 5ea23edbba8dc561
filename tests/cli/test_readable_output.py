"""Human (non --json) output of the commands: the results that matter in words, no object dumps,
each warning once, command-line names in messages, one plus-minus sign."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import xarray as xr

from tracerdiff.cli.app import main
from tracerdiff.cli.gb_text import summary_line
from tracerdiff.cli.study_cmds import _summary_text
from tracerdiff.cli.textsafe import ascii_safe
from tracerdiff.errors import InputError, OutputExistsError
from tracerdiff.examples import write_example_data
from tracerdiff.imaging.pipeline import species_variable
from tracerdiff.outputs import check_writable


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    code = info.value.code
    return int(code if isinstance(code, int) else 1), out.out, out.err


def _no_dump(text: str) -> None:
    """No Python reprs: class names, lists, booleans, raw '[n values]'."""
    assert "Result" not in text and "[9 values]" not in text
    assert "True" not in text and "False" not in text
    assert "['" not in text


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("examples")
    write_example_data(folder)
    return folder


def test_regime_is_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        [
            "regime",
            "--d-bulk",
            "1e-14 cm^2/s",
            "--d-gb",
            "4e-10 cm^2/s",
            "--time",
            "3 h",
            "--grain-size",
            "10 um",
            "--d-gb-over-delta",
            "1e-7 cm/s",
        ],
        capsys,
    )
    assert code == 0
    _no_dump(out)
    assert "reasons:" not in out and "wlc_applicable" not in out and "slow_gb:" not in out
    assert out.startswith("Harrison regime B (type B")
    assert "6/5 method: applies" in out
    assert "slow grain boundaries: Bi = l k / D_b = 1e+04" in out


def test_simulate_plan_is_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["simulate", "plan", "--temperature", "22 degC", "--time", "59 h"], capsys)
    assert code == 0
    _no_dump(out)
    assert out.startswith("plan: llto at 295.1 K for 59 h")
    assert "x (um)" in out and "C_norm" in out
    assert "fits in a 500 um map (needs 2 L = 432 um): yes" in out
    assert "bulk change across a grain above 3x noise: NO" in out


def test_fit_compare_text(examples: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        ["fit", "compare", str(examples / "linescan.csv"), "--time", "110 h"], capsys
    )
    assert code == 0
    assert out.startswith("model comparison: ") and "ModelComparison" not in out
    assert "exchange has a lower AIC" in out and "not recommended" in out
    assert "9.456" not in out  # C_s of a fraction no longer runs off to 9.5


def test_fit_warns_once_and_names_the_option(
    examples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(["fit", "erfc", str(examples / "linescan.csv"), "--time", "110 h"], capsys)
    assert code == 0
    warnings = [ln for ln in out.splitlines() if ln.lower().startswith("warning:")]
    assert sum("chi2_red = 44.1" in ln for ln in warnings) == 1
    assert any(
        ln.startswith("WARNING: chi2_red = 44.1 for 157 degrees of freedom") for ln in warnings
    )
    surface = next(ln for ln in warnings if "surface at x0" in ln)
    assert "--free x0 on the command line" in surface and "free it with" not in surface


def test_exists_error_names_the_cli_option(
    examples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "fraction.nc"
    out_file.write_text("earlier\n")
    args = ["fraction", str(examples / "map_6Li.txt"), str(examples / "map_7Li.txt")]
    code, _, err = _run([*args, "--pair", "6Li/7Li", "-o", str(out_file)], capsys)
    assert code == 2
    assert "pass --force to overwrite it" in err and "force=True" not in err
    with pytest.raises(OutputExistsError, match=r"pass force=True to overwrite") as exc:
        check_writable(out_file)  # the Python API names its keyword
    assert "--force" not in str(exc.value)


def test_gb_step_summary_in_words() -> None:
    summary = {
        "counts": {
            "total": 12,
            "measured": 6,
            "bounded_only": 1,
            "not_significant": 3,
            "uphill": 2,
            "not_analysable": 0,
            "well_measured": 0,
        },
        "D_gb_over_delta": {"harmonic_mean": {"value": 9.83e-6, "stderr": None, "unit": "cm/s"}},
    }
    line = summary_line(summary)
    assert "(0 to < 20 %)" not in line
    assert line.startswith("12 GBs: k measured at 6 (95 % set bounded and above 0), 0 of them")
    assert "2 uphill" in line and "3 not significant" in line and "not analysable" not in line
    assert line.endswith("harmonic mean k of the 6 measured = 9.83e-06 cm/s")


def test_gb_step_cli_summary(test_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prof = str(test_data / "gb" / "chain_profile.csv")
    args = ["gb-step", prof, "--d-bulk", "2.6e-8 cm^2/s"]
    for g in (12.5, 28.0, 56.5):
        args += ["--gb", str(g)]
    code, out, _ = _run(args, capsys)
    assert code == 0
    assert "3 GBs: k measured at" in out


def test_one_plus_minus_sign(examples: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        ["arrhenius", str(examples / "sigma_bulk.csv"), "--density", "5e21 cm^-3"], capsys
    )
    assert code == 0 and "Ea    = 0.349 ± 0.0024 eV" in out and "+-" not in out
    code, out, _ = _run(
        [
            "haven",
            "--tracer",
            "0.048+-0.004 cm^2/s",
            "--conductivity",
            "0.20+-0.01 cm^2/s",
            "--temperature",
            "300 K",
        ],
        capsys,
    )
    assert code == 0 and "H_R at 300.0 K = 0.24 ± 0.023" in out and "+-" not in out


def test_ascii_stream_prints_plus_minus() -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    ascii_safe(stream)
    stream.write("D = 1.2e-09 ± 3e-10 cm^2/s at 22 °C\n")
    stream.flush()
    assert raw.getvalue() == b"D = 1.2e-09 +- 3e-10 cm^2/s at 22 degC\n"
    utf8 = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    ascii_safe(utf8)
    assert utf8.errors == "strict"  # left alone where ± can be printed


HAVEN_ARGS = ("--tracer", "0.048+-0.004 cm^2/s", "--conductivity", "0.20+-0.01 cm^2/s")
HAVEN_ARGS += ("--temperature", "300 K")


def test_ascii_locale_command_runs() -> None:
    env = dict(os.environ, PYTHONIOENCODING="ascii")
    done = subprocess.run(
        [sys.executable, "-m", "tracerdiff", "haven", *HAVEN_ARGS],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "= 0.24 +- 0.023" in done.stdout


def _outcome(oid: str, results: dict[str, Any], status: str = "ok") -> Any:
    return SimpleNamespace(id=oid, type="profile_fit", status=status, results=results, reason="")


def _run_result(comparisons: list[dict[str, Any]], outcomes: list[Any]) -> Any:
    d = {
        "out_dir": "results",
        "n_analyses": len(outcomes),
        "n_ok": sum(o.status == "ok" for o in outcomes),
        "elapsed_s": 3.2,
        "comparisons": comparisons,
        "analyses": [
            {"id": o.id, "status": o.status, "reason": o.reason or "bad input"} for o in outcomes
        ],
    }
    return SimpleNamespace(to_dict=lambda: d, outcomes=tuple(outcomes))


def test_run_summary_shows_the_comparisons() -> None:
    row = {
        "label": "D_eff at 22 °C, erfc fit after 110 h (cm^2/s)",
        "recovered": {"value": 3.288e-9, "stderr": 5.64e-10, "unit": "cm^2/s"},
        "truth": {"value": 3.23e-9, "stderr": None, "unit": "cm^2/s"},
        "published": {"value": 8e-9, "stderr": None, "unit": "cm^2/s"},
        "n_errors": 0.1,
    }
    text = _summary_text(_run_result([row], [_outcome("fitB0", {})]))
    lines = text.splitlines()
    assert lines[0].startswith("wrote results/report.html (1 of 1 analyses ok")
    assert "results/results.json" in lines[0]
    assert "recovered" in lines[1] and "truth" in lines[1]
    assert "D_eff at 22 °C, erfc fit after 110 h" in lines[2]
    assert "3.29e-09 ± 5.6e-10 cm^2/s" in lines[2] and "+0.1" in lines[2]


def test_run_summary_headlines_without_comparisons() -> None:
    fit = _outcome(
        "fit1",
        {
            "model": "erfc",
            "D_eff": {"value": 3.3e-9, "stderr": 5.6e-10, "unit": "cm^2/s"},
            "C_s": {"value": 0.945, "stderr": 0.038, "unit": ""},
        },
    )
    failed = _outcome("map2", {}, status="failed")
    text = _summary_text(_run_result([], [fit, failed]))
    assert "  fit1: D_eff = 3.3e-09 ± 5.6e-10 cm^2/s; C_s = 0.945 ± 0.038" in text
    assert "  map2: failed: bad input" in text


def test_unknown_species_names_the_closest() -> None:
    names = ["total", "O", "Sn", "116Sn", "118Sn", "119Sn", "InO", "CsI", "Pb", "207Pb", "C60"]
    ds = xr.Dataset({n: ("time_s", np.zeros(3)) for n in names})
    with pytest.raises(InputError) as exc:
        species_variable(ds, "18O")
    msg = str(exc.value)
    assert "closest: O" in msg and "11 species in all" in msg and "tracerdiff info" in msg
    assert "C60" not in msg and "207Pb" not in msg
    few = xr.Dataset({n: ("time_s", np.zeros(3)) for n in ("6Li", "7Li")})
    with pytest.raises(InputError, match=r"available: 6Li, 7Li"):
        species_variable(few, "18O")

"""The ``tracerdiff fit`` commands: JSON keys, figures, bad input exits 2 without traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tracerdiff.cli.app import main
from tracerdiff.history import Stage, ThermalHistory, evolve_profile
from tracerdiff.solutions import erfc_profile
from tracerdiff.solvers.exact import evolve_exact

X = np.arange(160) * 25.0 + 12.5
T110 = 110 * 3600.0
WEEK = 7 * 86400.0


def _write(path: Path, x: np.ndarray, c: np.ndarray, *, err: float | None = 0.01) -> Path:
    cols = ["x_um", "C"] + (["C_err"] if err else [])
    rows = [",".join(cols)]
    for xi, ci in zip(x, c, strict=True):
        rows.append(f"{xi},{ci}" + (f",{err}" if err else ""))
    path.write_text("# pair: 6Li/7Li\n" + "\n".join(rows) + "\n")
    return path


@pytest.fixture
def profiles(tmp_path: Path) -> dict[str, Path]:
    rng = np.random.default_rng(4)
    c0 = erfc_profile(X, C_s=0.95, C_0=0.0759, D=8e-9, time_s=T110)
    out = {"p0": _write(tmp_path / "p0.csv", X, c0 + rng.normal(0, 0.01, X.size))}
    for k in (2, 6):
        c = evolve_exact(c0, h_cm=25e-4, D_t_cm2=3e-9 * k * WEEK) + rng.normal(0, 0.01, X.size)
        out[f"p{k}"] = _write(tmp_path / f"p{k}w.csv", X, c)
    return out


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


def test_fit_erfc_json_and_png(
    profiles: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = tmp_path / "fig.png"
    code, out, _ = _run(
        [
            "fit",
            "erfc",
            str(profiles["p0"]),
            "--time",
            "110 h",
            "--fix",
            "C_0=0.0759",
            "--json",
            "--png",
            str(png),
        ],
        capsys,
    )
    assert code == 0
    d = json.loads(out)
    assert d["model"] == "erfc" and d["converged"] is True
    assert d["D_eff"]["unit"] == "cm^2/s"
    assert abs(d["D_eff"]["value"] / 8e-9 - 1) < 0.05
    assert d["C_0"] == {"value": 0.0759, "stderr": None, "unit": "", "note": "fixed"}
    for k in ("C_s", "x0", "ci95_D_eff", "chi2_red", "aic", "n_points"):
        assert k in d
    assert png.stat().st_size > 1000
    # the figure is not overwritten without --force
    code, _, err = _run(
        ["fit", "erfc", str(profiles["p0"]), "--time", "110 h", "--png", str(png)], capsys
    )
    assert code == 2 and "exists" in err


def test_fit_exchange_thin_film_text(
    profiles: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(["fit", "exchange", str(profiles["p0"]), "--time", "110 h"], capsys)
    assert code == 0 and "k_s" in out
    code, out, _ = _run(
        ["fit", "thin-film", str(profiles["p0"]), "--time", "110 h", "--json"], capsys
    )
    assert code == 0 and json.loads(out)["model"] == "thin-film"


def test_fit_evolution_and_compare(
    profiles: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(
        [
            "fit",
            "evolution",
            str(profiles["p0"]),
            str(profiles["p2"]),
            str(profiles["p6"]),
            "--time",
            "2 week",
            "--time",
            "6 week",
            "--initial",
            "erfc",
            "--initial-time",
            "110 h",
            "--json",
            "--png",
            str(tmp_path / "evo.png"),
        ],
        capsys,
    )
    assert code == 0
    assert (tmp_path / "evo.png").stat().st_size > 1000
    d = json.loads(out)
    assert d["model"] == "evolution"
    assert abs(d["D_eff"]["value"] / 3e-9 - 1) < 0.03
    assert d["extra"]["times_s"] == [2 * WEEK, 6 * WEEK]
    code, out, _ = _run(
        ["fit", "compare", str(profiles["p0"]), "--time", "110 h", "--json"], capsys
    )
    assert code == 0
    d = json.loads(out)
    assert d["best"] in {"erfc", "exchange"} and set(d["models"]) == {
        "erfc",
        "exchange",
        "thin-film",
    }


def test_fit_evolution_with_source_stage_and_posterior(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Flat start, 110 h in the bath then 2 weeks closed (truth from the fv1d solver)."""
    rng = np.random.default_rng(8)
    flat = np.full(X.size, 0.0759)
    hist = ThermalHistory([Stage(295.15, T110, "source"), Stage(295.15, 2 * WEEK)])
    c = evolve_profile(
        flat, h_cm=25e-4, history=hist, D=lambda T: np.full(X.size, 3e-9), c_source=0.95
    )
    p0 = _write(tmp_path / "flat.csv", X, flat)
    p1 = _write(tmp_path / "s.csv", X, c + rng.normal(0, 0.01, X.size))
    args = ["fit", "evolution", str(p0), str(p1), "--time", f"{T110 + 2 * WEEK} s"]
    code, out, _ = _run([*args, "--source-time", "110 h", "--c-source", "0.95", "--json"], capsys)
    assert code == 0
    d = json.loads(out)
    assert abs(d["D_eff"]["value"] / 3e-9 - 1) < 0.03
    assert [s["boundary"] for s in d["extra"]["histories"][0]["stages"]] == ["source", "closed"]
    assert d["ci95_D_eff"]["method"] == "profile likelihood + initial-profile noise"
    code, out, _ = _run(
        [
            *args,
            "--source-time",
            "110 h",
            "--c-source",
            "0.95",
            "--json",
            "--posterior",
            "60",
            "--seed",
            "3",
        ],
        capsys,
    )
    assert code == 0
    post = json.loads(out)
    assert post["n_samples"] == 32 * 45 and post["ci95_D_eff"]["method"] == "posterior quantiles"
    assert post["D_eff"]["value"] == pytest.approx(d["D_eff"]["value"], rel=0.02)
    assert any("posterior convolved" in n for n in post["notes"])
    assert post["D_eff"]["stderr"] == pytest.approx(d["D_eff"]["stderr"], rel=0.3)


def _bad_files(tmp: Path) -> dict[str, Path]:
    bad = {
        "nonmono": "x_um,C\n0,0.9\n20,0.5\n10,0.4\n30,0.1\n40,0.1\n",
        "dup": "x_um,C\n0,0.9\n10,0.5\n10,0.4\n30,0.1\n40,0.1\n",
        "nan": "x_um,C\n0,nan\n10,nan\n20,nan\n30,nan\n40,nan\n",
        "few": "x_um,C\n0,0.9\n10,0.5\n20,0.1\n",
    }
    out = {}
    for k, text in bad.items():
        out[k] = tmp / f"{k}.csv"
        out[k].write_text(text)
    return out


KS40 = ("--k-spread", "40")


@pytest.mark.parametrize(
    ("case", "match"),
    [
        ("nonmono", "monotonic"),
        ("dup", "duplicated"),
        ("nan", "NaN"),
        ("few", "points cannot determine"),
        ("zero_time", "> 0 s"),
        ("bad_fix", "NAME=VALUE"),
        ("history", "one --time per later"),
        ("no_overlap", "does not overlap"),
        ("neg_domain", "A < B"),
        ("source_too_long", "exceeds an elapsed time"),
        ("source_no_value", "give c_source"),
        ("posterior_short", "at least 50 steps"),
        ("erfc_no_time", "needs --initial-time"),
        ("k_spread_huge", "sigma of ln k) must be in [0, 3]"),
    ],
)
def test_bad_input_exit_2(
    case: str,
    match: str,
    profiles: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = _bad_files(tmp_path)
    png = tmp_path / "out.png"
    p0, p2 = str(profiles["p0"]), str(profiles["p2"])
    far = _write(tmp_path / "far.csv", X + 1e5, np.full(X.size, 0.1))
    args = {
        "zero_time": ["fit", "erfc", p0, "--time", "0 h"],
        "bad_fix": ["fit", "erfc", p0, "--time", "1 h", "--fix", "C_0"],
        "history": ["fit", "evolution", p0, p2, "--time", "1 h", "--time", "2 h"],
        "no_overlap": ["fit", "evolution", p0, str(far), "--time", "1 h"],
        "neg_domain": ["fit", "evolution", p0, p2, "--time", "1 h", "--domain", "5,1"],
        "source_too_long": ["fit", "evolution", p0, p2, "--time", "1 h", "--source-time", "2 h"],
        "source_no_value": ["fit", "evolution", p0, p2, "--time", "3 h", "--source-time", "2 h"],
        "posterior_short": ["fit", "erfc", p0, "--time", "110 h", "--posterior", "10"],
        "erfc_no_time": ["fit", "evolution", p0, p2, "--time", "1 h", "--initial", "erfc"],
        # exp(sigma^2) overflowed into an internal error
        "k_spread_huge": ["fit", "erfc", p0, "--time", "1 h", "--grain-size", "16+-11 um", *KS40],
    }.get(case, ["fit", "erfc", str(files.get(case, p0)), "--time", "110 h"])
    code, _out, err = _run([*args, "--png", str(png)], capsys)
    assert code == 2
    assert match in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not png.exists()


def test_subprocess_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("x_um,C\n0,0.9\n0,0.5\n")
    proc = subprocess.run(
        [sys.executable, "-m", "tracerdiff", "fit", "erfc", str(bad), "--time", "1 h"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("error:")


def test_fit_fix_lists_x_column_and_error_options(
    profiles: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p0 = str(profiles["p0"])
    base = ["fit", "erfc", p0, "--time", "110 h", "--json"]
    _, one, _ = _run([*base, "--fix", "C_0=0.0759,C_s=0.95"], capsys)
    _, two, _ = _run([*base, "--fix", "C_0=0.0759", "--fix", "C_s=0.95"], capsys)
    a, b = json.loads(one), json.loads(two)
    assert a["fixed"] == b["fixed"] == ["C_0", "C_s", "x0"]
    assert a["D_eff"]["value"] == pytest.approx(b["D_eff"]["value"], rel=1e-12)
    for key in ("stderr_counting", "stderr_microstructure", "ci95_D_eff", "chi2_red_note"):
        assert key in a
    # a position column that is not x_um
    from tracerdiff.fitting import load_profile

    prof = load_profile(profiles["p0"])
    other = tmp_path / "mm.csv"
    rows = ["pos_mm,C,C_err"] + [
        f"{x / 1000},{c},{e}" for x, c, e in zip(prof.x_um, prof.C, prof.C_err, strict=True)
    ]
    other.write_text("\n".join(rows) + "\n")
    code, out, _ = _run(
        [
            "fit",
            "erfc",
            str(other),
            "--time",
            "110 h",
            "--x-column",
            "pos_mm",
            "--x-unit",
            "mm",
            "--fix",
            "C_0=0.0759",
            "--json",
        ],
        capsys,
    )
    assert code == 0
    c = json.loads(out)
    assert c["D_eff"]["value"] == pytest.approx(a["D_eff"]["value"], rel=0.05)
    # counting error only, or with grain statistics
    _, h, _ = _run([*base, "--homogeneous"], capsys)
    assert "counting error only" in json.loads(h)["microstructure"]["method"]
    _, g, _ = _run([*base, "--grain-size", "16+-11 um", "--k-spread", "0.4"], capsys)
    assert json.loads(g)["microstructure"]["mode"] == "grains"
    code, _, err = _run([*base, "--k-spread", "0.4"], capsys)
    assert code == 2 and "--grain-size" in err
    # a profile averaged across a 100 um strip: 3 E[l] / width of the 1D walk rate
    wide = ["--grain-size", "16+-11 um", "--k-spread", "0.4", "--profile-width", "100 um"]
    _, w, _ = _run([*base, *wide], capsys)
    grains = json.loads(w)["microstructure"]["grains"]
    assert grains["width_um"] == pytest.approx(100.0)
    assert grains["lateral_factor"] == pytest.approx(0.48)
    code, _, err = _run([*base, "--profile-width", "100 um"], capsys)
    assert code == 2 and "--grain-size" in err


def test_fit_human_output_is_readable(
    profiles: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(["fit", "erfc", str(profiles["p0"]), "--time", "110 h"], capsys)
    assert code == 0
    assert "D_eff = " in out and "cm^2/s" in out and "95 %" in out and "chi2_red" in out
    assert "{" not in out and "[160 values]" not in out and "data:" not in out

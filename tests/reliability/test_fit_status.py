"""Fits that fail say so: status and notes of least-squares fits and posteriors."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from tracerdiff.cli.app import main
from tracerdiff.fitting import (
    FitResult,
    ProfileData,
    fit_evolution,
    fit_profile,
    run_problem,
    sample_posterior,
)
from tracerdiff.solutions import erfc_profile

X = np.arange(160) * 25.0 + 12.5
T110 = 110 * 3600.0
TRUTH = {"C_s": 0.95, "C_0": 0.0759, "D": 8e-9, "x0_um": 100.0}


def _profile(x: np.ndarray, sd: float, err: float, seed: int, **kw: float) -> ProfileData:
    p = {**TRUTH, **kw}
    c = erfc_profile(x, time_s=T110, **p)
    noisy = c + np.random.default_rng(seed).normal(0, sd, x.size)
    return ProfileData.from_arrays(x, noisy, np.full(x.size, err))


def _fit(x: np.ndarray, sd: float, err: float, seed: int, **kw: float) -> FitResult:
    # the synthetic surface is at x0 = 100 um: x0 is fitted (held at 0 by default)
    return fit_profile("erfc", _profile(x, sd, err, seed, **kw), time_s=T110, free=("x0",))


def _write(path: Path, p: ProfileData) -> Path:
    assert p.C_err is not None
    rows = ["x_um,C,C_err"] + [f"{x},{c},{e}" for x, c, e in zip(p.x_um, p.C, p.C_err, strict=True)]
    path.write_text("\n".join(rows) + "\n")
    return path


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_honest_errors_are_ok_and_recover_D(seed: int) -> None:
    r = _fit(X, 0.01, 0.01, seed)
    se = r.stderr["D_eff"]
    assert r.status == "ok" and r.success and r.notes == ()
    assert se is not None and abs(r.values["D_eff"] - TRUTH["D"]) < 3 * se
    d = r.to_dict()
    assert d["status"] == "ok" and d["notes"] == [] and d["success"] is True


def test_understated_errors_are_a_poor_fit() -> None:
    r = _fit(X, 2.0, 0.01, 1)
    assert r.status == "poor_fit" and r.success
    note = next(n for n in r.notes if "chi2" in n)
    assert "not scaled" in note and "understate" in note


def test_surface_fraction_above_one_is_noted() -> None:
    r = _fit(X, 0.01, 0.01, 3, C_s=1.08)
    assert r.status == "unphysical"
    assert any(n.startswith("C_s") and "above 1" in n for n in r.notes)


def test_parameter_pinned_at_a_bound() -> None:
    r0 = _fit(X, 0.01, 0.01, 5)
    bounds = dict(r0.problem.bounds)
    bounds["C_0"] = (TRUTH["C_0"] + 0.004, bounds["C_0"][1])
    r = run_problem(dataclasses.replace(r0.problem, bounds=bounds))
    assert r.status == "at_bound"
    assert any("C_0 is at its lower bound" in n for n in r.notes)


def test_flat_profile_leaves_D_unconstrained() -> None:
    r = _fit(np.arange(20) * 5.0 + 3000.0, 0.01, 0.01, 6)  # deep in the flat tail
    assert r.status == "unconstrained"
    assert any("D_eff" in n and "do not constrain" in n for n in r.notes)


def test_cli_prints_warnings_and_json_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "p.csv", _profile(X, 2.0, 0.01, 1))
    code, out, _ = _run(["fit", "erfc", str(path), "--time", "110 h", "--free", "x0"], capsys)
    assert code == 0 and "status: poor_fit" in out
    chi2_lines = [ln for ln in out.splitlines() if ln.startswith("WARNING: chi2_red")]
    assert len(chi2_lines) == 1 and "degrees of freedom" in chi2_lines[0]  # once, with its p
    assert not any(ln.startswith("warning:") and "chi2" in ln for ln in out.splitlines())
    code, out, _ = _run(
        ["fit", "erfc", str(path), "--time", "110 h", "--free", "x0", "--json"], capsys
    )
    d = json.loads(out)
    assert code == 0 and d["status"] == "poor_fit" and any("chi2" in n for n in d["notes"])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tiny_D_is_an_upper_bound_not_a_crash(seed: int) -> None:
    r = _fit(X, 0.01, 0.01, seed, D=1e-15)  # diffusion length << the 25 um spacing
    assert r.status == "unconstrained"
    assert any("below the point spacing" in n for n in r.notes)
    assert r.ci95["D_eff"][0] is None


def test_identical_evolution_profiles_give_an_upper_bound(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p0 = _profile(X, 0.01, 0.01, 1)
    r = fit_evolution(p0, [p0], times_s=[7 * 86400.0])
    assert r.status == "unconstrained"
    assert any("only bounded: below" in n for n in r.notes)
    path = _write(tmp_path / "p0.csv", p0)
    args = ["fit", "evolution", str(path), str(path), "--time", "1 week"]
    code, out, err = _run([*args, "--json"], capsys)
    assert code == 0 and err == ""
    d = json.loads(out)
    assert d["status"] == "unconstrained" and d["ci95_D_eff"]["lower"] is None
    code, out, err = _run(args, capsys)
    assert code == 0 and "warning:" in out and "Traceback" not in out + err


def test_posterior_of_a_non_identifiable_fit_is_flagged() -> None:
    r = _fit(np.arange(20) * 5.0 + 3000.0, 0.01, 0.01, 6)
    post = sample_posterior(r, n_walkers=32, n_steps=300, rng=1)
    assert post.status != "ok"
    assert any("bounded by the prior, not by the data" in n for n in post.notes)
    assert post.ci95["D_eff"][1] is None
    assert post.to_dict()["ci95_D_eff"]["upper"] is None

"""``tracerdiff gb-step``: JSON keys, outputs, and bad input (exit 2, no output file)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tracerdiff.cli.app import main

D = "2.6e-8 cm^2/s"
TRUE_GB = [12.5, 28.0, 56.5, 76.5, 85.5, 101.5]
TRUE_K = [1.59188e-06, 7.88352e-07, 1.65231e-06, 1.64809e-06, 2.81712e-06, 1.70254e-06]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


def test_gb_step_json(test_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prof = str(test_data / "gb" / "chain_profile.csv")
    args = [
        prof,
        "--d-bulk",
        D,
        "--curvature",
        "shared",
        "--json",
        "--csv",
        str(tmp_path / "t.csv"),
        "--png",
        str(tmp_path / "f.png"),
    ]
    for g in TRUE_GB:
        args += ["--gb", str(g)]
    code, out, _ = run(["gb-step", *args], capsys)
    assert code == 0
    data = json.loads(out)
    b = data["boundaries"]
    assert [x["position"]["value"] for x in b] == TRUE_GB
    for x, kt in zip(b, TRUE_K, strict=True):
        assert set(x) >= {
            "position",
            "dC_gb",
            "dCdy_bulk",
            "D_gb_over_delta",
            "D_gb",
            "ci95_D_gb_over_delta",
            "flags",
        }
        assert x["dCdy_bulk"]["unit"] == "1/cm" and x["D_gb"]["unit"] == "cm^2/s"
        k = x["D_gb_over_delta"]
        assert abs(k["value"] - kt) <= 3 * k["stderr"]
    assert data["summary"]["counts"]["total"] == 6
    assert (tmp_path / "t.csv").read_text().count("\n") == 7
    assert (tmp_path / "f.png").stat().st_size > 1000


def test_gb_step_auto(test_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prof = str(test_data / "gb" / "chain_profile.csv")
    code, out, _ = run(["gb-step", prof, "--gb", "auto", "--d-bulk", D, "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    found = [x["position"]["value"] for x in data["boundaries"]]
    assert len(found) == len(TRUE_GB)
    assert np.allclose(found, TRUE_GB, atol=1.0)
    assert all(x["position"]["stderr"] is not None for x in data["boundaries"])
    assert "detection" in data


@pytest.mark.parametrize(
    "extra",
    [
        ["--gb", "500"],
        ["--gb", "30", "--window", "2 um"],
        ["--gb", "30", "--delta", "-1 nm"],
        ["--gb", "30", "--d-bulk", "-2.6e-8 cm^2/s"],
        ["--gb", "30", "--d-bulk", "2.6e-8 cm"],
        ["--gb", "auto", "--angle", "10"],
        ["--gb", "auto", "--gb", "30"],
        ["--gb", "30", "--curvature", "sometimes"],
        ["--gb", "30", "--dt", "1 d"],
        ["--gb", "30", "--gb", "60", "--angle", "10", "--angle", "20", "--angle", "5"],
        ["--gb", "30", "--flux-angle", "85"],
        [
            "--gb",
            "30",
            "--gb",
            "60",
            "--flux-angle",
            "10",
            "--flux-angle",
            "20",
            "--flux-angle",
            "5",
        ],
        ["--gb", "auto", "--flux-angle", "10", "--flux-angle", "20"],
        ["--gb", "30", "--resolution", "-1 um"],
        ["--gb", "30", "--resolution", "1 s"],
    ],
)
def test_gb_step_bad_input(
    test_data: Path, tmp_path: Path, extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    prof = str(test_data / "gb" / "chain_profile.csv")
    out_csv = tmp_path / "t.csv"
    args = ["gb-step", prof, "--d-bulk", D, "--csv", str(out_csv), *extra]
    code, _, err = run(args, capsys)
    assert code == 2
    assert err.startswith("error:") and "Traceback" not in err and err.count("\n") == 1
    assert not out_csv.exists()


def test_gb_step_close_boundaries_get_a_reason_others_are_analysed(
    test_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prof = str(test_data / "gb" / "chain_profile.csv")
    code, out, err = run(
        ["gb-step", prof, "--d-bulk", D, "--gb", "30", "--gb", "31", "--gb", "60", "--json"], capsys
    )
    assert code == 0, err
    b = json.loads(out)["boundaries"]
    assert [x["analysable"] for x in b] == [False, False, True]
    assert all("twice the guard band" in x["reason"] for x in b[:2])
    assert b[2]["D_gb_over_delta"]["value"] is not None
    # the human output gives the reason too, not NaN numbers
    code, out, err = run(["gb-step", prof, "--d-bulk", D, "--gb", "30", "--gb", "31"], capsys)
    assert code == 0, err
    assert out.count("twice the guard band") == 2 and "nan" not in out


def test_gb_step_auto_says_the_angles_are_unknown(
    test_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prof = str(test_data / "gb" / "chain_profile.csv")
    code, out, err = run(["gb-step", prof, "--d-bulk", D, "--gb", "auto", "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert d["angles"]["known"] is False and "gb-map" in d["angles"]["note"]
    assert d["boundaries"]
    for b in d["boundaries"]:
        if b["analysable"]:
            assert "angle_unknown" in b["flags"] and not b["well_measured"]
    code, out, _ = run(["gb-step", prof, "--d-bulk", D, "--gb", "auto"], capsys)
    assert code == 0 and "angles unknown" in out and "gb-map" in out


def test_gb_step_auto_reports_the_steps_it_leaves_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two detected steps 3 um apart (within twice the 2.5 um guard band): the smaller is left
    out of the table, and the JSON and the human output say which and why."""
    rng = np.random.default_rng(3)
    x = np.arange(80) + 0.5
    c = 0.6 - 0.002 * x - 0.03 * (x > 20) - 0.015 * (x > 23) - 0.03 * (x > 50)
    c = c + rng.normal(0, 1e-3, x.size)
    p = tmp_path / "close.csv"
    p.write_text("x_um,C,C_err\n" + "".join(f"{a},{b},0.001\n" for a, b in zip(x, c, strict=True)))
    code, out, err = run(["gb-step", str(p), "--d-bulk", D, "--gb", "auto", "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    found = [s["position"]["value"] for s in d["detection"]["steps"]]
    kept = [b["position"]["value"] for b in d["boundaries"]]
    assert len(found) == 3 and len(kept) == 2
    (left,) = d["detection"]["left_out"]
    assert left["position"]["value"] in found and left["position"]["value"] not in kept
    assert min(abs(left["position"]["value"] - k) for k in kept) <= 5.0
    assert "guard band" in left["reason"]
    code, out, err = run(["gb-step", str(p), "--d-bulk", D, "--gb", "auto"], capsys)
    assert code == 0 and "left out" in out and "guard band" in out


def test_gb_step_nan_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "nan.csv"
    p.write_text("x_um,C,C_err\n" + "".join(f"{i + 0.5},nan,0.001\n" for i in range(40)))
    code, _, err = run(["gb-step", str(p), "--gb", "20", "--d-bulk", D], capsys)
    assert code == 2 and "NaN" in err


def _close(a: object, b: object, path: str = "") -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        assert set(a) == set(b), path
        for k in a:
            _close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), path
        for i, (u, v) in enumerate(zip(a, b, strict=True)):
            _close(u, v, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-6, abs=1e-15), path
    else:
        assert a == b, path


def test_gb_step_golden_json(test_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Stable keys and numbers (regenerate tests/data/gb/gb_step_golden.json on purpose only)."""
    prof = str(test_data / "gb" / "chain_profile.csv")
    args = ["gb-step", prof, "--d-bulk", "2.6e-8+-0.2e-8 cm^2/s", "--json"]
    for g in TRUE_GB:
        args += ["--gb", str(g)]
    code, out, _ = run(args, capsys)
    assert code == 0
    data = json.loads(out)
    data["profile"] = "chain_profile.csv"
    golden = json.loads((test_data / "gb" / "gb_step_golden.json").read_text())
    _close(data, golden)


def _write(path: Path, x: np.ndarray, c: np.ndarray, e: np.ndarray) -> str:
    path.write_text(
        "x_um,C,C_err\n" + "".join(f"{a},{b},{d}\n" for a, b, d in zip(x, c, e, strict=True))
    )
    return str(path)


def test_gb_step_flux_from_later_map(
    chain_factory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # map noise (0.03 per pixel, 20 px wide): the gradient is not measurable per GB, the flux
    # from the change between two maps 2e4 s apart still gives k with honest intervals
    chain = chain_factory(21)
    sigma = 0.03 / np.sqrt(20)
    rng = np.random.default_rng(5)
    e = np.full(chain.x_um.size, sigma)
    p1 = _write(
        tmp_path / "t1.csv", chain.x_um, chain.profile(0.9e5) + rng.normal(0, sigma, e.size), e
    )
    p2 = _write(
        tmp_path / "t2.csv", chain.x_um, chain.profile(1.1e5) + rng.normal(0, sigma, e.size), e
    )
    args = ["gb-step", p1, "--d-bulk", D, "--flux-from", p2, "--dt", "20000 s", "--json"]
    for g in chain.gb_um:
        args += ["--gb", str(g)]
    code, out, _ = run(args, capsys)
    assert code == 0
    data = json.loads(out)
    # the chain's far end is closed but C still rises there: reported, J stays right
    assert data["flux"]["dt"]["value"] == 2e4 and data["flux"]["far_end_changed"]
    inside = 0
    for b, kt in zip(data["boundaries"], chain.k_true, strict=True):
        assert "flux_estimate" in b and "gradient_estimate" in b
        if "gradient_not_measurable" in b["flags"]:
            assert b["estimator"] == "flux"
        ci = b["flux_estimate"]["ci95_D_gb_over_delta"]
        inside += ci["kind"] == "bounded" and ci["lower"] <= kt <= ci["upper"]
    assert sum("gradient_not_measurable" in b["flags"] for b in data["boundaries"]) > 0.7 * len(
        chain.k_true
    )
    assert inside >= 0.85 * len(chain.k_true)
    # the two options go together, on one grid
    code, _, err = run(["gb-step", p1, "--d-bulk", D, "--gb", "30", "--flux-from", p2], capsys)
    assert code == 2 and "--dt" in err
    short = _write(tmp_path / "s.csv", chain.x_um[:50], e[:50], e[:50])
    code, _, err = run(
        ["gb-step", p1, "--d-bulk", D, "--gb", "30", "--flux-from", short, "--dt", "1 d"], capsys
    )
    assert code == 2 and "grid" in err


def test_gb_step_angles_and_resolution(test_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prof = str(test_data / "gb" / "chain_profile.csv")
    base = ["gb-step", prof, "--d-bulk", D, "--gb", "28", "--gb", "56.5", "--json"]
    runs = {}
    for name, extra in (
        ("plain", []),
        ("psi0", ["--angle", "30", "--angle", "-30"]),
        (
            "normal",
            ["--angle", "30", "--angle", "-30", "--flux-angle", "30", "--flux-angle", "-30"],
        ),
        ("fine", ["--resolution", "0.6 um"]),
        ("given", ["--resolution", "0.6 um", "--guard", "2 um"]),
    ):
        code, out, err = run([*base, *extra], capsys)
        assert code == 0, err
        runs[name] = json.loads(out)
    cos = np.cos(np.radians(30.0))
    for i in range(2):
        k0, kp, kn = (
            runs[n]["boundaries"][i]["gradient_estimate"]["D_gb_over_delta"]["value"]
            for n in ("plain", "psi0", "normal")
        )
        assert kp == pytest.approx(k0 * cos, rel=1e-9)  # default: along the diffusion direction
        assert kn == pytest.approx(k0 / cos, rel=1e-9)  # diffusion along the GB normal
        assert runs["normal"]["boundaries"][i]["flux_angle_deg"] == [30.0, -30.0][i]
        assert "GB normal" in runs["normal"]["boundaries"][i]["geometry"]
    assert runs["plain"]["resolution"]["value"] == 1.0
    assert runs["plain"]["boundaries"][0]["guard"]["value"] == pytest.approx(2.5)
    assert runs["fine"]["boundaries"][0]["guard"]["value"] == pytest.approx(1.5)
    assert runs["given"]["boundaries"][0]["guard"]["value"] == pytest.approx(2.0)


def test_gb_step_flux_ends_estimated_or_flagged(
    chain_factory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # source on during both profiles: --time estimates the far-end flux from an erfc fit and
    # time-averages the jumps; --closed-end left is wrong here and flags every boundary
    chain = chain_factory(22)
    sigma = 0.03 / np.sqrt(20)
    rng = np.random.default_rng(6)
    e = np.full(chain.x_um.size, sigma)
    p1 = _write(
        tmp_path / "t1.csv", chain.x_um, chain.profile(0.9e5) + rng.normal(0, sigma, e.size), e
    )
    p2 = _write(
        tmp_path / "t2.csv", chain.x_um, chain.profile(1.1e5) + rng.normal(0, sigma, e.size), e
    )
    base = ["gb-step", p1, "--d-bulk", D, "--flux-from", p2, "--dt", "20000 s", "--json"]
    for g in chain.gb_um[(chain.gb_um > 10) & (chain.gb_um < 200)]:
        base += ["--gb", str(g)]
    code, out, err = run([*base, "--time", "90000 s"], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert d["flux"]["end"] == "estimated" and not d["flux"]["flags"]
    assert d["flux"]["far_end_flux"]["stderr"] is not None
    code, out, err = run([*base, "--closed-end", "left"], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert "flux_end_inconsistent" in d["flux"]["flags"]
    assert all("flux_end_inconsistent" in b["flags"] for b in d["boundaries"] if b["analysable"])
    code, _, err = run([*base, "--closed-end", "middle"], capsys)
    assert code == 2 and "--closed-end" in err


def test_auto_steps_are_not_averaged_into_the_summary(
    test_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Automatically found steps (angle unknown) keep their flagged k per boundary, but no
    summary mean is formed from them (across a simulated map it was 5-9x the truth)."""
    prof = str(test_data / "gb" / "chain_profile.csv")
    given = [a for g in TRUE_GB for a in ("--gb", str(g))]
    code, out, err = run(["gb-step", prof, "--d-bulk", D, *given, "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["summary"]["counts"]["measured"] > 0
    code, out, err = run(["gb-step", prof, "--d-bulk", D, "--gb", "auto", "--json"], capsys)
    assert code == 0, err
    s = json.loads(out)["summary"]
    assert s["counts"]["measured"] == 0 and s["counts"]["angle_unknown"] > 0
    assert s["D_gb_over_delta"]["count"] == 0
    code, out, _ = run(["gb-step", prof, "--d-bulk", D, "--gb", "auto"], capsys)
    assert code == 0 and "harmonic mean" not in out
    assert "angle unknown (k listed, not averaged: use gb-map)" in out

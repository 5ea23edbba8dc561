"""A spot line scan (IONTOF depth profiles, one per position) as a measurement, fitted by erfc."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

TOML = """\
[study]
title = "spots"
[sample]
material = "LLTO"
[[histories]]
name = "S"
stages = [ { name = "exchange", kind = "exchange", temperature = "22 degC", duration = "110 h" } ]
[[measurements]]
id = "scan"
kind = "spot_linescan"
files = [%s]
history = "S"
after = "exchange"
options = { positions_um = "positions.csv", time_window_s = [2.0, 40.0] }
[[analyses]]
id = "fit"
type = "profile_fit"
measurement = "scan"
fix = { C_0 = 0.0759 }
"""


def test_spot_linescan_erfc(tmp_path: Path) -> None:
    from tracerdiff.io import write_iontof_depth_profile
    from tracerdiff.solutions import erfc_profile
    from tracerdiff.study import run_study

    d_true = 3.0e-9
    rng = np.random.default_rng(8)
    x = np.arange(25.0, 4000.0, 100.0)
    c = erfc_profile(x, C_s=0.95, C_0=0.0759, D=d_true, time_s=110 * 3600.0)
    t = np.arange(1.0, 51.0)
    names, rows = [], ["file,x_um"]
    for i, (xi, ci) in enumerate(zip(x, c, strict=True)):
        n = rng.poisson(2000.0, size=t.size)
        n6 = rng.binomial(n, ci)
        name = f"spot{i:02d}.txt"
        write_iontof_depth_profile(
            tmp_path / "spots" / name,
            t,
            {"^6Li+": n6, "^7Li+": n - n6},
            masses={"^6Li+": 6.015, "^7Li+": 7.016},
        )
        names.append(f'"spots/{name}"')
        rows.append(f"{name},{xi}")
    (tmp_path / "positions.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "study.toml").write_text(TOML % ", ".join(names))
    res = run_study(tmp_path / "study.toml", tmp_path / "out")
    (fit,) = res.outcomes
    assert fit.status == "ok", fit.reason
    d = fit.results["D_eff"]
    assert d["value"] == pytest.approx(d_true, rel=0.1)
    assert abs(d["value"] - d_true) < 4 * d["stderr"]

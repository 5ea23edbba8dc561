"""`evolution_fit` with `fit = "arrhenius"`: one profile evolved through anneals at two
temperatures, D0 and Ea fitted globally; the isothermal form refuses such a history."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

K_B = 8.617333262e-5
D0, EA = 0.048, 0.43

TOML = """\
[study]
title = "global"
seed = 1
[sample]
material = "LLTO"
[[histories]]
name = "G"
stages = [
  { name = "exchange", kind = "exchange", temperature = "22 degC", duration = "60 h" },
  { name = "a100", kind = "anneal", temperature = "100 degC", duration = "2 h" },
  { name = "a150", kind = "anneal", temperature = "150 degC", duration = "1 h" },
]
[[measurements]]
id = "G0"
kind = "profile"
files = ["G0.csv"]
history = "G"
after = "exchange"
[[measurements]]
id = "G1"
kind = "profile"
files = ["G1.csv"]
history = "G"
after = "a100"
[[measurements]]
id = "G2"
kind = "profile"
files = ["G2.csv"]
history = "G"
after = "a150"
[[analyses]]
id = "glob"
type = "evolution_fit"
initial = "G0"
later = ["G1", "G2"]
fit = "arrhenius"
[[analyses]]
id = "iso"
type = "evolution_fit"
initial = "G0"
later = ["G1", "G2"]
"""


def _d(t_c: float) -> float:
    return D0 * float(np.exp(-EA / (K_B * (t_c + 273.15))))


def test_global_arrhenius_evolution(tmp_path: Path) -> None:
    from tracerdiff.solutions import erfc_profile
    from tracerdiff.solvers import evolve_exact
    from tracerdiff.study import run_study

    rng = np.random.default_rng(5)
    h_um = 5.0
    cells = np.arange(h_um / 2, 8000.0, h_um)
    c0 = erfc_profile(cells, C_s=0.95, C_0=0.0759, D=_d(22.0), time_s=60 * 3600.0)
    c1 = evolve_exact(c0, h_cm=h_um * 1e-4, D_t_cm2=_d(100.0) * 2 * 3600.0)
    c2 = evolve_exact(c1, h_cm=h_um * 1e-4, D_t_cm2=_d(150.0) * 3600.0)
    x = np.arange(12.5, 5000.0, 25.0)
    for name, c in (("G0", c0), ("G1", c1), ("G2", c2)):
        cm = np.interp(x, cells, c) + rng.normal(0.0, 0.005, size=x.size)
        rows = ["x_um,C,C_err"] + [f"{a:.2f},{b:.6f},0.005" for a, b in zip(x, cm, strict=True)]
        (tmp_path / f"{name}.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "study.toml").write_text(TOML)
    res = run_study(tmp_path / "study.toml", tmp_path / "out")
    glob, iso = res.outcomes
    assert glob.status == "ok", glob.reason
    ea = glob.results["Ea"]
    assert ea["unit"] == "eV"
    assert abs(ea["value"] - EA) < max(3 * ea["stderr"], 0.01)
    assert [t["value"] for t in glob.results["temperatures"]] == pytest.approx([373.15, 423.15])
    assert iso.status == "failed"
    assert "2 temperatures; one D needs isothermal stages (or fit = 'arrhenius')" in iso.reason

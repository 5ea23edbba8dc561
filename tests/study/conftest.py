"""A small fixture study written into a temporary folder: two IONTOF-style count images with a
vertical grain boundary, a staircase line profile, a conductivity table, a truth file and the
study.toml that uses them (maps, GB steps, series model, Arrhenius, Nernst-Einstein, Haven ratio,
quench check, comparisons)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

K_B = 8.617333262e-5
EA_TRUE = 0.43
D0_TRUE = 0.048

#: the step analysis of the profile and the series model fed by it (in both studies below)
GB_SERIES_TOML = """\
[[analyses]]
id = "gb_prof"
type = "gb_steps"
measurement = "prof0"
boundaries = [40.0, 80.0, 120.0]

[[analyses]]
id = "series"
type = "series_model"
k_from = "gb_prof"
"""

STUDY_TOML = (
    """\
# fixture study for the tests of tracerdiff.study
[study]
title = "Fixture study"
description = "Small synthetic data set for the runner tests."
seed = 7

[sample]
material = "LLTO (fixture)"
li_density = "5.0e21 cm^-3"
grain_size = "16+-11 um"
d_bulk = "2.6e-8 cm^2/s"

[[histories]]
name = "A"

[[histories.stages]]
name = "exchange"
kind = "exchange"
temperature = "22 degC"
duration = "59 h"

[[histories.stages]]
name = "storage"
kind = "storage"
temperature = "22 degC"
duration = "16 d"

[[histories]]
name = "B"
stages = [
  { name = "exchange", kind = "exchange", temperature = "22 degC", duration = "110 h" },
  { name = "w2", kind = "storage", temperature = "22 degC", duration = "2 weeks" },
  { name = "w6", kind = "storage", temperature = "22 degC", duration = "4 weeks" },
]

[[measurements]]
id = "B0"
kind = "profile"
files = ["B0.csv"]
history = "B"
after = "exchange"

[[measurements]]
id = "B1"
kind = "profile"
files = ["B1.csv"]
history = "B"
after = "w2"

[[measurements]]
id = "B2"
kind = "profile"
files = ["B2.csv"]
history = "B"
after = "w6"

[[measurements]]
id = "map0"
kind = "image"
files = ["map_6Li.txt", "map_7Li.txt"]
pair = "6Li/7Li"
history = "A"
after = "exchange"

[[measurements]]
id = "prof0"
kind = "profile"
files = ["profile.csv"]
history = "A"
after = "storage"

[[analyses]]
id = "map"
type = "fraction_map"
measurement = "map0"

[[analyses]]
id = "gb_map"
type = "gb_steps"
measurement = "map0"
lines = [
  { start = "2,16", end = "62,16", width = "12 um", boundaries = [30.0] },
  { start = "2,8", end = "62,8", width = "8 um", boundaries = [30.0] },
]

"""
    + GB_SERIES_TOML
    + """
[[analyses]]
id = "arr"
type = "arrhenius"
label = "tracer"
points = [
  { temperature = "22 degC", value = "%(d22)s cm^2/s", stderr = "%(e22)s cm^2/s" },
  { temperature = "100 degC", value = "%(d100)s cm^2/s", stderr = "%(e100)s cm^2/s" },
  { temperature = "200 degC", value = "%(d200)s cm^2/s", stderr = "%(e200)s cm^2/s" },
]

[[analyses]]
id = "ne"
type = "nernst_einstein"
table = "conductivity.csv"

[[analyses]]
id = "haven"
type = "haven_ratio"
tracer = "arr"
conductivity_table = "conductivity.csv"

[[analyses]]
id = "quench"
type = "quench_check"
arrhenius = "arr"
stage_temperature = "-110 degC"
time = "5 h"
resolution = "1 um"

[[analyses]]
id = "fit_B0"
type = "profile_fit"
measurement = "B0"
model = "erfc"
fix = { C_0 = 0.0759 }

[[analyses]]
id = "evo_B"
type = "evolution_fit"
initial = "B0"
later = ["B1", "B2"]

[[comparisons]]
label = "D_eff from the evolution"
result = "evo_B.D_eff"
truth = "truth.json#/D_eff"
published = "3.0e-9 cm^2/s"

[[comparisons]]
label = "Ea of the tracer"
result = "arr.Ea"
truth = "truth.json#/Ea"
published = "0.43 eV"
"""
)


#: a cheap study on the same data (one figure): for tests of the runner's mechanics
MINI_TOML = (
    """\
[study]
title = "Mini study"
seed = 3

[sample]
material = "LLTO (fixture)"
grain_size = "16+-11 um"
d_bulk = "2.6e-8 cm^2/s"

[[measurements]]
id = "prof0"
kind = "profile"
files = ["profile.csv"]

"""
    + GB_SERIES_TOML
)


def _images(folder: Path, rng: np.random.Generator) -> None:
    from tracerdiff.io import write_iontof_image

    ny, nx = 32, 64
    x = (np.arange(nx) + 0.5)[None, :] * np.ones((ny, 1))
    c = np.where(x < 30.0, 0.60 - 0.002 * x, 0.50 - 0.002 * (x - 30.0))
    total = rng.poisson(800.0, size=(ny, nx)).astype(float)
    n6 = rng.binomial(total.astype(int), c)
    n7 = total.astype(int) - n6
    for name, arr in (("6Li", n6), ("7Li", n7)):
        write_iontof_image(
            folder / f"map_{name}.txt", arr, species=name, field_of_view_um=(64.0, 32.0), force=True
        )


def _profile(folder: Path, rng: np.random.Generator) -> None:
    x = np.arange(0.5, 160.0, 1.0)
    gbs = [40.0, 80.0, 120.0]
    c = 0.7 - 0.0008 * x
    for g in gbs:
        c = c - 0.03 * (x > g)
    err = np.full_like(x, 0.004)
    cm = c + rng.normal(0.0, 0.004, size=x.size)
    lines = ["x_um,C,C_err"] + [
        f"{a:.3f},{b:.6f},{e:.6f}" for a, b, e in zip(x, cm, err, strict=True)
    ]
    (folder / "profile.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


D_TRUE = 3.0e-9


def _long_profiles(folder: Path, rng: np.random.Generator) -> None:
    """Erfc after 110 h at D_TRUE, then evolved (closed ends) for 2 and 6 weeks."""
    from tracerdiff.solutions import erfc_profile
    from tracerdiff.solvers import evolve_exact

    h_um = 5.0
    cells = np.arange(h_um / 2, 6000.0, h_um)
    c0 = erfc_profile(cells, C_s=0.95, C_0=0.0759, D=D_TRUE, time_s=110 * 3600.0)
    x = np.arange(12.5, 4000.0, 25.0)
    for name, weeks in (("B0", 0), ("B1", 2), ("B2", 6)):
        c = (
            c0
            if weeks == 0
            else evolve_exact(c0, h_cm=h_um * 1e-4, D_t_cm2=D_TRUE * weeks * 7 * 86400.0)
        )
        cm = np.interp(x, cells, c) + rng.normal(0.0, 0.01, size=x.size)
        rows = ["x_um,C,C_err"] + [f"{a:.2f},{b:.6f},0.01" for a, b in zip(x, cm, strict=True)]
        (folder / f"{name}.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def _tables(folder: Path) -> dict[str, str]:
    temps_c = [22.0, 100.0, 200.0, 300.0]
    rows = ["T_C,sigma,sigma_err"]
    for t in temps_c:
        tk = t + 273.15
        d_sigma = D0_TRUE / 0.24 * np.exp(-EA_TRUE / (K_B * tk))
        sigma = d_sigma * 5.0e21 * (1.602176634e-19) ** 2 / (1.380649e-23 * tk)
        rows.append(f"{t},{sigma:.6e},{0.05 * sigma:.6e}")
    (folder / "conductivity.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    vals = {}
    for key, t in (("22", 22.0), ("100", 100.0), ("200", 200.0)):
        d = D0_TRUE * np.exp(-EA_TRUE / (K_B * (t + 273.15)))
        vals[f"d{key}"] = f"{d:.6e}"
        vals[f"e{key}"] = f"{0.05 * d:.6e}"
    truth = {"Ea": {"value": EA_TRUE, "unit": "eV"}, "D_eff": D_TRUE}
    (folder / "truth.json").write_text(json.dumps(truth), encoding="utf-8")
    return vals


def build_fixture_study(folder: Path, *, seed: int = 11, toml: str | None = None) -> Path:
    """Write the fixture data and study.toml into ``folder``; return the study path."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    _images(folder, rng)
    _profile(folder, rng)
    _long_profiles(folder, rng)
    vals = _tables(folder)
    path = folder / "study.toml"
    path.write_text((toml or STUDY_TOML) % vals, encoding="utf-8")
    (folder / "mini.toml").write_text(MINI_TOML, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def fixture_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of the fixture study.toml (data beside it); shared, do not modify."""
    return build_fixture_study(tmp_path_factory.mktemp("fixture_study"))


@pytest.fixture(scope="session")
def mini_study(fixture_study: Path) -> Path:
    """Path of the cheap mini.toml beside the fixture study (2 analyses, 1 figure)."""
    return fixture_study.parent / "mini.toml"


@pytest.fixture(scope="session")
def fixture_run(fixture_study: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One run of the fixture study (local threads) shared by the tests that read its outputs."""
    from tracerdiff.study import run_study

    out = tmp_path_factory.mktemp("fixture_run") / "out"
    return run_study(fixture_study, out)

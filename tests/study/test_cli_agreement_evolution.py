"""One analysis, one function, evolution fits: ``tracerdiff fit evolution`` and a one-analysis
study file (``evolution_fit``) build the same EvolutionFitOptions and call
fit_evolution_options, so they give the same numbers."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tracerdiff.cli.app import main
from tracerdiff.study import run_study

D_TRUE = 3e-10  # cm^2/s
T0_S = 110 * 3600.0  # the exchange
T1_S = 14 * 86400.0  # closed storage, 2 weeks


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    with pytest.raises(SystemExit) as exc:
        main([*args, "--json"])
    out, err = capsys.readouterr()
    assert exc.value.code == 0, err
    return json.loads(out)


def _thin_film(x_um: np.ndarray, t_s: float) -> np.ndarray:
    """A thin film spreading from a reflecting surface (the closed evolution of itself)."""
    L = 2 * math.sqrt(D_TRUE * t_s) * 1e4
    return 0.0759 + 60.0 / (math.sqrt(math.pi) * L) * np.exp(-((x_um / L) ** 2))


def _write(path: Path, x: np.ndarray, c: np.ndarray) -> None:
    e = np.full(x.size, 0.01)
    path.write_text(
        "x_um,C,C_err\n"
        + "".join(
            f"{float(a)!r},{float(b)!r},{float(d)!r}\n" for a, b, d in zip(x, c, e, strict=True)
        )
    )


@pytest.fixture
def profiles(tmp_path: Path, rng: np.random.Generator) -> tuple[Path, Path]:
    """The initial profile after the exchange and the later one after 2 weeks, seeded noise."""
    x = np.linspace(1.0, 800.0, 100)
    p0, p1 = tmp_path / "p0.csv", tmp_path / "p1.csv"
    _write(p0, x, _thin_film(x, T0_S) + rng.normal(0, 0.01, x.size))
    _write(p1, x, _thin_film(x, T0_S + T1_S) + rng.normal(0, 0.01, x.size))
    return p0, p1


CLOSED = """\
stages = [
  { name = "exchange", kind = "exchange", temperature = "22 degC", duration = "110 h" },
  { name = "storage", kind = "storage", temperature = "22 degC", duration = "2 week" },
]"""

#: the first hour of the storage back in the tracer bath, recorded in the history
RE_EXCHANGE = """\
stages = [
  { name = "exchange", kind = "exchange", temperature = "22 degC", duration = "110 h" },
  { name = "bath", kind = "exchange", temperature = "22 degC", duration = "1 h" },
  { name = "storage", kind = "storage", temperature = "22 degC", duration = "335 h" },
]"""

#: the same, the bath's fraction recorded on the stage
RE_EXCHANGE_09 = RE_EXCHANGE.replace('duration = "1 h"', 'duration = "1 h", source_fraction = 0.9')

CASES = [
    # (CLI flags, the same study keys, the history)
    ([], "", CLOSED),
    (["--grain-size", "16+-11 um", "--k-spread", "0.4", "--d-bulk", "2.6e-8 cm^2/s",
      "--domain", "0,1500"],
     'grain_size = "16+-11 um"\nk_spread = 0.4\nd_bulk = "2.6e-8 cm^2/s"\n'
     'domain = ["0 um", "1500 um"]', CLOSED),
    (["--homogeneous", "--initial", "erfc", "--initial-time", "110 h"],
     'homogeneous = true\ninitial_model = "erfc"', CLOSED),
    (["--source-time", "1 h", "--c-source", "0.9"], 'source_time = "1 h"\nc_source = 0.9',
     CLOSED),
    (["--source-time", "1 h", "--c-source", "0.9"], "c_source = 0.9", RE_EXCHANGE),
    (["--source-time", "1 h", "--c-source", "0.9"], "", RE_EXCHANGE_09),
]  # fmt: skip


def _study(folder: Path, files: tuple[Path, Path], keys: str, stages: str) -> dict[str, Any]:
    text = f"""[study]
title = "one evolution fit"

[sample]
material = "LLTO"

[[histories]]
name = "H"
{stages}

[[measurements]]
id = "P0"
kind = "profile"
files = ["{files[0].name}"]
history = "H"
after = "exchange"

[[measurements]]
id = "P1"
kind = "profile"
files = ["{files[1].name}"]
history = "H"
after = "storage"

[[analyses]]
id = "a"
type = "evolution_fit"
initial = "P0"
later = ["P1"]
{keys}
"""
    (folder / "study.toml").write_text(text, encoding="utf-8")
    res = run_study(folder / "study.toml", folder / "out")
    assert [o.status for o in res.outcomes] == ["ok"], res.outcomes[0].reason
    doc = json.loads((folder / "out" / "results.json").read_text(encoding="utf-8"))
    return doc["analyses"]["a"]["results"]


def _assert_same(cli: dict[str, Any], st: dict[str, Any]) -> None:
    assert "D_eff" in cli and cli["D_eff"]["stderr"] > 0
    n = 0
    for key, q in cli.items():
        if isinstance(q, dict) and isinstance(q.get("value"), float):
            assert st[key]["value"] == pytest.approx(q["value"], rel=1e-12), key
            if q.get("stderr") is not None:
                assert st[key]["stderr"] == pytest.approx(q["stderr"], rel=1e-12), key
            n += 1
    assert n >= 3  # D_eff and the two parts of its error
    for key in ("chi2_red", "aic"):
        assert st[key] == pytest.approx(cli[key], rel=1e-12), key
    assert st["ci95_D_eff"]["lower"] == pytest.approx(cli["ci95_D_eff"]["lower"], rel=1e-12)
    assert st["microstructure"]["mode"] == cli["microstructure"]["mode"]


@pytest.mark.parametrize(("flags", "keys", "stages"), CASES)
def test_evolution_fit_cli_equals_study(
    profiles: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    flags: list[str],
    keys: str,
    stages: str,
) -> None:
    p0, p1 = profiles
    cli = _cli(["fit", "evolution", str(p0), str(p1), "--time", "2 week", *flags], capsys)
    st = _study(tmp_path, profiles, keys, stages)
    _assert_same(cli, st)
    assert st["temperature"]["value"] == pytest.approx(295.15)
    assert st["times_since_initial"][0]["value"] == pytest.approx(T1_S, rel=1e-12)
    # the truth: the film's D within 4 standard errors (seeded noise)
    d = cli["D_eff"]
    assert abs(d["value"] - D_TRUE) < 4 * d["stderr"]


def test_evolution_posterior_cli_equals_study(
    profiles: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p0, p1 = profiles
    flags = ["--homogeneous", "--posterior", "60", "--seed", "3"]
    cli = _cli(["fit", "evolution", str(p0), str(p1), "--time", "2 week", *flags], capsys)
    st = _study(tmp_path, profiles, "homogeneous = true\nposterior = 60\nseed = 3", CLOSED)
    assert cli["n_samples"] > 0 and st["n_samples"] == cli["n_samples"]
    _assert_same(cli, st)


def test_study_keys_refused(profiles: tuple[Path, Path], tmp_path: Path) -> None:
    from tracerdiff.errors import ConfigError
    from tracerdiff.study import load_study

    for keys, match in [
        ("source_time = 3600", "unit"),
        ("homogeneous = true\ngrain_size = '16+-11 um'", "homogeneous"),
        ("fit = 'arrhenius'\ntime = ['2 week']", "arrhenius"),
        ("posterior = 10", "50 steps"),
    ]:
        text = f"""[study]
title = "t"
[sample]
material = "LLTO"
[[histories]]
name = "H"
{CLOSED}
[[measurements]]
id = "P0"
kind = "profile"
files = ["{profiles[0].name}"]
history = "H"
after = "exchange"
[[measurements]]
id = "P1"
kind = "profile"
files = ["{profiles[1].name}"]
history = "H"
after = "storage"
[[analyses]]
id = "a"
type = "evolution_fit"
initial = "P0"
later = ["P1"]
{keys}
"""
        (tmp_path / "study.toml").write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match=match):
            load_study(tmp_path / "study.toml")

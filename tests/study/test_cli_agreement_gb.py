"""One analysis, one function, grain boundaries: ``tracerdiff gb-step``, ``gb-map`` and
``grains`` give the same numbers as a one-analysis study file (both build the library's options
object, StepOptions / BoundaryMapOptions / GrainOptions, and call the same function)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tracerdiff.cli.app import main
from tracerdiff.study import run_study

D = "2.6e-8+-0.3e-8 cm^2/s"


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    with pytest.raises(SystemExit) as exc:
        main([*args, "--json"])
    out, err = capsys.readouterr()
    assert exc.value.code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def _study(folder: Path, body: str, aid: str = "a") -> dict[str, Any]:
    text = f'[study]\ntitle = "one analysis"\n\n[sample]\nmaterial = "LLTO"\n\n{body}'
    (folder / "study.toml").write_text(text, encoding="utf-8")
    res = run_study(folder / "study.toml", folder / "out")
    assert [o.status for o in res.outcomes] == ["ok"], res.outcomes[0].reason
    doc = json.loads((folder / "out" / "results.json").read_text(encoding="utf-8"))
    return doc["analyses"][aid]["results"]  # type: ignore[no-any-return]


def _staircase(rng: np.random.Generator, shift: float = 0.0) -> tuple[np.ndarray, ...]:
    """A profile of three grains (steps at 40 and 80 um) on a falling background, seeded noise."""
    x = np.arange(120) + 0.5
    c = 0.6 + shift - 0.002 * x - 0.05 * (x > 40) - 0.04 * (x > 80)
    e = np.full(x.size, 0.004)
    return x, c + rng.normal(0, 0.004, x.size), e


def _write(path: Path, x: np.ndarray, c: np.ndarray, e: np.ndarray) -> Path:
    rows = "".join(f"{float(a)!r},{float(b)!r},{float(d)!r}\n"
                   for a, b, d in zip(x, c, e, strict=True))
    path.write_text("x_um,C,C_err\n" + rows, encoding="utf-8")
    return path


def _same_boundaries(st: dict[str, Any], cli: dict[str, Any]) -> None:
    assert len(st["boundaries"]) == len(cli["boundaries"]) > 0
    for a, b in zip(st["boundaries"], cli["boundaries"], strict=True):
        for key in ("position", "dC_gb", "dCdy_bulk", "D_gb_over_delta", "D_gb"):
            for part in ("value", "stderr"):
                if b[key][part] is None:
                    assert a[key][part] is None, key
                else:
                    assert a[key][part] == pytest.approx(b[key][part], rel=1e-12), key
        assert a["flags"] == b["flags"]
    k_st = st["summary"]["D_gb_over_delta"].get("harmonic_mean")
    k_cli = cli["summary"]["D_gb_over_delta"].get("harmonic_mean")
    if k_cli is not None and k_cli["value"] is not None:
        assert k_st["value"] == pytest.approx(k_cli["value"], rel=1e-12)


GB_STEP_CASES = [
    # (CLI flags, the same options as study keys)
    (["--gb", "40", "--gb", "80"], "boundaries = [40.0, 80.0]"),
    (["--gb", "40", "--gb", "80", "--angle", "20", "--angle", "-10", "--window", "25 um",
      "--guard", "2 um", "--order", "1", "--curvature", "separate", "--width", "10 um",
      "--delta", "0.7 nm"],
     'boundaries = [40.0, 80.0]\nangle = [20.0, -10.0]\nwindow = "25 um"\nguard = "2 um"\n'
     'order = 1\ncurvature = "separate"\nwidth = "10 um"\ndelta = "0.7 nm"'),
    (["--gb", "auto", "--resolution", "0.8 um"], 'boundaries = "auto"\nresolution = "0.8 um"'),
]  # fmt: skip


@pytest.mark.parametrize(("flags", "keys"), GB_STEP_CASES)
def test_gb_step_cli_equals_study(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  rng: np.random.Generator, flags: list[str], keys: str) -> None:
    prof = _write(tmp_path / "p.csv", *_staircase(rng))
    cli = _cli(["gb-step", str(prof), "--d-bulk", D, *flags], capsys)
    st = _study(tmp_path, f"""
[[measurements]]
id = "P"
kind = "profile"
files = ["p.csv"]

[[analyses]]
id = "a"
type = "gb_steps"
measurement = "P"
d_bulk = "{D}"
{keys}
""")
    _same_boundaries(st, cli)


@pytest.mark.parametrize(("flags", "keys"), [
    ([], ""), (["--closed-end", "left"], 'closed_end = "left"'),
])  # fmt: skip
def test_gb_step_two_profile_flux_cli_equals_study(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rng: np.random.Generator,
    flags: list[str], keys: str,
) -> None:  # fmt: skip
    x, c1, e = _staircase(rng)
    c2 = _staircase(rng, shift=0.0)[1] + 0.02 * np.exp(-x / 60)
    p1, p2 = _write(tmp_path / "p1.csv", x, c1, e), _write(tmp_path / "p2.csv", x, c2, e)
    cli = _cli(["gb-step", str(p1), "--d-bulk", D, "--gb", "40", "--gb", "80", "--flux-from",
                str(p2), "--dt", "2 d", *flags], capsys)  # fmt: skip
    st = _study(tmp_path, f"""
[[measurements]]
id = "P1"
kind = "profile"
files = ["p1.csv"]

[[measurements]]
id = "P2"
kind = "profile"
files = ["p2.csv"]

[[analyses]]
id = "a"
type = "gb_steps"
measurement = "P1"
flux_from = "P2"
dt = "2 d"
d_bulk = "{D}"
boundaries = [40.0, 80.0]
{keys}
""")
    _same_boundaries(st, cli)
    for a in st["boundaries"]:
        assert a["estimator"] == "flux" or a["flux_estimate"] is not None
    assert st["flux"][0]["end"] == cli["flux"]["end"]


def test_step_options_in_a_study_need_units(tmp_path: Path, rng: np.random.Generator) -> None:
    from tracerdiff.errors import ConfigError

    _write(tmp_path / "p.csv", *_staircase(rng))
    body = ('[[measurements]]\nid = "P"\nkind = "profile"\nfiles = ["p.csv"]\n\n'
            '[[analyses]]\nid = "a"\ntype = "gb_steps"\nmeasurement = "P"\n'
            'd_bulk = "2.6e-8 cm^2/s"\n')  # fmt: skip
    for bad, what in (("window = 12", "window"), ("window_um = 12.0", "window_um"),
                      ("d_bulk_err = 1e-9", "d_bulk")):
        with pytest.raises(ConfigError, match=what):
            _study(tmp_path, body + bad + "\n")

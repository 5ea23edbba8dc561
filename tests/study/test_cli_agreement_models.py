"""One analysis, one function, effective medium: ``tracerdiff series`` and a one-analysis study
file (``series_model``) build the same SeriesOptions and call series_model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tracerdiff.cli.app import main
from tracerdiff.study import run_study


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    with pytest.raises(SystemExit) as exc:
        main([*args, "--json"])
    out, err = capsys.readouterr()
    assert exc.value.code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def _study(folder: Path, keys: str, kind: str = "series_model") -> dict[str, Any]:
    text = ('[study]\ntitle = "one model"\n\n[sample]\nmaterial = "LLTO"\n\n'
            f'[[analyses]]\nid = "a"\ntype = "{kind}"\n{keys}\n')  # fmt: skip
    (folder / "study.toml").write_text(text, encoding="utf-8")
    res = run_study(folder / "study.toml", folder / "out")
    assert [o.status for o in res.outcomes] == ["ok"], res.outcomes[0].reason
    doc = json.loads((folder / "out" / "results.json").read_text(encoding="utf-8"))
    return doc["analyses"]["a"]["results"]  # type: ignore[no-any-return]


def _same(st: Any, cli: Any, path: str = "") -> None:
    """Every number of the CLI's JSON is in the study's results, equal to 1e-12."""
    if isinstance(cli, dict):
        for k, v in cli.items():
            assert k in st, f"{path}.{k}"
            _same(st[k], v, f"{path}.{k}")
    elif isinstance(cli, list) and cli and all(isinstance(v, (int, float)) for v in cli):
        assert st == pytest.approx(cli, rel=1e-12), path
    elif isinstance(cli, list):
        assert len(st) == len(cli), path
        for i, (a, b) in enumerate(zip(st, cli, strict=True)):
            _same(a, b, f"{path}[{i}]")
    elif isinstance(cli, float):
        assert st == pytest.approx(cli, rel=1e-12), path


CASES = [
    (["--d-bulk", "2.6e-8+-0.3e-8 cm^2/s", "--d-gb-over-delta", "1.5e-6+-0.2e-6 cm/s",
      "--grain-size", "16+-11 um", "--grain-size-error", "0.6 um", "--k-mean", "geometric",
      "--delta", "0.7 nm", "--model", "brick", "--time", "6 weeks", "--n-grains", "30",
      "--k-spread", "0.4", "--seed", "3"],
     'd_bulk = "2.6e-8+-0.3e-8 cm^2/s"\nk = "1.5e-6+-0.2e-6 cm/s"\ngrain_size = "16+-11 um"\n'
     'grain_size_error = "0.6 um"\nk_mean = "geometric"\ndelta = "0.7 nm"\nmodel = "brick"\n'
     'time = "6 weeks"\nn_grains = 30\nk_spread = 0.4\nseed = 3'),
    (["--d-bulk", "2.6e-8 cm^2/s", "--d-eff", "2.2e-9+-0.2e-9 cm^2/s", "--grain-size",
      "16+-11 um"],
     'd_bulk = "2.6e-8 cm^2/s"\nd_eff = "2.2e-9+-0.2e-9 cm^2/s"\ngrain_size = "16+-11 um"'),
]  # fmt: skip


@pytest.mark.parametrize(("flags", "keys"), CASES)
def test_series_cli_equals_study(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], keys: str
) -> None:
    cli = _cli(["series", *flags], capsys)
    st = _study(tmp_path, keys)
    assert cli["D_eff"]["value"] > 0 and cli["D_gb_over_delta"]["value"] > 0
    _same(st, cli)


@pytest.mark.parametrize(("flags", "keys"), [
    ([], ""),
    (["--reference-T", "22 degC", "--excess-scatter", "birge", "--extrapolate", "-110 degC",
      "--extrapolate", "250 degC"],
     'reference_T = "22 degC"\nexcess_scatter = "birge"\nextrapolate = ["-110 degC", "250 degC"]'),
])  # fmt: skip
def test_arrhenius_cli_equals_study(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rng: Any, flags: list[str], keys: str
) -> None:
    import numpy as np

    t = np.array([295.0, 350.0, 400.0, 450.0, 500.0, 550.0])
    d = 1e-2 * np.exp(-0.45 / (8.617333262e-5 * t)) * np.exp(rng.normal(0, 0.15, t.size))
    rows = "".join(
        f"{float(a)!r},{float(b)!r},{float(0.08 * b)!r}\n" for a, b in zip(t, d, strict=True)
    )
    (tmp_path / "tracer.csv").write_text("T_K,D,D_err\n" + rows, encoding="utf-8")
    cli = _cli(["arrhenius", str(tmp_path / "tracer.csv"), *flags], capsys)
    st = _study(tmp_path, f'table = "tracer.csv"\n{keys}', kind="arrhenius")
    assert cli["Ea"]["value"] > 0
    _same(st, cli)


def _tables(folder: Path, rng: Any) -> None:
    """A tracer D table and a conductivity table (S/cm) of one Arrhenius law, seeded scatter."""
    import numpy as np

    t = np.array([295.0, 330.0, 370.0, 410.0, 450.0, 500.0])
    d = 5e-3 * np.exp(-0.40 / (8.617333262e-5 * t)) * np.exp(rng.normal(0, 0.05, t.size))
    s = 40.0 / t * np.exp(-0.38 / (8.617333262e-5 * t)) * np.exp(rng.normal(0, 0.05, t.size))
    (folder / "tracer.csv").write_text(
        "T_K,D,D_err\n"
        + "".join(
            f"{float(a)!r},{float(b)!r},{float(0.06 * b)!r}\n" for a, b in zip(t, d, strict=True)
        )
    )
    (folder / "cond.csv").write_text(
        "T_K,sigma,sigma_err\n"
        + "".join(
            f"{float(a)!r},{float(b)!r},{float(0.05 * b)!r}\n" for a, b in zip(t, s, strict=True)
        )
    )


@pytest.mark.parametrize("shared", [True, False])
def test_haven_tables_cli_equals_study(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rng: Any, shared: bool
) -> None:
    _tables(tmp_path, rng)
    flags = ["--shared-ea"] if shared else ["--temperature", "350 K"]
    cli = _cli(
        [
            "haven",
            "--tracer-table",
            str(tmp_path / "tracer.csv"),
            "--conductivity-table",
            str(tmp_path / "cond.csv"),
            "--density",
            "5e21 cm^-3",
            *flags,
        ],
        capsys,
    )
    keys = ('tracer_table = "tracer.csv"\nconductivity_table = "cond.csv"\n'
            f'density = "5e21 cm^-3"\nshared_ea = {str(shared).lower()}\n'
            + ("" if shared else 'temperature = "350 K"\n'))  # fmt: skip
    st = _study(tmp_path, keys, kind="haven_ratio")
    assert cli["haven_ratio"]["value"] > 0
    _same(st, cli)


@pytest.mark.parametrize(("flags", "keys"), [
    (["--tracer", "3.0e-9+-0.3e-9 cm^2/s", "--conductivity", "1e-3+-0.1e-3 S/cm",
      "--temperature", "22 degC", "--density", "5e21 cm^-3"],
     'd_tracer = "3.0e-9+-0.3e-9 cm^2/s"\nd_sigma = "1e-3+-0.1e-3 S/cm"\n'
     'temperature = "22 degC"\ndensity = "5e21 cm^-3"\nshared_ea = false'),
    (["--tracer", "0.048 cm^2/s", "--conductivity", "0.20 cm^2/s", "--prefactors"],
     'd_tracer = "0.048 cm^2/s"\nd_sigma = "0.20 cm^2/s"\nprefactors = true\nshared_ea = false'),
])  # fmt: skip
def test_haven_values_cli_equals_study(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], keys: str
) -> None:
    cli = _cli(["haven", *flags], capsys)
    st = _study(tmp_path, keys, kind="haven_ratio")
    assert cli["haven_ratio"]["value"] > 0
    _same(st, cli)

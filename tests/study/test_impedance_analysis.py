"""The ``impedance`` analysis of study files: its schema builds the library's options as the
``impedance fit`` command does, and the adapter recovers the simulated pellet's truths (R,
D_sigma, the bulk Haven ratio) from the spectra, with the report's figures and table."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from tracerdiff.cli.app import main
from tracerdiff.cli.impedance_cmds import _geometry
from tracerdiff.impedance import ImpedanceOptions
from tracerdiff.models import fit_arrhenius
from tracerdiff.simulate import llto_material
from tracerdiff.simulate.spectra import write_demo_spectra
from tracerdiff.study.adapters_impedance import run_impedance
from tracerdiff.study.schema_impedance import ImpedanceSpec

MAT = llto_material()
TEMPS_C = (-20.0, 40.0, 120.0)
N_LI = 5.0e21


@pytest.fixture(scope="module")
def pellet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], dict[str, Any]]:
    d = tmp_path_factory.mktemp("pellet")
    entries, truth = write_demo_spectra(
        d,
        MAT,
        seed=3,
        haven_bulk=0.8,
        haven_gb=0.24,
        grain_um=16.0,
        li_density_cm3=N_LI,
        temperatures_C=TEMPS_C,
    )
    return d, [e["file"] for e in entries], truth


def spec(base: Path, **kw: Any) -> ImpedanceSpec:
    data = {"id": "imp", "type": "impedance", "files": ["IS_40C.csv"], **kw}
    return ImpedanceSpec.model_validate(data, context={"base_dir": str(base)})


def inputs(upstream: dict[str, Any] | None = None) -> Any:
    study = SimpleNamespace(sample=SimpleNamespace(li_density=N_LI))
    return SimpleNamespace(study=study, upstream=upstream or {})


def test_options_are_the_commands(pellet: tuple[Path, list[str], dict[str, Any]]) -> None:
    base, _, _ = pellet
    s = spec(
        base,
        thickness="1.00+-0.01 mm",
        area="20 mm^2",
        circuit="R0-p(R1,CPE1)-CPE2",
        density="5e21 cm^-3",
        delta="0.5 nm",
        grain_size="16 um",
    )
    opts = s.options()
    assert isinstance(opts, ImpedanceOptions)
    assert opts.geometry == _geometry("1.00+-0.01 mm", "20 mm^2")  # the CLI's parsing
    assert opts.geometry is not None and opts.geometry.area_cm2 == pytest.approx(0.2)
    assert (opts.circuit, opts.density_cm3, opts.delta_nm, opts.grain_size_um) == (
        "R0-p(R1,CPE1)-CPE2",
        pytest.approx(N_LI),
        pytest.approx(0.5),
        pytest.approx(16.0),
    )
    # the carrier density defaults to [sample] li_density
    assert spec(base).options(SimpleNamespace(li_density=4e21)).density_cm3 == 4e21  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"thickness": "1 mm"}, "both or neither"),
        ({"thickness": "1 mm", "area": "0.2"}, "with units"),
        ({"thickness": "1 mm", "area": "0.2 cm"}, "not an area"),
        ({"thickness": "1 mm", "area": "-0.2 cm^2"}, "cannot be negative"),
        ({"circuit": "p(R1"}, "unbalanced"),
        ({"tracer": "arrDb"}, "need thickness and area"),
        ({"format": "excel"}, "format"),
        ({"arcs": 4}, "arcs"),
        ({"thickness_mm": 1.0}, "thickness_mm"),
    ],
)
def test_bad_specs_refused(
    pellet: tuple[Path, list[str], dict[str, Any]], kw: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        spec(pellet[0], **kw)


def test_formats_are_the_readers() -> None:
    from typing import get_args

    from tracerdiff.impedance.formats import ALIASES, FORMATS
    from tracerdiff.study.schema_impedance import ImpedanceFormat

    assert set(get_args(ImpedanceFormat)) == {"auto", *FORMATS, *ALIASES}


def _tracer_bulk() -> Any:
    """The bulk tracer D*: the material's D_b law at a few temperatures with 3 % errors."""
    t = np.array([253.15, 293.15, 333.15, 373.15])
    d = np.array([MAT.d_bulk(float(x)) for x in t])
    rng = np.random.default_rng(0)
    return fit_arrhenius(t, d * np.exp(rng.normal(0, 0.03, t.size)), 0.03 * d, label="D_b")


def test_adapter_recovers_the_pellet(pellet: tuple[Path, list[str], dict[str, Any]]) -> None:
    base, files, truth = pellet
    s = spec(base, files=files, thickness="1 mm", area="0.2 cm^2", tracer="arrDb")
    up = {"arrDb": SimpleNamespace(objects={"arrhenius": _tracer_bulk()})}
    out = run_impedance(s, inputs(up))
    res = out.results
    assert res["n_spectra"] == 3 and next(iter(res)) == "haven_bulk"
    h = res["haven_bulk"]
    assert abs(h["value"] - 0.8) < 3 * h["stderr"]
    ea = res["Ea_sigma_bulk"]
    assert abs(ea["value"] - MAT.ea_bulk_eV) < 3 * ea["stderr"] + 0.003
    for r, t in zip(res["spectra"], truth["spectra"], strict=True):
        for key in ("R_bulk", "R_gb", "D_sigma_gb_apparent"):
            assert abs(r[key]["value"] - t[key]["value"]) < 4 * r[key]["stderr"], key
    json.dumps(res)  # JSON-plain
    names = [f.name for f in out.figures]
    assert names == ["imp_arrhenius", "imp_nyquist"]
    (table,) = out.tables
    assert len(table.rows) == 3 and table.columns[:4] == ("file", "T_K", "status", "R_bulk_ohm")
    assert "d = 0.1 cm" in out.methods and "Haven ratio (bulk)" in out.methods


def test_same_numbers_as_the_command(
    pellet: tuple[Path, list[str], dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    """One analysis, one function: the study's numbers are `impedance fit --json`'s."""
    base, _, _ = pellet
    out = run_impedance(spec(base, thickness="1 mm", area="0.2 cm^2"), inputs())
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "impedance",
                "fit",
                str(base / "IS_40C.csv"),
                "--thickness",
                "1 mm",
                "--area",
                "0.2 cm^2",
                "--density",
                "5e21 cm^-3",
                "--json",
            ]
        )
    assert exc.value.code == 0
    cli = json.loads(capsys.readouterr().out)
    study = out.results["spectra"][0]
    for key in ("R_bulk", "R_gb", "C_gb", "sigma_total", "D_sigma_bulk"):
        for part in ("value", "stderr"):
            assert study[key][part] == pytest.approx(cli[key][part], rel=1e-9), key
        assert study[key]["unit"] == cli[key]["unit"]


def test_temperatures_given_or_from_the_files(
    pellet: tuple[Path, list[str], dict[str, Any]], tmp_path: Path
) -> None:
    base, _, _ = pellet
    from tracerdiff.errors import ConfigError

    with pytest.raises(ConfigError, match="temperature column"):
        run_impedance(spec(base, temperatures=["40 degC"]), inputs())
    # a file without a temperature column takes the listed temperature
    rows = (base / "IS_40C.csv").read_text().splitlines()
    (tmp_path / "a.csv").write_text("\n".join(",".join(r.split(",")[:3]) for r in rows) + "\n")
    out = run_impedance(spec(tmp_path, files=["a.csv"], temperatures=["40 degC"]), inputs())
    assert out.results["spectra"][0]["temperature"]["value"] == pytest.approx(313.15)
    with pytest.raises(ConfigError, match="one per spectrum"):
        run_impedance(
            spec(tmp_path, files=["a.csv"], temperatures=["40 degC", "50 degC"]), inputs()
        )


STUDY = """\
[study]
title = "pellet"
seed = 1

[sample]
material = "LLTO (simulated)"
li_density = "5.0e21 cm^-3"

[[analyses]]
id = "arrDb"
type = "arrhenius"
label = "D_b"
table = "D_b.csv"

[[analyses]]
id = "imp"
type = "impedance"
files = ["IS_m20C.csv", "IS_40C.csv", "IS_120C.csv"]
thickness = "1.0 mm"
area = "{area}"
tracer = "arrDb"
shared_ea = true
"""


def _study(pellet: tuple[Path, list[str], dict[str, Any]], tmp_path: Path, area: str) -> Path:
    import shutil

    base, files, _ = pellet
    for f in files:
        shutil.copy(base / f, tmp_path / f)
    t = np.array([253.15, 293.15, 333.15, 373.15])
    rows = [f"{x:.2f},{MAT.d_bulk(float(x)):.6e},{0.03 * MAT.d_bulk(float(x)):.6e}" for x in t]
    (tmp_path / "D_b.csv").write_text("T_K,D,D_err\n" + "\n".join(rows) + "\n")
    (tmp_path / "study.toml").write_text(STUDY.format(area=area))
    return tmp_path / "study.toml"


def test_study_runs_the_analysis(
    pellet: tuple[Path, list[str], dict[str, Any]], tmp_path: Path
) -> None:
    from tracerdiff.study import run_study

    res = run_study(_study(pellet, tmp_path, "0.2 cm^2"), tmp_path / "out")
    imp = next(o for o in res.outcomes if o.id == "imp")
    assert imp.status == "ok", imp.reason
    h = imp.results["haven_bulk"]
    assert abs(h["value"] - 0.8) < 3 * h["stderr"]
    assert h["note"].startswith("joint fit")  # the same Ea: H_R from one shared Ea
    page = (tmp_path / "out" / "report.html").read_text()
    assert "imp_arrhenius" in page and "imp_nyquist" in page
    assert (tmp_path / "out" / "tables" / "imp_spectra.csv").is_file()


def test_study_file_errors_name_the_key(
    pellet: tuple[Path, list[str], dict[str, Any]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = _study(pellet, tmp_path, "0.2 cm")
    with pytest.raises(SystemExit) as exc:
        main(["validate", str(path)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "analyses[1].area" in err and "not an area" in err and "study.toml:" in err

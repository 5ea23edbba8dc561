"""``tracerdiff impedance fit``: JSON keys, human text, figures, series, bad input exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tracerdiff.cli.app import main

from .conftest import AREA_CM2, THICKNESS_CM, TRUTH, noisy_spectrum

KEYS = {
    "R_bulk",
    "R_gb",
    "C_bulk",
    "C_gb",
    "sigma_bulk",
    "sigma_gb_apparent",
    "sigma_gb_specific",
    "sigma_total",
    "D_sigma_bulk",
    "D_sigma_gb_apparent",
    "D_sigma_total",
    "chi2_red",
    "kk_residual",
    "notes",
    "status",
    "fit",
    "kk",
}


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    code = info.value.code
    return int(code if isinstance(code, int) else 1), out.out, out.err


GEOM = ["--thickness", "1.0 mm", "--area", "20 mm^2"]


def test_json_keys_and_values(pellet_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(
        [
            "impedance",
            "fit",
            str(pellet_csv),
            *GEOM,
            "--temperature",
            "22 degC",
            "--density",
            "5e21 cm^-3",
            "--json",
        ],
        capsys,
    )
    assert code == 0, err
    d = json.loads(out)
    assert KEYS <= set(d)
    cell = THICKNESS_CM / AREA_CM2
    assert d["sigma_bulk"]["unit"] == "S/cm" and d["R_bulk"]["unit"] == "ohm"
    assert d["sigma_bulk"]["value"] == pytest.approx(cell / TRUTH["R1"], rel=0.05)
    assert d["D_sigma_bulk"]["unit"] == "cm^2/s" and d["D_sigma_bulk"]["stderr"] > 0
    assert d["geometry"]["area"]["value"] == pytest.approx(0.2)
    assert d["status"] == "ok"


def test_human_output(pellet_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["impedance", "fit", str(pellet_csv), *GEOM], capsys)
    assert code == 0
    assert "sigma bulk:" in out and "S/cm" in out and "±" in out
    assert "Kramers-Kronig" in out and "D_sigma bulk" not in out


def test_without_geometry(pellet_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["impedance", "fit", str(pellet_csv), "--json"], capsys)
    d = json.loads(out)
    assert code == 0 and "R_bulk" in d and "C_gb" in d and "sigma_bulk" not in d


def test_png(pellet_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    png = tmp_path / "fit.png"
    code, _, err = _run(["impedance", "fit", str(pellet_csv), "--png", str(png)], capsys)
    assert code == 0, err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, _, err = _run(["impedance", "fit", str(pellet_csv), "--png", str(png)], capsys)
    assert code == 2 and "exists" in err


def _csv(path: Path, seed: int, scale: float) -> Path:
    s = noisy_spectrum(seed)
    np.savetxt(
        path,
        np.c_[s.frequency_Hz, s.z_real_ohm * scale, s.z_imag_ohm * scale],
        delimiter=",",
        header="f,Z',Z''",
        comments="",
    )
    return path


def test_series_gives_arrhenius(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(_csv(tmp_path / f"t{i}.csv", i, s)) for i, s in enumerate((4.0, 1.0, 0.3))]
    temps = ["--temperature", "20 degC", "--temperature", "50 degC", "--temperature", "90 degC"]
    code, out, err = _run(
        ["impedance", "fit", *files, *GEOM, *temps, "--density", "5e21 cm^-3", "--json"], capsys
    )
    assert code == 0, err
    d = json.loads(out)
    assert len(d["spectra"]) == 3
    assert {"sigma_bulk", "sigma_total"} <= set(d["arrhenius"])
    assert d["arrhenius"]["sigma_bulk"]["Ea"]["value"] > 0


def test_haven_and_arrhenius_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(_csv(tmp_path / f"t{i}.csv", i, s)) for i, s in enumerate((4.0, 1.0, 0.3))]
    temps = ["--temperature", "20 degC", "--temperature", "50 degC", "--temperature", "90 degC"]
    tracer = tmp_path / "tracer.csv"
    tracer.write_text(
        "T_C,D,D_err\n20,1e-8,1e-9\n50,4e-8,4e-9\n90,1.3e-7,1.3e-8\n", encoding="utf-8"
    )
    png = tmp_path / "arr.png"
    code, out, err = _run(
        [
            "impedance",
            "fit",
            *files,
            *GEOM,
            *temps,
            "--density",
            "5e21 cm^-3",
            "--tracer-table",
            str(tracer),
            "--arrhenius-png",
            str(png),
        ],
        capsys,
    )
    assert code == 0, err
    assert "Haven ratio bulk:" in out
    assert png.read_bytes()[:4] == b"\x89PNG"
    code, _, err = _run(["impedance", "fit", files[0], "--tracer-table", str(tracer)], capsys)
    assert code == 2 and "two or more temperatures" in err


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--thickness", "1 mm"], "go together"),
        (["--thickness", "1 mm", "--area", "0.2"], "not an area"),
        (["--thickness", "1 mm", "--area", "0.2 cm^2/s"], "not an area"),
        (["--thickness", "-1 mm", "--area", "0.2 cm^2"], "> 0"),
        (["--circuit", "R0-X1"], "not an element"),
        (["--temperature", "20 degC", "--temperature", "30 degC"], "one per spectrum"),
        (["--format", "xyz"], "format must be"),
    ],
)
def test_bad_input_exits_2(
    pellet_csv: Path, capsys: pytest.CaptureFixture[str], args: list[str], match: str
) -> None:
    code, out, err = _run(["impedance", "fit", str(pellet_csv), *args], capsys)
    assert code == 2 and out == ""
    assert match in err and "Traceback" not in err


def test_too_short_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "short.csv"
    p.write_text("f,Z',Z''\n1,2,-3\n2,3,-4\n", encoding="utf-8")
    code, _, err = _run(["impedance", "fit", str(p)], capsys)
    assert code == 2 and "at least 10 points" in err


def test_real_gamry_json(real_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = real_data / "impedance_py" / "exampleDataCHInstruments.txt"
    code, out, err = _run(
        ["impedance", "fit", str(f), "--circuit", "R0-p(R1,CPE1)-CPE2", "--json"], capsys
    )
    assert code == 0, err
    d = json.loads(out)
    assert d["fit"]["success"] is True and d["spectrum"]["n_points"] == 73

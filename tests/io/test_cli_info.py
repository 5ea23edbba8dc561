"""`tracerdiff info`: golden JSON on a real file, text mode, errors exit 2 without traceback."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from tracerdiff.cli.app import main
from tracerdiff.io import write_iontof_image


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def test_info_golden_json(
    real_data: Path, test_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(["info", str(real_data / "cameca_sims/image_sun.im"), "--json"], capsys)
    assert code == 0
    got = json.loads(out)
    for e in got["files"]:
        e["file"] = "cameca_sims/image_sun.im"
    expected = json.loads((test_data / "io/info_image_sun.json").read_text())
    assert got == expected
    # independent check of one total against the sims package itself
    import sims

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = sims.SIMS(str(real_data / "cameca_sims/image_sun.im"))
    total18 = float(s.data.sel(species="18O").values.astype(np.int64).sum())
    assert got["files"][0]["total_counts"]["18O"]["value"] == total18


def test_info_several_files_text(
    real_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = write_iontof_image(
        tmp_path / "li.txt", np.full((206, 512), 3.0), species="^6Li+", field_of_view_um=(500, 200)
    )
    code, out, _ = _run(["info", str(f), str(real_data / "cameca_ims_oxygen/NBS28@1.asc")], capsys)
    assert code == 0
    assert "iontof_ascii_image" in out and "cameca_ims_asc" in out
    assert "0.976562 um" in out and "0.970874 um" in out
    code, out, _ = _run(["info", str(f), "--json"], capsys)
    entry = json.loads(out)["files"][0]
    assert entry["total_counts"]["6Li"] == {
        "value": 3.0 * 206 * 512,
        "stderr": None,
        "unit": "counts",
    }
    assert entry["dead_time_corrected"] is False
    assert entry["n_frames"] == 1


def test_info_rate_totals_use_count_time(
    real_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(
        ["info", str(real_data / "cameca_ims_oxygen/NBS28@1.asc"), "--json"], capsys
    )
    assert code == 0
    entry = json.loads(out)["files"][0]
    assert entry["kind"] == "isotope_cycles" and entry["pixel_size"]["x"] is None
    # 16O rates (c/s) x 4 s counting time per cycle
    assert entry["total_counts"]["16O"]["value"] == pytest.approx(4.0197e11, rel=1e-4)
    # the instrument's own cumulated ratio, as printed in the report
    r0 = entry["instrument_ratios"]["R0"]
    assert r0["definition"] == "18O/16O" and r0["mean"] == pytest.approx(0.00202455)
    code, out, _ = _run(["info", str(real_data / "cameca_ims_oxygen/NBS28@1.asc")], capsys)
    assert "R0 18O/16O = 0.00202455 (instrument)" in out


def test_info_field_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "bare.txt"
    f.write_text("1 2\n3 4\n")
    code, out, err = _run(["info", str(f)], capsys)  # uncalibrated: shown in pixel units
    assert code == 0 and "pixel units" in out and "--pixel-size" in out, err
    code, out, _ = _run(["info", str(f), "--field-of-view", "4,2", "--json"], capsys)
    assert code == 0
    assert json.loads(out)["files"][0]["pixel_size"]["x"]["value"] == pytest.approx(2.0)


def test_info_profile_options_and_extent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "p.csv"
    f.write_text("# normalised\nx,c_norm\n0,0.9\n0.5,0.5\n1.5,0.2\n")
    code, out, _ = _run(["info", str(f), "--x-unit", "mm", "--column", "c_norm", "--json"], capsys)
    assert code == 0
    entry = json.loads(out)["files"][0]
    assert entry["kind"] == "profile" and entry["shape"] == {"x_um": 3}
    assert entry["extent"]["x_um"]["last"] == {"value": 1500.0, "stderr": None, "unit": "um"}
    # the options reach only the readers that take them; others refuse by name, exit 2
    code, out, err = _run(["info", str(f), "--pixel-size", "1"], capsys)
    assert code == 2 and out == "" and "does not take pixel_size_um" in err
    assert err.count("\n") == 1
    code, _, err = _run(["info", str(f), "--isotopes", "6Li"], capsys)
    assert code == 2 and "--isotopes" in err


def test_info_single_pixel_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "bare.txt"
    f.write_text("1 2 3\n3 4 5\n")
    code, out, _ = _run(["info", str(f), "--pixel-size", "0.5 um", "--json"], capsys)
    assert code == 0
    e = json.loads(out)["files"][0]
    assert e["pixel_size"]["x"]["value"] == e["pixel_size"]["y"]["value"] == 0.5
    assert e["field_of_view"]["x"]["value"] == pytest.approx(1.5)
    assert e["extent"]["x"]["first"]["value"] == pytest.approx(0.25)  # pixel centre


def test_info_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["info", str(tmp_path / "missing.im")], capsys)
    assert code == 2 and "no such file" in err and "Traceback" not in err and out == ""
    bad = tmp_path / "bad.txt"
    bad.write_text("# Field of view (um): 2\n1\t-5\n")
    code, _, err = _run(["info", str(bad)], capsys)
    assert code == 2 and "negative counts" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.txt"]
    code, out, err = _run(["info", str(tmp_path)], capsys)
    assert code == 2 and out == "" and "is a folder" in err


def test_info_subprocess_no_traceback(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "tracerdiff", "info", str(tmp_path / "x.txt")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    assert r.stderr.strip().startswith("error:") and "Traceback" not in r.stderr


def test_info_help_has_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["info", "--help"], capsys)
    assert code == 0 and "Example:" in out

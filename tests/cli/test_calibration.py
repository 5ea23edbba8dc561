"""--pixel-size / --field-of-view on the commands that read images: they supply or override the
file's calibration; uncalibrated images work in pixel units where no length is needed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tracerdiff.cli.app import main
from tracerdiff.imaging import UncalibratedError, calibrate, is_pixel_units, open_counts
from tracerdiff.io import write_iontof_image


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


@pytest.fixture
def npy_pair(tmp_path: Path, rng: np.random.Generator) -> tuple[Path, Path]:
    """Two .npy count images without any calibration (0.4 / 0.6 of 500 counts)."""
    a = rng.binomial(500, 0.4, (12, 20)).astype(float)
    pa, pb = tmp_path / "a.npy", tmp_path / "b.npy"
    np.save(pa, a)
    np.save(pb, 500 - a)
    return pa, pb


SPECIES = ["--species", "6Li,7Li"]


def test_fraction_of_uncalibrated_images_in_pixel_units(
    npy_pair: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_tif = tmp_path / "map.tif"
    code, out, err = run(["fraction", *map(str, npy_pair), *SPECIES, "-o", str(out_tif)], capsys)
    assert code == 0, err
    assert "no pixel size: lengths in pixels" in out and out_tif.is_file()
    code, out, err = run(["fraction", *map(str, npy_pair), *SPECIES, "--json"], capsys)
    d = json.loads(out)
    assert d["length_unit"] == "px" and d["calibrated"] is False and d["pixel_size_um"] is None
    assert abs(d["C"]["value"] - 0.4) < 4 * d["C"]["stderr"]


def test_pixel_size_and_field_of_view_supply_the_calibration(
    npy_pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["fraction", *map(str, npy_pair), *SPECIES, "--json"]
    d = json.loads(run([*args, "--pixel-size", "0.5 um"], capsys)[1])
    assert d["pixel_size_um"] == pytest.approx([0.5, 0.5]) and d["calibrated"] is True
    d = json.loads(run([*args, "--field-of-view", "10 um,6 um"], capsys)[1])
    assert d["pixel_size_um"] == pytest.approx([0.5, 0.5])
    d = json.loads(run([*args, "--pixel-size", "500 nm,0.25 um"], capsys)[1])
    assert d["pixel_size_um"] == pytest.approx([0.5, 0.25])
    code, _, err = run([*args, "--pixel-size", "1", "--field-of-view", "10"], capsys)
    assert code == 2 and "not both" in err


def test_pixel_size_overrides_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = np.full((10, 20), 30)
    pa, pb = tmp_path / "x_6Li.txt", tmp_path / "x_7Li.txt"
    write_iontof_image(pa, a, species="6Li", field_of_view_um=(200.0, 100.0))
    write_iontof_image(pb, 70 - a + 40, species="7Li", field_of_view_um=(200.0, 100.0))
    base = ["fraction", str(pa), str(pb), "--json"]
    assert json.loads(run(base, capsys)[1])["pixel_size_um"] == pytest.approx([10.0, 10.0])
    d = json.loads(run([*base, "--pixel-size", "2 um"], capsys)[1])
    assert d["pixel_size_um"] == pytest.approx([2.0, 2.0])
    # a profile uses the overriding size: 20 px x 2 um = 40 um wide
    code, out, err = run(["profile", str(pa), str(pb), "--from", "1,5", "--to", "39,5",
                          "--width", "2", "--pixel-size", "2 um", "--json"], capsys)  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["pitch"]["value"] == pytest.approx(2.0)


def test_length_needed_names_both_options(
    npy_pair: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["profile", *map(str, npy_pair), *SPECIES, "--from", "0,1", "--to", "5,1",
                        "--width", "1"], capsys)  # fmt: skip
    assert code == 2 and "--pixel-size" in err and "--field-of-view" in err
    assert "Traceback" not in err and "field_of_view_um=" not in err
    # a map made in pixel units cannot give a profile either, until calibrated
    tif = tmp_path / "m.tif"
    assert run(["fraction", *map(str, npy_pair), *SPECIES, "-o", str(tif)], capsys)[0] == 0
    prof = ["profile", str(tif), "--from", "0,1", "--to", "5,1", "--width", "1"]
    code, _, err = run(prof, capsys)
    assert code == 2 and "--pixel-size" in err and "--field-of-view" in err
    code, out, err = run([*prof, "--pixel-size", "0.5", "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["pitch"]["value"] == pytest.approx(0.5)


def test_grains_pixel_size_or_field_of_view(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    img = np.ones((64, 64))
    img[::16, :] = 0
    img[:, ::16] = 0
    f = tmp_path / "grooves.npy"
    np.save(f, img)
    code, _, err = run(["grains", str(f)], capsys)
    assert code == 2 and "--pixel-size" in err and "--field-of-view" in err
    by_size = json.loads(run(["grains", str(f), "--pixel-size", "1 um", "--min-grain", "1 um",
                              "--json"], capsys)[1])  # fmt: skip
    by_fov = json.loads(run(["grains", str(f), "--field-of-view", "64 um", "--min-grain", "1 um",
                             "--json"], capsys)[1])  # fmt: skip
    assert by_size["n_grains"] == by_fov["n_grains"] > 0


def test_info_reports_pixel_units(
    npy_pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["info", str(npy_pair[0])], capsys)
    assert code == 0, err
    assert "pixel units" in out
    d = json.loads(run(["info", str(npy_pair[0]), "--pixel-size", "0.5", "--json"], capsys)[1])
    assert d["files"][0]["pixel_size"]["x"]["value"] == pytest.approx(0.5)


def test_library_open_counts(npy_pair: tuple[Path, Path]) -> None:
    with pytest.raises(UncalibratedError):
        open_counts(list(npy_pair), species=["6Li", "7Li"])
    ds = open_counts(list(npy_pair), species=["6Li", "7Li"], require_length=False)
    assert is_pixel_units(ds) and ds["x"].attrs["units"] == "px"
    cal = calibrate(ds, field_of_view_um=(10.0, 6.0))
    assert not is_pixel_units(cal) and cal.attrs["pixel_size_x_um"] == pytest.approx(0.5)
    np.testing.assert_allclose(cal["x"].values[:2], [0.25, 0.75])


def test_unnamed_files_ask_for_species(
    npy_pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Two uncalibrated files without species names: the message says what is missing."""
    code, _, err = run(["fraction", *map(str, npy_pair)], capsys)
    assert code == 2 and "--species" in err and "field_of_view_um" not in err

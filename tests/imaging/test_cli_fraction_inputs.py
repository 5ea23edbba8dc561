"""``tracerdiff fraction`` on every input: count series (.is, .asc, depth profiles), ROI masks
(--roi, --csv), --species and --kind."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import tifffile

from tracerdiff.cli.app import main
from tracerdiff.io import write_iontof_image

SERIES_KEYS = {"pair", "C", "C_sys_stderr", "systematic_errors", "corrections", "warnings",
               "outputs", "kind", "dim", "n_points", "counts", "points"}  # fmt: skip
FOV = (30.0, 20.0)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def test_asc_report(real_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = real_data / "cameca_ims_oxygen/NBS28@1.asc"
    code, out, err = run(["fraction", str(f), "--pair", "18O/16O", "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert SERIES_KEYS <= set(d) and d["kind"] == "isotope_cycles" and d["n_points"] == 50
    r = d["C"]["value"] / (1 - d["C"]["value"])
    assert r == pytest.approx(0.002024551, rel=5e-7)  # the report's integrated mean


def test_is_per_cycle_text_and_json(real_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = real_data / "cameca_sims/is01_R1_KH03-27_01.is"
    code, out, err = run(["fraction", str(f), "--pair", "2H/1H", "--dead-time", "none", "--json"],
                         capsys)  # fmt: skip
    assert code == 0, err
    d = json.loads(out)
    assert len(d["points"]) == 100
    assert d["C"]["value"] / (1 - d["C"]["value"]) == pytest.approx(1.45048e-4, rel=1e-5)
    code, out, _ = run(["fraction", str(f), "--pair", "2H/1H"], capsys)
    assert code == 0 and "100 cycles" in out and "C (summed counts)" in out


def test_depth_profile_series(real_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = real_data / "iontof_depth_profile/I241209m_A_MAPI_1f-1nA_pos-B4_NF.txt"
    code, out, err = run(["fraction", str(f), "--pair", "207Pb/206Pb", "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert d["kind"] == "depth_profile" and d["dim"] == "time_s"


def test_image_options_refused_for_series(
    real_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = real_data / "cameca_sims/is01_R1_KH03-27_01.is"
    code, _, err = run(["fraction", str(f), "--pair", "2H/1H", "--bin", "2"], capsys)
    assert code == 2 and "--bin applies to images" in err


@pytest.fixture
def li_images(tmp_path: Path, rng: np.random.Generator) -> tuple[Path, Path, np.ndarray]:
    truth = np.where(np.arange(30)[None, :] < 15, 0.6, 0.2) * np.ones((20, 1))
    a = rng.binomial(500, truth)
    pa, pb = tmp_path / "Li6.txt", tmp_path / "Li7.txt"
    write_iontof_image(pa, a, species="6Li", field_of_view_um=FOV)
    write_iontof_image(pb, 500 - a, species="7Li", field_of_view_um=FOV)
    labels = np.zeros((20, 30), dtype=np.int32)
    labels[:, :15] = 1
    labels[:, 15:] = 2
    return pa, pb, labels


def test_roi_label_image_and_csv(
    li_images: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pa, pb, labels = li_images
    mask, table = tmp_path / "mask.npy", tmp_path / "regions.csv"
    np.save(mask, labels)
    code, out, err = run(["fraction", str(pa), str(pb), "--roi", str(mask), "--csv", str(table),
                          "--json"], capsys)  # fmt: skip
    assert code == 0, err
    d = json.loads(out)
    regions = d["regions"]
    assert [r["label"] for r in regions] == [1, 2]
    assert [r["n_pixels"] for r in regions] == [300, 300]
    for r, truth in zip(regions, (0.6, 0.2), strict=True):
        assert abs(r["C"]["value"] - truth) < 4 * r["C"]["stderr"]
        assert set(r["counts"]) == {"6Li", "7Li"}
    assert str(table) in d["outputs"]
    rows = list(csv.DictReader(table.open()))
    assert [int(r["label"]) for r in rows] == [1, 2]


def test_roi_shapes_text(li_images: tuple, capsys: pytest.CaptureFixture[str]) -> None:
    pa, pb, _ = li_images
    code, out, err = run(["fraction", str(pa), str(pb), "--roi", "rect 0 0 14.9 20"], capsys)
    assert code == 0, err
    assert "1 region(s)" in out and "region 1: 300 px" in out


def test_csv_needs_roi(
    li_images: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pa, pb, _ = li_images
    code, _, err = run(["fraction", str(pa), str(pb), "--csv", str(tmp_path / "t.csv")], capsys)
    assert code == 2 and "--roi" in err


def test_species_names_tiff_pages(tmp_path: Path, rng: np.random.Generator,
                                  capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    a = rng.binomial(400, 0.3, (12, 16))
    f = tmp_path / "stack.tif"
    tifffile.imwrite(f, np.stack([a, 400 - a]).astype(np.uint16), imagej=True,
                     resolution=(2.0, 2.0), metadata={"unit": "um"})  # fmt: skip
    code, out, err = run(["fraction", str(f), "--species", "18O/16O", "--pair", "18O/16O",
                          "--json"], capsys)  # fmt: skip
    assert code == 0, err
    d = json.loads(out)
    assert d["pixel_size_um"] == [0.5, 0.5]
    assert abs(d["C"]["value"] - 0.3) < 4 * d["C"]["stderr"]


def test_kind_image_for_a_headerless_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    np.savetxt(a, np.full((4, 5), 30), fmt="%d", delimiter=",")
    np.savetxt(b, np.full((4, 5), 70), fmt="%d", delimiter=",")
    code, out, err = run(["fraction", str(a), str(b), "--kind", "image", "--species", "18O,16O",
                          "--pair", "18O/16O", "--pixel-size", "1", "--json"], capsys)  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["C"]["value"] == pytest.approx(0.3)

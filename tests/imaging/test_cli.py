"""``tracerdiff fraction`` and ``tracerdiff profile``: outputs, JSON keys, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tracerdiff.cli.app import main
from tracerdiff.io import write_iontof_image

FOV = (60 * 0.977, 40 * 0.971)
FRACTION_KEYS = {
    "pair",
    "shape",
    "pixel_size_um",
    "length_unit",
    "calibrated",
    "C_raw",
    "normalised",
    "n_pixels",
    "C",
    "C_sys_stderr",
    "systematic_errors",
    "C_mean_pixel",
    "n_saturated",
    "n_masked",
    "corrections",
    "warnings",
    "outputs",
}
PROFILE_KEYS = {
    "normalised",
    "pair",
    "start_um",
    "end_um",
    "width",
    "pitch",
    "n_points",
    "n_empty",
    "x_um",
    "C",
    "C_err",
    "C_err_sys",
    "systematic_errors",
    "n_pixels",
    "outputs",
}


@pytest.fixture
def images(tmp_path: Path, rng: np.random.Generator) -> tuple[Path, Path, np.ndarray, np.ndarray]:
    C0 = np.where(np.arange(60)[None, :] < 30, 0.6, 0.3) * np.ones((40, 1))
    tot = rng.poisson(300, (40, 60))
    a = rng.binomial(tot, C0)
    b = tot - a
    pa, pb = tmp_path / "Li6.txt", tmp_path / "Li7.txt"
    kw = {"field_of_view_um": FOV, "shots_per_pixel": 1, "scans": 2000}
    write_iontof_image(pa, a, species="6Li", mass=6.015, **kw)
    write_iontof_image(pb, b, species="7Li", mass=7.016, **kw)
    return pa, pb, a.astype(float), b.astype(float)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def test_fraction_json_and_outputs(
    images: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pa, pb, a, b = images
    nc, png = tmp_path / "map.nc", tmp_path / "map.png"
    code, out, _ = run(
        [
            "fraction",
            str(pa),
            str(pb),
            "-o",
            str(nc),
            "--png",
            str(png),
            "--mass-resolution",
            "500",
            "--json",
        ],
        capsys,
    )
    assert code == 0
    d = json.loads(out)
    assert set(d) == FRACTION_KEYS
    assert d["shape"] == [40, 60] and d["pair"] == "6Li/7Li"
    assert d["pixel_size_um"] == pytest.approx([0.977, 0.971])
    na, nb = -2000 * np.log1p(-a / 2000), -2000 * np.log1p(-b / 2000)
    c = na.sum() / (na.sum() + nb.sum())
    assert d["C"]["value"] == pytest.approx(c, rel=1e-6) and d["C"]["unit"] == ""
    assert d["C"]["stderr"] == pytest.approx(np.sqrt(c * (1 - c) / (a.sum() + b.sum())), rel=0.05)
    assert [r["name"] for r in d["corrections"] if r["applied"]] == [
        "interference_check",
        "dead_time",
    ]
    assert any("6LiH" in w for w in d["warnings"])
    assert d["outputs"] == [str(nc), str(png)] and nc.exists() and png.exists()


def test_fraction_normalised_text_mode(images: tuple, capsys: pytest.CaptureFixture[str]) -> None:
    pa, pb, _, _ = images
    code, out, _ = run(
        [
            "fraction",
            str(pa),
            str(pb),
            "--background",
            "natural",
            "--source",
            "0.95+-0.01",
            "--bin",
            "2",
        ],
        capsys,
    )
    assert code == 0
    assert "pair 6Li/7Li, 20 x 30 px" in out and "normalise" in out


def test_profile_from_map_and_from_images(
    images: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pa, pb, _, _ = images
    nc, csv = tmp_path / "map.nc", tmp_path / "p.csv"
    assert run(["fraction", str(pa), str(pb), "-o", str(nc)], capsys)[0] == 0
    code, out, _ = run(
        [
            "profile",
            str(nc),
            "--from",
            "1,20",
            "--to",
            "55,20",
            "--width",
            "5 um",
            "-o",
            str(csv),
            "--png",
            str(tmp_path / "p.png"),
            "--json",
        ],
        capsys,
    )
    assert code == 0
    d = json.loads(out)
    assert set(d) == PROFILE_KEYS and d["n_points"] == 56 and d["width"]["value"] == 5.0
    assert np.nanmean(d["C"][:25]) == pytest.approx(0.6, abs=0.01)
    lines = [ln for ln in csv.read_text().splitlines() if not ln.startswith("#")]
    assert lines[0].startswith("x_um,C,C_err,6Li,7Li,n_pixels")
    assert len(lines) == 57
    code, out2, _ = run(
        [
            "profile",
            str(pa),
            str(pb),
            "--from",
            "1 um,20 um",
            "--to",
            "55 um,20 um",
            "--width",
            "5000 nm",
            "--json",
        ],
        capsys,
    )
    assert code == 0
    np.testing.assert_allclose(json.loads(out2)["C"], d["C"], rtol=1e-6)


def test_zero_count_pixels_are_reported_not_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = np.full((5, 6), 20)
    b = np.full((5, 6), 30)
    a[0, 0] = b[0, 0] = 0
    for name, arr in (("A.txt", a), ("B.txt", b)):
        write_iontof_image(
            tmp_path / name,
            arr,
            species="6Li" if name == "A.txt" else "7Li",
            field_of_view_um=(6.0, 5.0),
        )
    code, out, _ = run(
        ["fraction", str(tmp_path / "A.txt"), str(tmp_path / "B.txt"), "--json"], capsys
    )
    assert code == 0 and json.loads(out)["n_masked"] == 1


def _bad_file(tmp_path: Path, src: Path, old: str, new: str) -> Path:
    lines = src.read_text().splitlines()
    i = next(k for k, ln in enumerate(lines) if not ln.startswith("#"))
    lines[i] = lines[i].replace(lines[i].split("\t")[0], new, 1) if old == "first" else lines[i]
    p = tmp_path / f"bad_{new}.txt"
    p.write_text("\n".join(lines) + "\n")
    return p


@pytest.mark.parametrize(
    ("case", "match"),
    [
        ("missing", "no such file"),
        ("unknown_format", "unknown format"),
        ("shapes", "shape"),
        ("negative", "negative"),
        ("nonfinite", "finite"),
        ("saturated", "saturated"),
        ("pair", "species '18O' not in the data"),
        ("background", "--background"),
        ("exists", "exists"),
        ("suffix", "suffix"),
        ("png_suffix", "--png"),
        ("all_zero", "no valid pixel"),
        ("em_unit", "--em-dead-time"),
        ("dwell_unit", "--dwell-time"),
        ("alpha", "--imf-alpha"),
        ("systematic", "systematic"),
        ("twice", "twice"),
    ],
)
def test_fraction_bad_input_exits_2(
    case: str, match: str, images: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pa, pb, _, _ = images
    out_nc = tmp_path / "out.nc"
    args = ["fraction", str(pa), str(pb)]
    if case == "missing":
        args = ["fraction", str(tmp_path / "nope.txt"), str(pb)]
    elif case == "unknown_format":
        (tmp_path / "x.xyz").write_bytes(b"\x00\x01garbage")
        args = ["fraction", str(tmp_path / "x.xyz")]
    elif case == "shapes":
        write_iontof_image(
            tmp_path / "small.txt", np.ones((4, 4), int), species="7Li", field_of_view_um=(4.0, 4.0)
        )
        args = ["fraction", str(pa), str(tmp_path / "small.txt")]
    elif case in ("negative", "nonfinite"):
        bad = _bad_file(tmp_path, pa, "first", "-5" if case == "negative" else "nan")
        args = ["fraction", str(bad), str(pb)]
    elif case == "saturated":
        args += ["--scans", "100"]  # 1 shot x 100 scans < ~180 counts per pixel
    elif case == "pair":
        args += ["--pair", "18O/16O"]
    elif case == "background":
        args += ["--background", "0.07 parsec", "--source", "0.95"]
    elif case == "exists":
        out_nc.write_text("keep me")
    elif case == "suffix":
        out_nc = tmp_path / "out.xls"
    elif case == "png_suffix":
        args += ["--png", str(tmp_path / "map.jpg")]
    elif case == "all_zero":
        for name, sp in (("z6.txt", "6Li"), ("z7.txt", "7Li")):
            write_iontof_image(
                tmp_path / name, np.zeros((4, 5), int), species=sp, field_of_view_um=(5.0, 4.0)
            )
        args = ["fraction", str(tmp_path / "z6.txt"), str(tmp_path / "z7.txt")]
    elif case == "em_unit":
        args += ["--dead-time", "em", "--em-dead-time", "2.6e-8 cm/s", "--dwell-time", "1 ms"]
    elif case == "dwell_unit":
        args += ["--dead-time", "em", "--dwell-time", "3 um"]
    elif case == "alpha":
        args += ["--imf-alpha", "1.02 um"]
    elif case == "systematic":
        args += ["--systematic", "both"]
    elif case == "twice":  # exports the instrument already corrected (non-integer counts)
        kw = {"field_of_view_um": FOV, "shots_per_pixel": 1, "scans": 2000}
        for name, sp, v in (("d6.txt", "6Li", 11.0097), ("d7.txt", "7Li", 20.5)):
            write_iontof_image(tmp_path / name, np.full((40, 60), v), species=sp, **kw)
        args = ["fraction", str(tmp_path / "d6.txt"), str(tmp_path / "d7.txt")]
        args += ["--shots-per-pixel", "1"]
    before = sorted(p.name for p in tmp_path.iterdir())
    code, _, err = run([*args, "-o", str(out_nc)], capsys)
    assert code == 2
    assert err.startswith("error:") and err.count("\n") == 1 and "Traceback" not in err
    assert match in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written, nothing left
    if case == "exists":
        assert out_nc.read_text() == "keep me"


@pytest.mark.parametrize(
    ("opts", "match"),
    [
        (["--from", "1,20", "--to", "500,20", "--width", "5"], "outside the image"),
        (["--from", "1,20", "--to", "50,20", "--width", "0"], "width must be > 0"),
        (["--from", "1,20", "--to", "50,20", "--width", "-2 um"], "width must be > 0"),
        (["--from", "5,5", "--to", "5,5", "--width", "2"], "zero length"),
        (["--from", "1,20", "--to", "50,20", "--width", "5 s"], "--width"),
        (["--from", "a,b", "--to", "50,20", "--width", "5"], "--from"),
        (["--from", "1,2,3", "--to", "50,20", "--width", "5"], "--from"),
        (["--from", "1,20", "--to", "50,20", "--width", "5", "--pair", "18O/16O"], "18O"),
    ],
)
def test_profile_bad_input_exits_2(
    opts: list[str], match: str, images: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pa, pb, _, _ = images
    csv = tmp_path / "p.csv"
    before = sorted(p.name for p in tmp_path.iterdir())
    code, _, err = run(["profile", str(pa), str(pb), *opts, "-o", str(csv)], capsys)
    assert code == 2 and err.startswith("error:") and err.count("\n") == 1
    assert match in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    for cmd in ("fraction", "profile"):
        code, out, _ = run([cmd, "--help"], capsys)
        assert code == 0 and "Example:" in out


def test_profile_of_a_map_refuses_image_options(
    images: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pa, pb, _, _ = images
    nc = tmp_path / "map.nc"
    assert run(["fraction", str(pa), str(pb), "-o", str(nc)], capsys)[0] == 0
    args = ["profile", str(nc), "--from", "1,20", "--to", "50,20", "--width", "3", "--scans", "5"]
    code, _, err = run(args, capsys)
    assert code == 2 and "apply to count images" in err


def test_em_dead_time_and_dwell_time_options(
    images: tuple, capsys: pytest.CaptureFixture[str]
) -> None:
    pa, pb, a, b = images
    args = ["fraction", str(pa), str(pb), "--dead-time", "em", "--json"]
    code, out, _ = run([*args, "--dwell-time", "0.5 ms", "--em-dead-time", "44 ns"], capsys)
    assert code == 0
    d = json.loads(out)
    rec = next(r for r in d["corrections"] if r["name"] == "dead_time")
    # a 2D image with 2000 scans in the header: counting time = dwell x scans
    assert rec["method"] == "em_nonparalysable" and rec["tau_s"] == pytest.approx(44e-9)
    assert rec["dwell_time_s"] == pytest.approx(0.5e-3 * 2000)
    x = 44e-9 / (0.5e-3 * 2000)
    na, nb = (a / (1 - a * x)).sum(), (b / (1 - b * x)).sum()
    assert d["C"]["value"] == pytest.approx(na / (na + nb), rel=1e-6)
    # the default tau (44 ns) and a bare number in ns give the same
    code, out2, _ = run([*args, "--dwell-time", "0.5 ms", "--em-dead-time", "44"], capsys)
    assert json.loads(out2)["C"] == d["C"]


def test_systematic_errors_separate_or_combined(
    images: tuple, capsys: pytest.CaptureFixture[str]
) -> None:
    pa, pb, a, b = images
    refs = ["--imf-alpha", "1.05+-0.02", "--background", "0.0759+-0.002", "--source", "0.95+-0.01"]
    args = ["fraction", str(pa), str(pb), "--dead-time", "none", *refs, "--json"]
    code, out, _ = run(args, capsys)
    assert code == 0
    sep = json.loads(out)
    # independent whole-field numbers: IMF on the summed counts, then normalisation
    sa, sb, alpha, cb, cs = a.sum(), b.sum(), 1.05, 0.0759, 0.95
    c = sa / (sa + alpha * sb)
    cn = (c - cb) / (cs - cb)
    # Poisson counts, n_b scaled by alpha:
    # var(C) = alpha^2 n_a n_b (n_a + n_b) / (n_a + alpha n_b)^4
    stat = alpha * np.sqrt(sa * sb * (sa + sb)) / (sa + alpha * sb) ** 2 / (cs - cb)
    sys = np.hypot(c * (1 - c) * 0.02 / alpha, np.hypot(cn * 0.01, (cn - 1) * 0.002)) / (cs - cb)
    assert sep["C"]["value"] == pytest.approx(cn, rel=1e-6)
    assert sep["C"]["stderr"] == pytest.approx(stat, rel=1e-6)
    assert sep["C_sys_stderr"] == pytest.approx(sys, rel=1e-6)
    assert sep["systematic_errors"] == "separate" and sys > 10 * stat
    code, out, _ = run([*args, "--systematic", "combined"], capsys)
    comb = json.loads(out)
    assert comb["systematic_errors"] == "combined"
    assert comb["C"]["stderr"] == pytest.approx(np.hypot(stat, sys), rel=1e-6)


def test_text_mode_says_why_dead_time_was_not_corrected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, sp, v in (("A.txt", "6Li", 20), ("B.txt", "7Li", 30)):
        write_iontof_image(tmp_path / name, np.full((4, 5), v), species=sp, field_of_view_um=(5, 4))
    code, out, _ = run(["fraction", str(tmp_path / "A.txt"), str(tmp_path / "B.txt")], capsys)
    assert code == 0
    assert "dead time not corrected: shots per pixel unknown" in out
    assert "C (summed counts) = 0.40000" in out

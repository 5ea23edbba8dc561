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
    rows = "".join(
        f"{float(a)!r},{float(b)!r},{float(d)!r}\n" for a, b, d in zip(x, c, e, strict=True)
    )
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
def test_gb_step_cli_equals_study(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    rng: np.random.Generator,
    flags: list[str],
    keys: str,
) -> None:
    prof = _write(tmp_path / "p.csv", *_staircase(rng))
    cli = _cli(["gb-step", str(prof), "--d-bulk", D, *flags], capsys)
    st = _study(
        tmp_path,
        f"""
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
""",
    )
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
    st = _study(
        tmp_path,
        f"""
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
""",
    )
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
    for bad, what in (
        ("window = 12", "window"),
        ("window_um = 12.0", "window_um"),
        ("d_bulk_err = 1e-9", "d_bulk"),
    ):
        with pytest.raises(ConfigError, match=what):
            _study(tmp_path, body + bad + "\n")


@pytest.fixture
def stripe_map(tmp_path: Path, rng: np.random.Generator) -> dict[str, Path]:
    """ToF count images (6Li, 7Li; 90 x 60 um, 1 um pixels) of three grains (vertical stripes,
    steps at 30 and 60 um on a falling background), their label image, a micrograph of the
    field (0.5 um pixels, dark grooves at the boundaries) and the CLI's fraction map."""
    from scipy import ndimage as ndi

    from tracerdiff.io import write_iontof_image

    x = np.arange(90) + 0.5
    truth = (0.6 - 0.002 * x - 0.05 * (x > 30) - 0.04 * (x > 60)) * np.ones((60, 1))
    tot = rng.poisson(3000, truth.shape)
    a = rng.binomial(tot, truth)
    pa, pb = tmp_path / "m_6Li.txt", tmp_path / "m_7Li.txt"
    write_iontof_image(pa, a, species="6Li", field_of_view_um=(90.0, 60.0))
    write_iontof_image(pb, tot - a, species="7Li", field_of_view_um=(90.0, 60.0))
    labels = np.ones((60, 90), dtype=np.int64) + (x > 30) + (x > 60)
    np.save(tmp_path / "lab.npy", labels)
    img = np.full((120, 180), 0.8)
    for g in (30.0, 60.0):
        img[:, int(g / 0.5)] = 0.2
    np.save(tmp_path / "micro.npy", ndi.gaussian_filter(img, 0.7) + rng.normal(0, 0.01, img.shape))
    return {"a": pa, "b": pb, "labels": tmp_path / "lab.npy", "micro": tmp_path / "micro.npy"}


def _map_study(folder: Path, analysis: str, sample: str = "") -> dict[str, Any]:
    return _study(
        folder,
        f"""{sample}
[[measurements]]
id = "M"
kind = "image"
files = ["m_6Li.txt", "m_7Li.txt"]
pair = "6Li/7Li"

[[analyses]]
id = "a"
type = "gb_map"
measurement = "M"
d_bulk = "{D}"
{analysis}
""",
    )


def _fraction_nc(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> Path:
    nc = files["a"].parent / "map.nc"
    with pytest.raises(SystemExit) as exc:
        main(["fraction", str(files["a"]), str(files["b"]), "-o", str(nc)])
    assert exc.value.code == 0, capsys.readouterr().err
    capsys.readouterr()
    return nc


def test_gb_map_boundary_route_cli_equals_study(
    stripe_map: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nc = _fraction_nc(stripe_map, capsys)
    cli = _cli(
        [
            "gb-map",
            str(nc),
            "--labels",
            str(stripe_map["labels"]),
            "--d-bulk",
            D,
            "--window",
            "6 um",
            "--resolution",
            "0.8 um",
            "--min-pixels",
            "10",
        ],
        capsys,
    )
    st = _map_study(tmp_path, 'labels = "lab.npy"\nwindow = "6 um"\nresolution = "0.8 um"\n'
                              "min_pixels = 10")  # fmt: skip
    assert st["route"] == "boundaries" and st["options"] == cli["options"]
    assert len(st["boundaries"]) == len(cli["boundaries"]) == 2
    for a, b in zip(st["boundaries"], cli["boundaries"], strict=True):
        assert a["status"] == b["status"] == "measured"
        for key in ("dC_gb", "dCdn_bulk", "D_gb_over_delta"):
            assert a[key]["value"] == pytest.approx(b[key]["value"], rel=1e-12)
            assert a[key]["stderr"] == pytest.approx(b[key]["stderr"], rel=1e-12)
    hm = cli["summary"]["D_gb_over_delta_hmean"]
    if hm["value"] is not None:
        assert st["k_harmonic_mean"]["value"] == pytest.approx(hm["value"], rel=1e-12)


def test_gb_map_micrograph_route_cli_equals_study(
    stripe_map: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nc = _fraction_nc(stripe_map, capsys)
    pts = [("0,0", "0.25,0.25"), ("179,0", "89.75,0.25"), ("0,119", "0.25,59.75")]
    cli = _cli(["gb-map", str(nc), "--micrograph", str(stripe_map["micro"]),
                "--micrograph-pixel-size", "0.5 um",
                *[a for m, s in pts for a in ("--points", f"{m}={s}")],
                "--lines", "1,30:89,30", "--width", "12 um", "--order", "1", "--d-bulk", D],
               capsys)  # fmt: skip
    reg = ", ".join(f'{{ micrograph = "{m}", sims = "{s}" }}' for m, s in pts)
    sample = (
        f'micrograph = "micro.npy"\nmicrograph_pixel_size = "0.5 um"\n'
        f"micrograph_registration = [{reg}]\n"
    )
    st = _study_with_sample(
        tmp_path, sample, 'lines = [{ start = "1,30", end = "89,30" }]\nwidth = "12 um"\norder = 1'
    )
    assert st["route"] == "micrograph"
    _same_boundaries(st, cli)


def _study_with_sample(folder: Path, sample: str, analysis: str) -> dict[str, Any]:
    text = (
        f'[study]\ntitle = "one analysis"\n\n[sample]\nmaterial = "LLTO"\n{sample}\n'
        f'[[measurements]]\nid = "M"\nkind = "image"\nfiles = ["m_6Li.txt", "m_7Li.txt"]\n'
        f'pair = "6Li/7Li"\n\n[[analyses]]\nid = "a"\ntype = "gb_map"\nmeasurement = "M"\n'
        f'd_bulk = "{D}"\n{analysis}\n'
    )
    (folder / "study.toml").write_text(text, encoding="utf-8")
    res = run_study(folder / "study.toml", folder / "out")
    assert [o.status for o in res.outcomes] == ["ok"], res.outcomes[0].reason
    doc = json.loads((folder / "out" / "results.json").read_text(encoding="utf-8"))
    return doc["analyses"]["a"]["results"]  # type: ignore[no-any-return]


def test_gb_map_refuses_a_map_in_pixel_units(
    tmp_path: Path, rng: np.random.Generator, capsys: pytest.CaptureFixture[str]
) -> None:
    """A map without a pixel size is never taken as 1 um pixels: the error names
    --pixel-size; with it the map is analysed."""
    x = np.arange(40) + 0.5
    truth = (0.6 - 0.002 * x - 0.05 * (x > 20)) * np.ones((30, 1))
    tot = rng.poisson(3000, truth.shape)
    a = rng.binomial(tot, truth).astype(float)
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", tot - a)
    nc = tmp_path / "map.nc"
    with pytest.raises(SystemExit) as exc:
        main(["fraction", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), "--species",
              "6Li,7Li", "-o", str(nc)])  # fmt: skip
    assert exc.value.code == 0
    capsys.readouterr()
    lab = np.ones((30, 40), dtype=np.int64) + (x > 20)
    np.save(tmp_path / "lab.npy", lab)
    args = ["gb-map", str(nc), "--labels", str(tmp_path / "lab.npy"), "--d-bulk", D]
    with pytest.raises(SystemExit) as exc:
        main(args)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "--pixel-size" in err and "pixel units" in err
    out = _cli([*args, "--pixel-size", "2 um"], capsys)
    assert out["pixel_size_um"] == [2.0, 2.0]


@pytest.fixture
def grain_images(tmp_path: Path, rng: np.random.Generator) -> dict[str, Path]:
    """A label image of ~40 Voronoi grains (160 x 160 px) and a photograph of the same field
    (dark grooves at the boundaries, seeded noise)."""
    from scipy import ndimage as ndi

    seeds = rng.uniform(0, 160, (40, 2))
    yy, xx = np.mgrid[0:160, 0:160] + 0.5
    d = (yy[..., None] - seeds[:, 1]) ** 2 + (xx[..., None] - seeds[:, 0]) ** 2
    lab = np.argmin(d, axis=-1).astype(np.int64) + 1
    edge = np.zeros(lab.shape, dtype=bool)
    edge[:, 1:] |= lab[:, 1:] != lab[:, :-1]
    edge[1:, :] |= lab[1:, :] != lab[:-1, :]
    photo = ndi.gaussian_filter(np.where(edge, 0.2, 0.8), 0.8) + rng.normal(0, 0.01, lab.shape)
    np.save(tmp_path / "lab.npy", lab)
    np.save(tmp_path / "photo.npy", photo)
    return {"labels": tmp_path / "lab.npy", "photo": tmp_path / "photo.npy"}


GRAINS_CASES = [
    ("photo", ["--pixel-size", "0.5 um", "--line-width", "1.5 um", "--min-grain", "3 um",
               "--direction", "y"],
     'pixel_size = "0.5 um"\nline_width = "1.5 um"\nmin_grain = "3 um"\ndirection = "y"'),
    ("labels", ["--field-of-view", "80 um,64 um"], 'field_of_view = ["80 um", "64 um"]'),
    ("photo", ["--pixel-size", "0.5 um", "--no-labels"], 'pixel_size = "0.5 um"\nlabels = false'),
]  # fmt: skip


@pytest.mark.parametrize(("which", "flags", "keys"), GRAINS_CASES)
def test_grains_cli_equals_study(grain_images: dict[str, Path], tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str], which: str,
                                 flags: list[str], keys: str) -> None:  # fmt: skip
    cli = _cli(["grains", str(grain_images[which]), *flags], capsys)
    name = grain_images[which].name
    st = _study(tmp_path, f'[[analyses]]\nid = "a"\ntype = "grains"\nmicrograph = "{name}"\n'
                          f"{keys}\n")  # fmt: skip
    assert st["labels"] is cli["labels"] is (which == "labels")
    assert st["n_grains"] == cli["n_grains"] > 10
    for key in ("ecd_mean", "mean_linear_intercept"):
        assert st[key]["value"] == pytest.approx(cli[key]["value"], rel=1e-12), key
        assert st[key]["stderr"] == pytest.approx(cli[key]["stderr"], rel=1e-12), key
    for key in ("mu_ln", "sigma_ln"):
        assert st["lognormal"][key]["value"] == pytest.approx(
            cli["lognormal"][key]["value"], rel=1e-12
        )

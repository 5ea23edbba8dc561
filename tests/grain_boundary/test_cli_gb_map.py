"""``tracerdiff gb-map`` and ``tracerdiff grains`` end to end on a synthetic field.

The field: a 1D grain chain (finite-volume solver, known k per GB) extruded along y into a
200 x 60 um fraction map (1 um pixels, binomial counts), and a 0.5 um/px micrograph of the same
field with dark grooves at the GBs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
import xarray as xr
from scipy import ndimage as ndi

from tracerdiff.cli.app import main
from tracerdiff.grain_boundary.gbmap import signed_angles

D = "2.6e-8 cm^2/s"
POINTS = [
    "--points",
    "0,0=0.25,0.25",
    "--points",
    "399,0=199.75,0.25",
    "--points",
    "0,119=0.25,59.75",
]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


@pytest.fixture
def field(chain_factory: Callable, tmp_path: Path) -> tuple[Path, Path, object]:
    chain = chain_factory(3, length_um=200.0)
    c = chain.profile(2e4)
    rng = np.random.default_rng(5)
    n = 4000.0
    C = np.broadcast_to(c, (60, c.size))
    na = rng.binomial(int(n), C).astype(float)
    nb = n - na
    frac = na / n
    x = np.arange(c.size) + 0.5
    y = np.arange(60) + 0.5
    ds = xr.Dataset(
        {
            "C": (("y", "x"), frac),
            "C_err": (("y", "x"), np.sqrt(frac * (1 - frac) / n)),
            "n_a": (("y", "x"), na),
            "n_b": (("y", "x"), nb),
        },
        coords={"x": ("x", x, {"units": "um"}), "y": ("y", y, {"units": "um"})},
        attrs={
            "pair": "6Li/7Li",
            "pixel_size_x_um": 1.0,
            "pixel_size_y_um": 1.0,
            "corrections": "[]",
            "n_saturated": 0,
            "n_masked": 0,
        },
    )
    nc = tmp_path / "map.nc"
    ds.to_netcdf(nc, engine="h5netcdf")
    img = np.full((120, 400), 0.8)
    cols = np.arange(400) * 0.5 + 0.25
    for g in chain.gb_um:
        img[:, np.argmin(np.abs(cols - g))] = 0.2
    img = ndi.gaussian_filter(img, 0.7) + rng.normal(0, 0.02, img.shape)
    png = tmp_path / "etched.png"
    plt.imsave(png, img, cmap="gray")
    return nc, png, chain


def test_gb_map_finds_and_measures_every_gb(
    field: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nc, png, chain = field
    args = [
        "gb-map",
        str(nc),
        "--micrograph",
        str(png),
        "--micrograph-pixel-size",
        "0.5 um",
        *POINTS,
        "--d-bulk",
        D,
        "--lines",
        "0,30:199,30",
        "--width",
        "20 um",
        "--json",
        "--png",
        str(tmp_path / "m.png"),
        "--csv",
        str(tmp_path / "m.csv"),
    ]
    code, out, err = run(args, capsys)
    assert code == 0, err
    data = json.loads(out)
    b = data["boundaries"]
    inner = chain.gb_um[(chain.gb_um > 8) & (chain.gb_um < 190)]
    found = np.array([x["point_um"][0] for x in b])
    assert found.size + len(data["skipped"]) >= inner.size
    for x in b:
        i = int(np.argmin(np.abs(chain.gb_um - x["point_um"][0])))
        assert abs(chain.gb_um[i] - x["point_um"][0]) < 1.0
        k = x["D_gb_over_delta"]
        if k["value"] is not None:
            assert abs(k["value"] - chain.k_true[i]) < 3 * k["stderr"]
    assert data["registration"]["rms"]["value"] < 0.1
    assert (tmp_path / "m.png").stat().st_size > 1000 and (tmp_path / "m.csv").exists()


def test_gb_map_bad_registration(
    field: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nc, png, _ = field
    out_csv = tmp_path / "t.csv"
    bad = ["--points", "0,0=0,0", "--points", "900,0=200,0", "--points", "0,119=0,60"]
    args = [
        "gb-map",
        str(nc),
        "--micrograph",
        str(png),
        "--micrograph-pixel-size",
        "0.5",
        *bad,
        "--d-bulk",
        D,
        "--csv",
        str(out_csv),
    ]
    code, _, err = run(args, capsys)
    assert code == 2 and "micrograph" in err and "Traceback" not in err
    assert not out_csv.exists()


def test_grains_cli(field: tuple, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _, png, chain = field
    code, out, _ = run(
        ["grains", str(png), "--pixel-size", "0.5 um", "--json", "--png", str(tmp_path / "g.png")],
        capsys,
    )
    assert code == 0
    data = json.loads(out)
    assert data["segmentation"]["n_grains"] == chain.gb_um.size + 1
    mli = 60 * 200 / 60 / chain.gb_um.size  # stripes: 200 um over n GBs per line
    assert data["mean_linear_intercept"]["value"] == pytest.approx(mli, rel=0.05)
    code, _, err = run(["grains", str(png), "--pixel-size", "-1 um"], capsys)
    assert code == 2 and err.startswith("error:")


def _inclined_field(
    chain_factory: Callable, tmp_path: Path, phi_deg: float
) -> tuple[Path, Path, np.ndarray, np.ndarray]:
    """A laminate of GBs whose normal n = (cos phi, sin phi) makes the signed angle phi with the
    map's x axis (from +x towards +y): the 1D chain solution C(n) with n the distance along the
    GB normal (an exact solution for a source edge parallel to the GBs: diffusion along the GB
    normal), pixels integrated 4 x 4, binomial counts; micrograph grooves along the same lines.
    Returns the map, the micrograph, the crossings of the line y = 30 um (x, um) and true k."""
    import math

    from tracerdiff.solvers.fv1d import evolve_fv1d

    phi, H_UM = math.radians(phi_deg), 0.5  # H_UM: the chain's cell size (um)
    chain = chain_factory(3, length_um=260.0)
    n = chain.conductance.size + 1
    cells = evolve_fv1d(
        np.full(n, 0.076),
        h_cm=H_UM * 1e-4,
        d_cells=2.6e-8,
        time_s=2e4,
        gb_conductance=chain.conductance,
        left="source",
        c_left=0.95,
    )
    sub = (np.arange(4) + 0.5) / 4
    xs, ys = (np.arange(200)[:, None] + sub).ravel(), (np.arange(60)[:, None] + sub).ravel()
    nn = xs[None, :] * math.cos(phi) + (ys[:, None] - 30) * math.sin(phi) + 30
    C = cells[np.clip((nn / H_UM).astype(int), 0, n - 1)].reshape(60, 4, 200, 4).mean((1, 3))
    rng = np.random.default_rng(5)
    na = rng.binomial(4000, C).astype(float)
    frac = na / 4000
    ds = xr.Dataset(
        {
            "C": (("y", "x"), frac),
            "C_err": (("y", "x"), np.sqrt(frac * (1 - frac) / 4000)),
            "n_a": (("y", "x"), na),
            "n_b": (("y", "x"), 4000 - na),
        },
        coords={
            "x": ("x", np.arange(200) + 0.5, {"units": "um"}),
            "y": ("y", np.arange(60) + 0.5, {"units": "um"}),
        },
        attrs={
            "pair": "6Li/7Li",
            "pixel_size_x_um": 1.0,
            "pixel_size_y_um": 1.0,
            "corrections": "[]",
            "n_saturated": 0,
            "n_masked": 0,
        },
    )
    nc = tmp_path / f"map{phi_deg:g}.nc"
    ds.to_netcdf(nc, engine="h5netcdf")
    cols, rows = np.arange(400) * 0.5 + 0.25, np.arange(120) * 0.5 + 0.25
    nm = cols[None, :] * math.cos(phi) + (rows[:, None] - 30) * math.sin(phi) + 30
    img = np.full(nm.shape, 0.8)
    for g in chain.gb_um:
        img[np.abs(nm - g) < 0.3] = 0.2
    png = tmp_path / f"etched{phi_deg:g}.png"
    plt.imsave(png, ndi.gaussian_filter(img, 0.7) + rng.normal(0, 0.02, img.shape), cmap="gray")
    return nc, png, (chain.gb_um - 30) / math.cos(phi), chain.k_true


@pytest.mark.parametrize(("width", "phi"), [("6 um", 25.0), ("20 um", 25.0), ("6 um", -25.0)])
def test_gb_map_inclined_boundaries(
    chain_factory: Callable,
    tmp_path: Path,
    width: str,
    phi: float,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # signed angle from the micrograph; diffusion along the GB normal (--flux-angle = phi):
    # gradient and flux / cos(phi); guard widened by w/2 tan|phi|; skipped crossings still end
    # their neighbours' windows
    nc, png, x_true, k_true = _inclined_field(chain_factory, tmp_path, phi)
    args = [
        "gb-map",
        str(nc),
        "--micrograph",
        str(png),
        "--micrograph-pixel-size",
        "0.5 um",
        *POINTS,
        "--d-bulk",
        D,
        "--lines",
        "0,30:199,30",
        "--width",
        width,
        "--json",
        "--resolution",
        "0.6 um",
    ]  # the 4 x 4 sub-pixel field: guard 2.5 x 0.6 = 1.5 um
    code, out, err = run([*args, "--flux-angle", str(phi)], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["lines"][0]["flux_angle_deg"] == phi
    assert data["guard"]["value"] == pytest.approx(1.5) and data["resolution"]["value"] == 0.6
    b = [x for x in data["boundaries"] if x["analysable"]]
    assert len(b) >= (8 if width == "6 um" else 3)
    inside = 0
    for x in b:
        i = int(np.argmin(np.abs(x_true - x["point_um"][0])))
        assert abs(x_true[i] - x["point_um"][0]) < 1.0
        assert abs(x["angle_deg"] - phi) < 3.0 and x["flux_angle_deg"] == phi
        assert "poor_fit" not in x["flags"]
        ci = x["ci95_D_gb_over_delta"]
        inside += ci["kind"] == "bounded" and ci["lower"] <= k_true[i] <= ci["upper"]
        k = x["D_gb_over_delta"]
        if x["well_measured"]:
            assert abs(k["value"] - k_true[i]) < 3 * k["stderr"]
    assert inside >= len(b) - 1
    # the default assumes the line runs along the diffusion direction: k x cos^2(phi) here
    code, out, err = run(args, capsys)
    assert code == 0, err
    for x, y in zip(b, [v for v in json.loads(out)["boundaries"] if v["analysable"]], strict=True):
        a, r = (math.radians(v) for v in (x["angle_deg"], phi))  # measured phi, given psi
        expected = math.cos(a) * math.cos(r) / math.cos(a - r)  # ~cos^2(phi)
        ratio = (
            y["gradient_estimate"]["D_gb_over_delta"]["value"]
            / x["gradient_estimate"]["D_gb_over_delta"]["value"]
        )
        assert ratio == pytest.approx(expected, rel=1e-9) and y["flux_angle_deg"] == 0.0
        assert y["normal_factor"] == pytest.approx(math.cos(a), rel=1e-12)


def test_signed_crossing_angles() -> None:
    d = np.array([1.0, 0.0])
    t = np.array(
        [
            [0.0, 1.0],
            [-math.sin(0.5), math.cos(0.5)],
            [math.sin(0.5), -math.cos(0.5)],
            [math.sin(0.5), math.cos(0.5)],
        ]
    )
    phi = signed_angles(t, d)  # normals (cos a, sin a) from tangents, either tangent sign
    assert phi == pytest.approx([0.0, math.degrees(0.5), math.degrees(0.5), -math.degrees(0.5)])
    # reversing the line reverses the oriented normal too: the same signed angle; a line along
    # +y sees the normal at 0.5 rad from x at 0.5 - pi/2 from itself
    assert signed_angles(t[1:2], -d) == pytest.approx([math.degrees(0.5)])
    assert signed_angles(t[1:2], np.array([0.0, 1.0])) == pytest.approx([math.degrees(0.5) - 90])


def test_gb_map_bad_flux_angle(
    field: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nc, png, _ = field
    out_csv = tmp_path / "t.csv"
    base = [
        "gb-map",
        str(nc),
        "--micrograph",
        str(png),
        "--micrograph-pixel-size",
        "0.5 um",
        *POINTS,
        "--d-bulk",
        D,
        "--lines",
        "0,30:199,30",
        "--csv",
        str(out_csv),
    ]
    for extra in (
        ["--flux-angle", "90"],
        ["--flux-angle", "1", "--flux-angle", "2"],
        ["--resolution", "0 um"],
    ):
        code, _, err = run([*base, *extra], capsys)
        assert code == 2 and err.startswith("error:") and "Traceback" not in err, extra
        assert not out_csv.exists()

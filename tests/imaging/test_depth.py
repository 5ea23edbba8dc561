"""Depth profiles: sputter time to depth, fraction versus depth, the profile CSV that
``fit exchange`` reads, and ``tracerdiff depth-profile``; on the real 18O IEDP profile."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tracerdiff.cli.app import main
from tracerdiff.errors import InputError
from tracerdiff.imaging.depth import DepthScale, Layer, depth_profile, sputter_depth_um
from tracerdiff.io import open_dataset, read_profile_csv, write_iontof_depth_profile

IEDP = "web_lead_gururajan/TracerDiffusionData_FeSrTiO3_973K.csv"
RATE_UM_PER_S = 0.05
N_TOTAL = 10_000_000


def test_crater_depth_and_rate() -> None:
    t = np.array([0.0, 10.0, 20.0, 40.0])
    np.testing.assert_allclose(sputter_depth_um(t, DepthScale(crater_depth_um=1.2)),
                               [0.0, 0.3, 0.6, 1.2])  # fmt: skip
    np.testing.assert_allclose(sputter_depth_um(t, DepthScale(sputter_rate_um_per_s=0.01)),
                               [0.0, 0.1, 0.2, 0.4])  # fmt: skip


def test_layers_piecewise() -> None:
    # 0.1 um at 0.01 um/s (10 s), then 0.03 um/s
    scale = DepthScale(layers=(Layer(0.1, 0.01), Layer(None, 0.03)))
    np.testing.assert_allclose(sputter_depth_um([0.0, 5.0, 10.0, 20.0], scale),
                               [0.0, 0.05, 0.1, 0.4])  # fmt: skip
    bounded = DepthScale(layers=(Layer(0.1, 0.01),))
    with pytest.raises(InputError, match="past the bottom"):
        sputter_depth_um([0.0, 20.0], bounded)


def test_crater_depth_below_known_layers() -> None:
    # 0.1 um at 0.01 um/s (10 s), then the rest of a 0.5 um crater in the remaining 20 s
    scale = DepthScale(crater_depth_um=0.5, layers=(Layer(0.1, 0.01),))
    assert scale.method == "crater_depth_layers"
    np.testing.assert_allclose(sputter_depth_um([0.0, 5.0, 10.0, 20.0, 30.0], scale),
                               [0.0, 0.05, 0.1, 0.3, 0.5])  # fmt: skip
    with pytest.raises(InputError, match="already reach"):
        sputter_depth_um([0.0, 8.0], scale)
    with pytest.raises(InputError, match="top layers' thicknesses"):
        DepthScale(crater_depth_um=0.5, layers=(Layer(None, 0.01),))


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"crater_depth_um": 1.0, "sputter_rate_um_per_s": 0.1}, {"crater_depth_um": -1.0},
     {"layers": (Layer(None, 0.1), Layer(0.1, 0.1))}],
)  # fmt: skip
def test_scale_refused(kwargs: dict) -> None:
    with pytest.raises(InputError):
        DepthScale(**kwargs)


def test_times_must_increase() -> None:
    with pytest.raises(InputError, match="increase"):
        sputter_depth_um([0.0, 2.0, 1.0], DepthScale(crater_depth_um=1.0))


@pytest.fixture
def raw_iedp(real_data: Path, tmp_path: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    """The real 18O profile as the raw sputter-time export it came from: t = x / rate, counts
    of 18O and 16O with C = c_norm out of 1e7 per cycle."""
    ref = read_profile_csv(real_data / IEDP, column="c_norm")
    x, c = ref["x_um"].values, ref["C"].values
    n18 = np.round(c * N_TOTAL)
    f = write_iontof_depth_profile(
        tmp_path / "iedp_raw.txt", x / RATE_UM_PER_S, {"^18O-": n18, "^16O-": N_TOTAL - n18}
    )
    return f, x, n18 / N_TOTAL


def test_real_iedp_profile_recovered(raw_iedp: tuple) -> None:
    f, x, c = raw_iedp
    prof = depth_profile(open_dataset(f), DepthScale(crater_depth_um=float(x[-1])))
    np.testing.assert_allclose(prof.depth_um, x, rtol=1e-9)
    np.testing.assert_allclose(prof.fraction.C_points, c, rtol=1e-12)
    ds = prof.to_dataset()
    assert list(ds.data_vars)[:2] == ["C", "C_err"] and ds["x_um"].attrs["units"] == "um"
    same = depth_profile(open_dataset(f), DepthScale(sputter_rate_um_per_s=RATE_UM_PER_S))
    np.testing.assert_allclose(same.depth_um, x, rtol=1e-9)


def test_window_keeps_the_crater_scale(raw_iedp: tuple) -> None:
    f, x, _ = raw_iedp
    t_end = x[-1] / RATE_UM_PER_S
    prof = depth_profile(open_dataset(f), DepthScale(crater_depth_um=float(x[-1])),
                         window=(0.0, t_end / 2))  # fmt: skip
    keep = x / RATE_UM_PER_S <= t_end / 2
    np.testing.assert_allclose(prof.depth_um, x[keep], rtol=1e-9)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def test_cli_csv_fits_like_the_published_profile(
    raw_iedp: tuple, real_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f, x, _ = raw_iedp
    out_csv = tmp_path / "profile.csv"
    code, out, err = _run(["depth-profile", str(f), "--crater-depth", f"{x[-1]} um",
                           "-o", str(out_csv), "--json"], capsys)  # fmt: skip
    assert code == 0, err
    d = json.loads(out)
    assert {"pair", "C", "depth_scale", "depth_max", "n_points", "corrections", "outputs"} <= set(d)
    assert d["depth_max"]["value"] == pytest.approx(x[-1])
    assert d["outputs"] == [str(out_csv)]
    fits = []
    for path, extra in ((out_csv, []), (real_data / IEDP, ["--column", "c_norm"])):
        code, out, err = _run(["fit", "exchange", str(path), "--time", "86300 s", "--json",
                               *extra], capsys)  # fmt: skip
        assert code == 0, err
        fits.append(json.loads(out))
    d_raw, d_ref = (fit["D_eff"] for fit in fits)
    # same points, binomial weights instead of equal ones: D* within two standard errors
    assert abs(d_raw["value"] - d_ref["value"]) < 2 * np.hypot(d_raw["stderr"], d_ref["stderr"])


def test_cli_text_and_refusals(raw_iedp: tuple, capsys: pytest.CaptureFixture[str]) -> None:
    f, _, _ = raw_iedp
    code, out, _ = _run(["depth-profile", str(f), "--sputter-rate", "50 nm/s"], capsys)
    assert code == 0 and "18O/16O depth profile: 30 points" in out
    code, _, err = _run(["depth-profile", str(f)], capsys)
    assert code == 2 and "exactly one of --crater-depth" in err
    code, _, err = _run(["depth-profile", str(f), "--layer", "50 nm"], capsys)
    assert code == 2 and "THICKNESS@RATE" in err
    code, out, err = _run(["depth-profile", str(f), "--crater-depth", "218.472 um", "--layer",
                           "2 um@50 nm/s"], capsys)  # fmt: skip
    assert code == 0 and "below 1 layer(s)" in out, err


def test_cli_normalisation_and_options(
    raw_iedp: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f, x, c = raw_iedp
    out_csv = tmp_path / "norm.csv"
    code, out, err = _run(["depth-profile", str(f), "--crater-depth", f"{x[-1]} um",
                           "--background", "0.0002", "--source", "0.9", "-o", str(out_csv),
                           "--json"], capsys)  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["normalised"] is True
    prof = read_profile_csv(out_csv)
    np.testing.assert_allclose(prof["C"].values, (c - 0.0002) / (0.9 - 0.0002), rtol=1e-9)
    code, _, err = _run(["depth-profile", str(f), "--crater-depth", "1 um", "--dead-time", "tof"],
                        capsys)  # fmt: skip
    assert code == 2 and "tof" in err
    code, _, err = _run(["depth-profile", str(f), "--crater-depth", "1 um", "--source", "0.9"],
                        capsys)  # fmt: skip
    assert code == 2 and "background" in err

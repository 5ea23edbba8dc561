"""``fit exchange`` (and the other single-profile fits) on a raw depth profile: D* and k* from
an IONTOF export in one command, identical to ``depth-profile -o profile.csv`` then ``fit
exchange profile.csv``; on the real 18O IEDP profile."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tracerdiff.cli.app import main
from tracerdiff.io import read_profile_csv, write_iontof_depth_profile

IEDP = "web_lead_gururajan/TracerDiffusionData_FeSrTiO3_973K.csv"
RATE_UM_PER_S = 0.05
N_TOTAL = 10_000_000


@pytest.fixture
def raw_iedp(real_data: Path, tmp_path: Path) -> tuple[Path, float]:
    """The real 18O profile as the raw sputter-time export it came from (t = x / rate, 18O and
    16O counts out of 1e7 per cycle), and its crater depth (um)."""
    ref = read_profile_csv(real_data / IEDP, column="c_norm")
    x, c = ref["x_um"].values, ref["C"].values
    n18 = np.round(c * N_TOTAL)
    f = write_iontof_depth_profile(
        tmp_path / "iedp_raw.txt", x / RATE_UM_PER_S, {"^18O-": n18, "^16O-": N_TOTAL - n18}
    )
    return f, float(x[-1])


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def _json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out, err = _run([*args, "--json"], capsys)
    assert code == 0, err
    return json.loads(out)


DEPTH_CASES = [
    ["--crater-depth", "CRATER"],
    ["--sputter-rate", "50 nm/s", "--window", "0,4000", "--pair", "18O/16O", "--saturated", "nan"],
]


@pytest.mark.parametrize("depth", DEPTH_CASES)
def test_exchange_on_raw_equals_csv_route(
    raw_iedp: tuple[Path, float],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    depth: list[str],
) -> None:
    raw, crater = raw_iedp
    depth = [f"{crater} um" if a == "CRATER" else a for a in depth]
    csv = tmp_path / "profile.csv"
    _json(["depth-profile", str(raw), *depth, "-o", str(csv)], capsys)
    fit = ["--time", "86300 s", "--fix", "C_0=0.0"]
    via_csv = _json(["fit", "exchange", str(csv), *fit], capsys)
    direct = _json(["fit", "exchange", str(raw), *depth, *fit], capsys)
    assert direct["n_points"] == via_csv["n_points"] > 20
    for key in ("D_eff", "k_s", "C_s"):
        assert direct[key]["value"] == pytest.approx(via_csv[key]["value"], rel=1e-12), key
        assert via_csv[key]["stderr"] is not None, key
        assert direct[key]["stderr"] == pytest.approx(via_csv[key]["stderr"], rel=1e-12), key
    assert direct["chi2_red"] == pytest.approx(via_csv["chi2_red"], rel=1e-12)
    assert direct["D_eff"]["unit"] == "cm^2/s" and direct["k_s"]["unit"] == "cm/s"


def test_thin_film_and_erfc_take_a_raw_profile(
    raw_iedp: tuple[Path, float], capsys: pytest.CaptureFixture[str]
) -> None:
    raw, crater = raw_iedp
    for model in ("erfc", "thin-film"):
        d = _json(["fit", model, str(raw), "--crater-depth", f"{crater} um", "--time", "86300 s"],
                  capsys)  # fmt: skip
        assert d["model"] == model and d["D_eff"]["value"] > 0


def test_raw_profile_refusals(
    raw_iedp: tuple[Path, float], capsys: pytest.CaptureFixture[str]
) -> None:
    raw, crater = raw_iedp
    base = ["fit", "exchange", str(raw), "--time", "86300 s"]
    code, _, err = _run([*base, "--crater-depth", "1 um", "--sputter-rate", "1 nm/s"], capsys)
    assert code == 2 and "exactly one of --crater-depth" in err
    code, _, err = _run([*base, "--crater-depth", f"{crater} um", "--column", "C"], capsys)
    assert code == 2 and "not a raw depth profile" in err
    code, _, err = _run([*base, "--layer", "50 nm"], capsys)
    assert code == 2 and "THICKNESS@RATE" in err
    code, _, err = _run(base, capsys)  # a raw export without a depth scale
    assert code == 2 and "needs --crater-depth, --sputter-rate or --layer" in err
    assert "Traceback" not in err

"""Golden JSON of ``tracerdiff fraction --json`` on a small deterministic image pair."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tracerdiff.cli.app import main
from tracerdiff.io import write_iontof_image

GOLDEN = Path(__file__).parent / "golden_fraction.json"


def _close(got: Any, want: Any, path: str = "") -> None:
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), path
        for k in want:
            _close(got[k], want[k], f"{path}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), path
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _close(g, w, f"{path}[{i}]")
    elif isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-5), path
    else:
        assert got == want, path


def test_fraction_json_matches_golden(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    j, i = np.mgrid[0:6, 0:8]
    a = 50 + 10 * i + j  # deterministic counts, no randomness
    b = 400 - 20 * i + 3 * j
    a[5, 7] = b[5, 7] = 0  # one zero-count pixel: masked
    kw: dict[str, Any] = {"field_of_view_um": (8 * 0.977, 6 * 0.971), "shots_per_pixel": 1}
    write_iontof_image(tmp_path / "a.txt", a, species="6Li", scans=1000, **kw)
    write_iontof_image(tmp_path / "b.txt", b, species="7Li", scans=1000, **kw)
    args = ["fraction", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--json"]
    with pytest.raises(SystemExit) as exc:
        main([*args, "--mass-resolution", "1200", "--background", "natural", "--source", "0.95"])
    assert exc.value.code == 0
    got = json.loads(capsys.readouterr().out)
    _close(got, json.loads(GOLDEN.read_text()))
    # the golden numbers themselves, recomputed independently (float64): dead time per pixel,
    # counts and variances I/(1-p) summed over the field, ratio, delta-method error, normalised
    pa, pb = a / 1000, b / 1000
    na, nb = (-1000 * np.log1p(-pa)).sum(), (-1000 * np.log1p(-pb)).sum()
    va, vb = (a / (1 - pa)).sum(), (b / (1 - pb)).sum()
    c = na / (na + nb)
    err = np.sqrt(nb**2 * va + na**2 * vb) / (na + nb) ** 2
    d = 0.95 - 0.0759
    assert got["C"]["value"] == pytest.approx((c - 0.0759) / d, rel=1e-5)
    assert got["C"]["stderr"] == pytest.approx(err / d, rel=1e-5)
    assert got["C_sys_stderr"] == 0.0 and got["n_masked"] == 1
    assert got["C_raw"]["value"] == pytest.approx(c, rel=1e-5)  # before the normalisation
    assert got["C_raw"]["stderr"] == pytest.approx(err, rel=1e-5)

"""One analysis, one function, single-profile fits: ``tracerdiff fit erfc|exchange|thin-film``
and a one-analysis study file (``profile_fit``) build the same ProfileFitOptions and call
fit_profile_options, so they give the same numbers."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.special import erfc

from tracerdiff.cli.app import main
from tracerdiff.study import run_study


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    with pytest.raises(SystemExit) as exc:
        main([*args, "--json"])
    out, err = capsys.readouterr()
    assert exc.value.code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


@pytest.fixture
def erfc_profile(tmp_path: Path, rng: np.random.Generator) -> Path:
    """An erfc profile (D = 3e-9 cm^2/s, t = 110 h, C_s 0.9, C_0 0.0759) with seeded noise."""
    x = np.linspace(0.5, 400, 160)
    t = 110 * 3600.0
    c = 0.0759 + (0.9 - 0.0759) * erfc(x * 1e-4 / (2 * math.sqrt(3e-9 * t)))
    e = np.full(x.size, 0.01)
    c = c + rng.normal(0, 0.01, x.size)
    p = tmp_path / "prof.csv"
    p.write_text(
        "x_um,C,C_err\n"
        + "".join(
            f"{float(a)!r},{float(b)!r},{float(d)!r}\n" for a, b, d in zip(x, c, e, strict=True)
        )
    )
    return p


CASES = [
    # (command, CLI flags, the same study keys)
    ("erfc", ["--fix", "C_0=0.0759"], 'model = "erfc"\nfix = { C_0 = 0.0759 }'),
    ("erfc", ["--free", "x0", "--grain-size", "16+-11 um", "--k-spread", "0.4", "--d-bulk",
              "2.6e-8 cm^2/s"],
     'model = "erfc"\nfree = ["x0"]\ngrain_size = "16+-11 um"\nk_spread = 0.4\n'
     'd_bulk = "2.6e-8 cm^2/s"'),
    ("exchange", ["--fix", "C_0=0.0759", "--homogeneous"],
     'model = "exchange"\nfix = { C_0 = 0.0759 }\nhomogeneous = true'),
    ("thin-film", ["--homogeneous"], 'model = "thin_film"\nhomogeneous = true'),
]  # fmt: skip


@pytest.mark.parametrize(("command", "flags", "keys"), CASES)
def test_profile_fit_cli_equals_study(erfc_profile: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str], command: str,
                                      flags: list[str], keys: str) -> None:  # fmt: skip
    cli = _cli(["fit", command, str(erfc_profile), "--time", "110 h", *flags], capsys)
    text = f"""[study]
title = "one fit"

[sample]
material = "LLTO"

[[measurements]]
id = "P"
kind = "profile"
files = ["{erfc_profile.name}"]

[[analyses]]
id = "a"
type = "profile_fit"
measurement = "P"
time = "110 h"
{keys}
"""
    (tmp_path / "study.toml").write_text(text, encoding="utf-8")
    res = run_study(tmp_path / "study.toml", tmp_path / "out")
    assert [o.status for o in res.outcomes] == ["ok"], res.outcomes[0].reason
    doc = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    st = doc["analyses"]["a"]["results"]
    assert "D_eff" in cli
    for key, q in cli.items():
        if isinstance(q, dict) and "value" in q and isinstance(q["value"], float):
            assert st[key]["value"] == pytest.approx(q["value"], rel=1e-12), key
            if q.get("stderr") is not None:
                assert st[key]["stderr"] == pytest.approx(q["stderr"], rel=1e-12), key
    assert st["chi2_red"] == pytest.approx(cli["chi2_red"], rel=1e-12)

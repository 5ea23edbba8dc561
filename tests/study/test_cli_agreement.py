"""One analysis, one function: the CLI command and a one-analysis study file give the same
numbers (both call the same library function with the same FractionOptions)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tracerdiff.cli.app import main
from tracerdiff.imaging import FractionOptions, field_fraction, fraction_map
from tracerdiff.io import open_images, write_iontof_image
from tracerdiff.study import run_study

FOV = (40.0, 30.0)


@pytest.fixture
def li_pair(tmp_path: Path, rng: np.random.Generator) -> tuple[Path, Path]:
    """Two ToF count images (integer counts, 16 shots x 150 scans) of a 0.55 -> 0.25 step."""
    truth = np.where(np.arange(40)[None, :] < 20, 0.55, 0.25) * np.ones((30, 1))
    tot = rng.poisson(300, truth.shape)
    a = rng.binomial(tot, truth)
    pa, pb = tmp_path / "m_6Li.txt", tmp_path / "m_7Li.txt"
    write_iontof_image(pa, a, species="6Li", field_of_view_um=FOV)
    write_iontof_image(pb, tot - a, species="7Li", field_of_view_um=FOV)
    return pa, pb


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    with pytest.raises(SystemExit) as exc:
        main([*args, "--json"])
    out, err = capsys.readouterr()
    assert exc.value.code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def _study(
    folder: Path,
    files: tuple[Path, Path],
    corrections: str,
    analysis: str = 'type = "fraction_map"',
) -> dict[str, Any]:
    text = f"""
[study]
title = "one fraction map"

[sample]
material = "LLTO"

[[measurements]]
id = "M"
kind = "image"
files = ["{files[0].name}", "{files[1].name}"]
pair = "6Li/7Li"
[measurements.corrections]
{corrections}

[[analyses]]
id = "map"
measurement = "M"
{analysis}
"""
    (folder / "study.toml").write_text(text, encoding="utf-8")
    res = run_study(folder / "study.toml", folder / "out")
    assert [o.status for o in res.outcomes] == ["ok"], res.outcomes[0].reason
    doc = json.loads((folder / "out" / "results.json").read_text(encoding="utf-8"))
    return doc["analyses"]["map"]["results"]  # type: ignore[no-any-return]


CASES = [
    # (CLI flags, the same corrections in the study file)
    (["--background", "natural", "--source", "0.95"], 'background = "natural"\nsource = 0.95'),
    (
        ["--shots-per-pixel", "16", "--scans", "150", "--bin", "2", "--imf-alpha", "1.02+-0.01",
         "--background", "0.0759+-0.001", "--source", "0.95", "--systematic", "combined",
         "--min-counts", "3", "--em-dead-time", "40 ns", "--no-drift"],
        'shots_per_pixel = 16\nscans = 150\nbin = 2\nimf_alpha = "1.02+-0.01"\n'
        'background = "0.0759+-0.001"\nsource = 0.95\nsystematic = "combined"\nmin_counts = 3\n'
        'em_dead_time = "40 ns"\ndrift = false',
    ),
    ([], ""),
]  # fmt: skip


@pytest.mark.parametrize(("flags", "corrections"), CASES)
def test_fraction_cli_equals_study(
    li_pair: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    flags: list[str], corrections: str,
) -> None:  # fmt: skip
    cli = _cli(["fraction", *map(str, li_pair), *flags], capsys)
    st = _study(tmp_path, li_pair, corrections)
    assert st["C_field"]["value"] == pytest.approx(cli["C"]["value"], rel=1e-12)
    assert st["C_field"]["stderr"] == pytest.approx(cli["C"]["stderr"], rel=1e-12)
    assert st["C_field_sys_stderr"] == pytest.approx(cli["C_sys_stderr"], rel=1e-12, abs=0)
    assert st["C_field_raw"]["value"] == pytest.approx(cli["C_raw"]["value"], rel=1e-12)
    assert st["normalised"] is cli["normalised"]
    assert st["n_masked"] == cli["n_masked"] and st["shape"] == cli["shape"]


def test_normalised_field_fraction_is_the_map_scale(li_pair: tuple[Path, Path]) -> None:
    """C_field of a normalised map is C' of the summed counts, (C - C_bg)/(C_s - C_bg)."""
    ds = open_images(list(li_pair))
    fds = fraction_map(ds, background="natural", source=0.95)
    whole = field_fraction(fds)
    na = float(np.asarray(ds["6Li"].values).sum())
    nb = float(np.asarray(ds["7Li"].values).sum())
    c = na / (na + nb)  # the counts are corrected already (IONTOF export): plain ratio
    assert whole.C_raw == pytest.approx(c, rel=1e-9)
    assert whole.C == pytest.approx((c - 0.0759) / (0.95 - 0.0759), rel=1e-9)
    assert whole.C_err == pytest.approx(np.sqrt(c * (1 - c) / (na + nb)) / (0.95 - 0.0759),
                                        rel=1e-6)  # fmt: skip
    # the map's valid pixels sit on the same (normalised) scale as C_field
    assert whole.C_mean_pixel == pytest.approx(whole.C, abs=0.02)


def test_every_cli_fraction_option_is_a_study_key() -> None:
    """The study's corrections table is the library's FractionOptions: one list of options."""
    from tracerdiff.study.schema import Measurement

    assert Measurement.model_fields["corrections"].annotation is FractionOptions
    keys = {f.alias or n for n, f in FractionOptions.model_fields.items()}
    cli_options = {"shots_per_pixel", "scans", "dead_time", "saturated", "bin", "background",
                   "source", "mass_resolution", "em_dead_time", "dwell_time", "imf_alpha",
                   "systematic", "drift", "min_counts"}  # fmt: skip
    assert cli_options <= keys


def test_line_profile_cli_equals_study(
    li_pair: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = ["--background", "0.0759+-0.001", "--source", "0.95", "--bin", "2"]
    cli = _cli(["profile", *map(str, li_pair), "--from", "2,15", "--to", "38,15", "--width",
                "4 um", *flags], capsys)  # fmt: skip
    st = _study(tmp_path, li_pair, 'background = "0.0759+-0.001"\nsource = 0.95\nbin = 2',
                analysis='type = "line_profile"\n'
                         'line = { start = "2,15", end = "38,15", width = "4 um" }')  # fmt: skip
    for key in ("x_um", "C", "C_err", "C_err_sys", "n_pixels"):
        np.testing.assert_allclose(np.asarray(st[key], dtype=float),
                                   np.asarray(cli[key], dtype=float), rtol=1e-12)  # fmt: skip
    assert st["pitch"] == cli["pitch"] and st["n_points"] == cli["n_points"] > 10
    assert st["normalised"] is cli["normalised"] is True
    table = (tmp_path / "out" / "tables" / "map_profile.csv").read_text(encoding="utf-8")
    assert table.splitlines()[0] == "x_um,C,C_err,C_err_sys,n_pixels"


def test_profile_width_needs_its_unit_in_a_study(
    li_pair: tuple[Path, Path], tmp_path: Path
) -> None:
    from tracerdiff.errors import ConfigError

    with pytest.raises(ConfigError, match="width"):
        _study(tmp_path, li_pair, "", analysis='type = "line_profile"\n'
               'line = { start = "2,15", end = "38,15", width = 4 }')  # fmt: skip

"""CLI of the model commands: JSON keys and values, plots, bad input exits 2 without output."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tracerdiff.cli.app import main


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    code = info.value.code
    return int(code if isinstance(code, int) else 1), out.out, out.err


def _json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    code, out, err = _run([*args, "--json"], capsys)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


@pytest.fixture
def tracer_csv(tmp_path: Path) -> Path:
    p = tmp_path / "tracer.csv"
    p.write_text(
        "# D_eff\nT_C,D,D_err\n22,2.2e-9,2e-10\n100,5e-8,5e-9\n200,6.6e-7,6e-8\n300,3e-6,3e-7\n",
        encoding="utf-8",
    )
    return p


def test_series_study_value(capsys: pytest.CaptureFixture[str]) -> None:
    d = _json(
        [
            "series",
            "--d-bulk",
            "2.6e-8 cm^2/s",
            "--d-gb-over-delta",
            "1.5e-6 cm/s",
            "--grain-size",
            "16+-11 um",
            "--time",
            "110 h",
        ],
        capsys,
    )
    assert d["D_eff"]["value"] == pytest.approx(2.2e-9, rel=0.01)
    assert d["D_eff"]["spread"] == pytest.approx(1.4e-9, rel=0.02)  # the study's "+-"
    assert d["D_eff"]["stderr"] is None  # no standard errors given
    assert d["D_eff"]["unit"] == "cm^2/s" and d["chain"]["n_grains"] == 18
    assert d["chain"]["k_mean"] == "harmonic"
    e = _json(
        [
            "series",
            "--d-bulk",
            "2.6e-8 cm^2/s",
            "--d-gb-over-delta",
            "1.5e-6+-0.15e-6 cm/s",
            "--grain-size",
            "16+-11 um",
            "--grain-size-error",
            "0.5 um",
        ],
        capsys,
    )
    assert 0 < e["D_eff"]["stderr"] < e["D_eff"]["spread"]
    assert d["validity"]["met"] is True


def test_series_inverse_and_models(capsys: pytest.CaptureFixture[str]) -> None:
    d = _json(
        [
            "series",
            "--d-bulk",
            "2.6e-8 cm^2/s",
            "--d-eff",
            "2.2e-9 cm^2/s",
            "--grain-size",
            "16 um",
            "--model",
            "mg3",
        ],
        capsys,
    )
    assert d["solved_for"] == "D_gb_over_delta"
    assert d["D_gb_over_delta"]["value"] == pytest.approx(1.5e-6, rel=0.01)
    h = _json(
        [
            "series",
            "--d-bulk",
            "2.6e-8 cm^2/s",
            "--d-gb-over-delta",
            "1.5e-6 cm/s",
            "--grain-size",
            "16 um",
            "--model",
            "hs",
        ],
        capsys,
    )
    assert set(h["components"]) == {"lower", "upper"}


def test_series_inverse_says_which_standard_errors_k_lacks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = ["series", "--d-bulk", "2.6e-8 cm^2/s", "--grain-size", "16+-11 um"]
    code, out, err = _run([*base, "--d-eff", "1.6e-9+-2.5e-10 cm^2/s"], capsys)
    assert code == 0, err
    # the mean grain size's error is not given: k's stderr is D_eff's alone, and says so
    assert "errors: k stderr from the standard errors of D_eff; not given, so not included: " in out
    assert "the mean grain size, D_b" in out
    d = _json([*base, "--d-eff", "1.6e-9+-2.5e-10 cm^2/s", "--grain-size-error", "0.6 um"], capsys)
    assert d["notes"][0].startswith("k stderr from the standard errors of D_eff, the mean grain")
    assert "not included: D_b;" in d["notes"][0]
    code, out, err = _run([*base, "--d-eff", "1.6e-9 cm^2/s"], capsys)
    assert code == 0, err
    assert "cm/s  (no standard error)" in out and "(standard error)" not in out
    # the given standard errors of the inputs are kept in their quantities
    base[2] = "2.6e-8+-0.3e-8 cm^2/s"
    d = _json([*base, "--d-eff", "1.6e-9 cm^2/s", "--grain-size-error", "0.6 um"], capsys)
    assert d["D_bulk"]["stderr"] == pytest.approx(3e-9)
    assert d["grain_size"]["stderr"] == pytest.approx(0.6)
    assert d["grain_size"]["note"] == "sd of single grains 11 um"


def test_series_chain_of_another_model_says_it_is_a_1d_series_chain(
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = ["series", "--d-bulk", "2.6e-8 cm^2/s", "--d-gb-over-delta", "1.5e-6 cm/s"]
    base += ["--grain-size", "16+-11 um", "--time", "59 h", "--k-spread", "0.4"]
    code, out, err = _run([*base, "--model", "hex"], capsys)
    assert code == 0, err
    assert "(1D series chain, not the hex model)" in out
    d = _json([*base, "--model", "hex"], capsys)
    assert any("1D chain of grains in series, not the hex model" in n for n in d["notes"])
    code, out, err = _run(base, capsys)
    assert code == 0, err
    assert "1D series chain" not in out


def test_series_k_spread_is_the_sigma_of_ln_k_as_for_fit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``--k-spread 0.4`` means sigma of ln k for ``series`` as for ``fit``: the chain's
    relative sd of k is sqrt(exp(0.4^2) - 1) = 0.417."""
    base = ["series", "--d-bulk", "2.6e-8 cm^2/s", "--d-gb-over-delta", "1.5e-6 cm/s"]
    base += ["--grain-size", "16+-11 um", "--time", "59 h", "--k-spread", "0.4"]
    d = _json(base, capsys)
    assert d["chain"]["k_rel_sd"] == pytest.approx(math.sqrt(math.expm1(0.16)), rel=1e-12)
    code, out, err = _run([*base[:-1], "40"], capsys)  # exp(40^2) overflowed (exit 1)
    assert code == 2 and out == "" and "must be in [0, 3]" in err and err.count("\n") == 1


def test_arrhenius_json_keys_and_png(
    tracer_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = tmp_path / "fit.png"
    d = _json(
        ["arrhenius", str(tracer_csv), "--extrapolate", "-110 degC", "--png", str(png)], capsys
    )
    for key in ("Ea", "D0", "corr_Ea_D0", "D_ref", "chi2_red"):
        assert key in d
    assert d["Ea"]["unit"] == "eV" and 0.3 < d["Ea"]["value"] < 0.45
    ex = d["extrapolation"][0]
    assert ex["temperature"]["value"] == pytest.approx(163.15)
    assert ex["lower95"]["value"] < ex["D"]["value"] < ex["upper95"]["value"]
    assert ex["upper95"]["unit"] == "cm^2/s"
    assert png.read_bytes()[:4] == b"\x89PNG"
    code, _, err = _run(["arrhenius", str(tracer_csv), "--png", str(png)], capsys)
    assert code == 2 and "Traceback" not in err
    # several data sets on one plot (study Fig. 5b/c): each fitted, listed under "also"
    sig = tmp_path / "sigma.csv"
    sig.write_text("T_C,sigma\n22,1e-3\n100,1.1e-2\n200,8e-2\n", encoding="utf-8")
    two = tmp_path / "two.png"
    d2 = _json(
        [
            "arrhenius",
            str(tracer_csv),
            "--also",
            str(sig),
            "--density",
            "5e21 cm^-3",
            "--png",
            str(two),
        ],
        capsys,
    )
    assert d2["Ea"] == d["Ea"] and [a["label"] for a in d2["also"]] == ["sigma (D_sigma)"]
    assert d2["also"][0]["Ea"]["unit"] == "eV" and two.read_bytes()[:4] == b"\x89PNG"
    bad = tmp_path / "three.png"
    code, _, err = _run(
        ["arrhenius", str(tracer_csv), "--also", str(sig), "--png", str(bad)], capsys
    )
    assert code == 2 and "--density" in err and not bad.exists()


def test_nernst_einstein_and_haven(
    capsys: pytest.CaptureFixture[str], tracer_csv: Path, tmp_path: Path
) -> None:
    d = _json(
        [
            "nernst-einstein",
            "--sigma",
            "1e-3 S/cm",
            "--temperature",
            "22 degC",
            "--density",
            "5.0e21 cm^-3",
        ],
        capsys,
    )
    assert d["D_sigma"]["value"] == pytest.approx(3.18e-8, rel=0.002)
    h = _json(
        ["haven", "--tracer", "0.048 cm^2/s", "--conductivity", "0.20 cm^2/s", "--prefactors"],
        capsys,
    )
    assert h["haven_ratio"]["value"] == pytest.approx(0.24)
    sig = tmp_path / "sigma.csv"
    sig.write_text(
        "T_C,sigma,sigma_err\n22,1e-3,1e-4\n100,1.1e-2,1e-3\n200,8e-2,8e-3\n", encoding="utf-8"
    )
    j = _json(
        [
            "haven",
            "--tracer-table",
            str(tracer_csv),
            "--conductivity-table",
            str(sig),
            "--density",
            "5e21 cm^-3",
            "--shared-ea",
        ],
        capsys,
    )
    # a shared Ea the equality test rejects is never the headline: H_R(T) with its band
    assert j["details"]["shared_ea_consistent"] is False
    assert j["method"].startswith("H_R(T)") and j["temperature"]["value"] > 0
    assert "shared-Ea value not used" in j["notes"][0]
    assert j["details"]["haven_ratio_shared_ea"]["value"] > 0
    code, out, _ = _run(
        [
            "haven",
            "--tracer-table",
            str(tracer_csv),
            "--conductivity-table",
            str(sig),
            "--density",
            "5e21 cm^-3",
            "--shared-ea",
        ],
        capsys,
    )
    assert code == 0 and "95 % band" in out and "rejected" in out and "{" not in out


def test_quench_and_regime(tracer_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    q = _json(
        [
            "quench-check",
            "--arrhenius",
            str(tracer_csv),
            "--stage-temperature",
            "-110 degC",
            "--time",
            "5 h",
            "--resolution",
            "1 um",
        ],
        capsys,
    )
    c = q["checks"]["D_eff"]
    assert c["length_imaging"]["value"] == pytest.approx(0.2, abs=0.05)
    assert q["frozen"] is True and q["warmest_stage_temperature"]["value"] > 163.15
    assert "no D_b given" in q["notes"][0]
    # D_b decides for maps: the simulation's bulk law gives ~1.2 um at -110 C over 5 h
    law = [
        "--d-bulk",
        "2.6e-8 cm^2/s",
        "--d-bulk-temperature",
        "22 degC",
        "--bulk-ea",
        "0.35 eV",
        "--stage-temperature",
        "-110 degC",
        "--time",
        "5 h",
        "--resolution",
        "1 um",
    ]
    b = _json(["quench-check", "--arrhenius", str(tracer_csv), *law], capsys)
    assert b["checks"]["D_b"]["length_total"]["value"] == pytest.approx(1.17, abs=0.03)
    assert b["frozen"] is False and b["notes"] == []
    assert b["checks"]["D_eff"]["length_total"]["value"] < 0.3
    code, out, _ = _run(["quench-check", *law], capsys)
    assert code == 0 and "NOT frozen" in out and "D_b" in out
    code, _, err = _run(
        [
            "quench-check",
            "--d-bulk",
            "2.6e-8 cm^2/s",
            "--stage-temperature",
            "-110 degC",
            "--time",
            "5 h",
            "--resolution",
            "1 um",
        ],
        capsys,
    )
    assert code == 2 and "--bulk-ea" in err
    r = _json(
        [
            "regime",
            "--d-bulk",
            "1e-14 cm^2/s",
            "--d-gb",
            "4e-10 cm^2/s",
            "--delta",
            "0.5 nm",
            "--time",
            "3 h",
            "--grain-size",
            "10 um",
        ],
        capsys,
    )
    assert r["regime"] == "B" and r["wlc_applicable"] is True
    s = _json(
        [
            "regime",
            "--d-bulk",
            "2.6e-8 cm^2/s",
            "--d-gb-over-delta",
            "1.5e-6 cm/s",
            "--grain-size",
            "16 um",
        ],
        capsys,
    )
    assert s["Bi"] == pytest.approx(0.0923, rel=1e-3)


def _table(tmp_path: Path, text: str) -> str:
    p = tmp_path / "t.csv"
    p.write_text(text, encoding="utf-8")
    return str(p)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            [
                "series",
                "--d-bulk",
                "-2.6e-8 cm^2/s",
                "--d-gb-over-delta",
                "1.5e-6 cm/s",
                "--grain-size",
                "16 um",
            ],
            "d_bulk",
        ),
        (
            [
                "series",
                "--d-bulk",
                "2.6e-8 cm^2/s",
                "--d-gb-over-delta",
                "1.5e-6 cm/s",
                "--grain-size",
                "0 um",
            ],
            "grain size",
        ),
        (
            [
                "series",
                "--d-bulk",
                "2.6e-8 cm^2/s",
                "--d-gb-over-delta",
                "1.5e-6 cm^2/s",
                "--grain-size",
                "16 um",
            ],
            "not a velocity",
        ),
        (
            [
                "nernst-einstein",
                "--sigma",
                "0 S/cm",
                "--temperature",
                "300 K",
                "--density",
                "5e21 cm^-3",
            ],
            "sigma",
        ),
        (
            [
                "nernst-einstein",
                "--sigma",
                "1e-3 S/cm",
                "--temperature",
                "300 um",
                "--density",
                "5e21 cm^-3",
            ],
            "temperature",
        ),
        (["haven", "--tracer", "0.048 cm^2/s"], "--conductivity"),
        (
            [
                "series",
                "--d-bulk",
                "2.6e-8 cm^2/s",
                "--d-gb-over-delta",
                "1.5e-6 cm/s",
                "--grain-size",
                "16 um",
                "--time",
                "-5 h",
            ],
            "diffusion time",
        ),
        (
            [
                "series",
                "--d-bulk",
                "2.6e-8 cm^2/s",
                "--d-gb-over-delta",
                "1.5e-6 cm/s",
                "--grain-size",
                "16 um",
                "--k-spread",
                "-1",
                "--n-grains",
                "3",
            ],
            "spread of k",
        ),
        (
            [
                "regime",
                "--d-bulk",
                "1e-8 cm^2/s",
                "--d-gb",
                "1e-10 cm^2/s",
                "--time",
                "1 h",
                "--grain-size",
                "10 um",
            ],
            "fast grain boundaries",
        ),
        (
            [
                "haven",
                "--tracer",
                "0.048 cm^2/s",
                "--conductivity",
                "0.2 cm^2/s",
                "--tracer-table",
                "t.csv",
            ],
            "not both",
        ),
        (["haven", "--tracer-table", "t.csv"], "--conductivity-table"),
        (
            ["haven", "--tracer", "0.048 cm^2/s", "--conductivity", "0.2 cm^2/s", "--shared-ea"],
            "--shared-ea needs",
        ),
        (
            [
                "haven",
                "--tracer",
                "0.048 cm^2/s",
                "--conductivity",
                "1e-3 S/cm",
                "--prefactors",
                "--temperature",
                "300 K",
                "--density",
                "5e21 cm^-3",
            ],
            "with --prefactors",
        ),
    ],
)
def test_bad_options_exit_2(
    args: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(args, capsys)
    assert code == 2 and out == ""
    assert needle in err and "Traceback" not in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("T_K,D\n22,1e-9\n200,1e-7\n", "looks like degrees C"),
        ("T_K,D\n300,1e-9\n400,-1e-7\n", "D must be > 0"),
        ("T_K,D\n300,1e-9\n", "2 different temperatures"),
        ("T_K,sigma\n300,-1e-3\n400,1e-3\n", "sigma must be > 0"),
    ],
)
def test_bad_tables_exit_2_without_png(
    tmp_path: Path, text: str, needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    png = tmp_path / "out.png"
    code, _, err = _run(
        ["arrhenius", _table(tmp_path, text), "--density", "5e21 cm^-3", "--png", str(png)], capsys
    )
    assert code == 2 and needle in err and "Traceback" not in err
    assert not png.exists() and not list(tmp_path.glob(".out*"))


def test_allow_cold_reaches_every_table_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cold = _table(tmp_path, "T_K,D,D_err\n30,1e-20,1e-21\n45,1e-16,1e-17\n")
    for cmd in (
        [
            "quench-check",
            "--arrhenius",
            cold,
            "--stage-temperature",
            "20 K",
            "--time",
            "5 h",
            "--resolution",
            "1 um",
        ],
        ["haven", "--tracer-table", cold, "--conductivity-table", cold],
    ):
        code, _, err = _run(cmd, capsys)
        assert code == 2 and "--allow-cold" in err
        code, _, err = _run([*cmd, "--allow-cold"], capsys)
        assert code == 0, err


def test_table_with_disagreeing_t_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ok = _table(tmp_path, "T_K,T_C,D\n295.15,22,1e-9\n473.15,200,1e-7\n")
    assert _json(["arrhenius", ok], capsys)["n_points"] == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("T_K,T_C,D\n295.15,22,1e-9\n200,200,1e-7\n", encoding="utf-8")
    code, _, err = _run(["arrhenius", str(bad)], capsys)
    assert code == 2 and "disagree" in err


def test_haven_converts_conductivity_and_text_mode(capsys: pytest.CaptureFixture[str]) -> None:
    h = _json(
        [
            "haven",
            "--tracer",
            "2.2e-9 cm^2/s",
            "--conductivity",
            "1e-3 S/cm",
            "--temperature",
            "22 degC",
            "--density",
            "5e21 cm^-3",
        ],
        capsys,
    )
    assert h["haven_ratio"]["value"] == pytest.approx(2.2e-9 / 3.175e-8, rel=1e-3)
    assert h["details"]["D_sigma"]["value"] == pytest.approx(3.175e-8, rel=1e-3)
    code, _, err = _run(
        ["haven", "--tracer", "2.2e-9 cm^2/s", "--conductivity", "1e-3 S/cm"], capsys
    )
    assert code == 2 and "--temperature and --density" in err
    code, out, _ = _run(
        [
            "series",
            "--d-bulk",
            "2.6e-8 cm^2/s",
            "--d-gb-over-delta",
            "1.5e-6 cm/s",
            "--grain-size",
            "16+-11 um",
        ],
        capsys,
    )
    assert code == 0 and "D_eff         = 2.2e-09 cm^2/s" in out
    assert "spread        = 1.4e-09 cm^2/s" in out and "not an uncertainty" in out
    assert "{" not in out and "nan" not in out


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    for cmd in ("series", "arrhenius", "nernst-einstein", "haven", "quench-check", "regime"):
        code, out, _ = _run([cmd, "--help"], capsys)
        assert code == 0 and "Example:" in out, cmd


def test_arrhenius_reads_the_tables_tracerdiff_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The study's own points tables (arrDeff_points.csv, neGB_d_sigma.csv, arrK_points.csv)."""
    tables = {
        "arrDeff_points.csv": "T_K,D_cm2_s,D_err_cm2_s\n295.15,2.2e-09,6e-12\n373.15,6.1e-08,"
        "2.6e-10\n473.15,1.0e-06,5e-09\n523.15,2.2e-06,9e-09\n",
        "neGB_d_sigma.csv": "T_K,D_sigma_cm2_s,D_sigma_err_cm2_s\n253.15,5.95e-10,1.8e-11\n"
        "273.15,2.59e-09,7.8e-11\n293.15,9.1e-09,2.7e-10\n",
        "arrK_points.csv": "T_K,k_cm_s,k_err_cm_s\n295.15,1.5e-06,\n373.15,4.3e-05,\n"
        "473.15,6.0e-04,\n",
    }
    for name, text in tables.items():
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        d = _json(["arrhenius", str(p)], capsys)
        assert 0.3 < d["Ea"]["value"] < 0.6, name
    k = _json(["arrhenius", str(tmp_path / "arrK_points.csv")], capsys)
    assert k["D0"]["unit"] == "cm/s" and k["error_source"] == "scatter"
    d = _json(["arrhenius", str(tmp_path / "arrDeff_points.csv")], capsys)
    assert d["scatter_method"] == "random_effects" and "plain" in d and "birge" in d
    code, out, _ = _run(["arrhenius", str(tmp_path / "arrDeff_points.csv")], capsys)
    assert code == 0 and "plain fit (given errors only)" in out and "random-effects" in out
    assert "{" not in out and "nan" not in out.lower()
    b = _json(
        ["arrhenius", str(tmp_path / "arrDeff_points.csv"), "--excess-scatter", "birge"], capsys
    )
    assert b["scatter_method"] == "birge" and "Birge" in b["error_method"]


def test_text_output_has_no_nan_or_dumps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    two = tmp_path / "two.csv"
    two.write_text("T_K,D\n300,1e-9\n400,1e-7\n", encoding="utf-8")
    for args in (
        ["arrhenius", str(two)],
        [
            "nernst-einstein",
            "--sigma",
            "1e-3+-1e-4 S/cm",
            "--temperature",
            "22 degC",
            "--density",
            "5e21 cm^-3",
        ],
        ["haven", "--tracer", "0.048 cm^2/s", "--conductivity", "0.20 cm^2/s", "--prefactors"],
    ):
        code, out, _ = _run(args, capsys)
        assert code == 0 and "nan" not in out.lower() and "{" not in out, args
    code, out, _ = _run(
        [
            "nernst-einstein",
            "--sigma",
            "1e-3+-1e-4 S/cm",
            "--temperature",
            "22 degC",
            "--density",
            "5e21 cm^-3",
        ],
        capsys,
    )
    assert "D_sigma = 3.17e-08 ± 3.2e-09 cm^2/s" in out

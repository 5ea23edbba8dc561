"""The ``tracerdiff simulate`` commands: outputs, JSON keys, exit code 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tracerdiff.cli.app import main


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


@pytest.fixture
def labels(tmp_path: Path) -> Path:
    lab = np.zeros((10, 40), dtype=np.int32)
    lab[:, 10:25] = 1
    lab[:, 25:] = 2
    p = tmp_path / "grains.npy"
    np.save(p, lab)
    return p


def _diffusion_args(labels: Path, out: Path) -> list[str]:
    return [
        "simulate",
        "diffusion",
        "--labels",
        str(labels),
        "--pixel-size",
        "1 um",
        "--d-bulk",
        "2.6e-8 cm^2/s",
        "--d-gb-over-delta",
        "1.5e-6 cm/s",
        "--c-initial",
        "0.0759",
        "--c-source",
        "0.95",
        "--time",
        "2 h",
        "-o",
        str(out),
        "--json",
    ]


def test_diffusion_writes_fraction_and_truth(labels: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    code, text, _ = _run(_diffusion_args(labels, out), capsys)
    assert code == 0
    payload = json.loads(text)
    assert set(payload) == {"out_dir", "files", "truth"}
    assert {"D_eff_homogenised", "steps", "error_estimate", "gb_faces"} <= set(payload["truth"])
    c = np.load(out / "fraction.npy")
    assert c.shape == (10, 40) and c.dtype == np.float64
    assert c[:, 0].min() > 0.5 and abs(c[:, 9].mean() - c[:, 10].mean()) > 0.005  # GB jump
    assert json.loads((out / "truth.json").read_text())["source"] == "left"


@pytest.mark.parametrize(
    ("swap", "value"),
    [
        ("--d-bulk", "2.6e-8 cm/s"),
        ("--c-source", "1.5"),
        ("--time", "-1 h"),
        ("--labels", "missing.npy"),
        ("--gb-faces", "diagonal"),
        ("--rtol", "-1"),
        ("--steps", "0"),
        ("--source", "inside"),
    ],
)
def test_bad_input_exits_2_without_output(
    labels: Path, tmp_path: Path, capsys, swap: str, value: str
) -> None:
    out = tmp_path / "bad"
    args = _diffusion_args(labels, out)
    if swap in args:
        args[args.index(swap) + 1] = value
    else:
        args += [swap, value]
    code, _, err = _run(args, capsys)
    assert code == 2
    assert err.startswith("error:") and "Traceback" not in err
    assert not (out / "fraction.npy").exists()


def test_plan_json_keys(capsys) -> None:
    code, text, _ = _run(
        [
            "simulate",
            "plan",
            "--material",
            "llto",
            "--temperature",
            "22 degC",
            "--time",
            "59 h",
            "--json",
        ],
        capsys,
    )
    assert code == 0
    d = json.loads(text)
    assert {
        "D_bulk",
        "k_median",
        "Bi",
        "D_eff_series",
        "diffusion_length",
        "profile",
        "dC_gb_expected",
        "noise_per_bin",
        "verdicts",
    } <= set(d)
    assert d["diffusion_length"]["unit"] == "um"
    assert d["verdicts"]["slow_gb_regime"] is True
    code, _, err = _run(
        ["simulate", "plan", "--material", "steel", "--temperature", "22 degC", "--time", "1 h"],
        capsys,
    )
    assert code == 2 and "unknown material" in err


SIM_TOML = """
seed = 4
c_initial = 0.0759
c_source = 0.95
gb_faces = "corrected"
[grid]
nx = 120
ny = 40
cell_um = 1.0
[grains]
mean_um = 10.0
sd_um = 5.0
[sims]
field_um = [100.0, 40.0]
pixels = [102, 41]
shots_per_pixel = 8
scans = 100
[[stage]]
temperature = "22 degC"
duration = "10 h"
boundary = "source"
[[stage]]
temperature = "22 degC"
duration = "2 d"
end_temperature = "60 degC"
measure = false
"""


def test_polycrystal_from_config(tmp_path: Path, capsys) -> None:
    cfg = tmp_path / "sim.toml"
    cfg.write_text(SIM_TOML)
    out = tmp_path / "poly"
    code, text, _ = _run(
        ["simulate", "polycrystal", "--config", str(cfg), "-o", str(out), "--json"], capsys
    )
    assert code == 0
    d = json.loads(text)
    assert {"out_dir", "files", "seed", "D_eff_homogenised_by_T_K"} <= set(d)
    names = {p.name for p in out.iterdir()}
    assert {
        "labels.npy",
        "truth.json",
        "preview.png",
        "stage1_6Li.txt",
        "stage1_7Li.txt",
        "fraction_stage2.npy",
    } <= names
    assert "stage2_6Li.txt" not in names
    truth = json.loads((out / "truth.json").read_text())
    far = truth["far_end_C_norm"]  # 10 h in a 120 um strip: the tracer reaches the far end
    assert len(far) == 2 and 0.05 < far[0] < far[1] <= 1.0
    code, _, err = _run(["simulate", "polycrystal", "--config", str(cfg), "-o", str(out)], capsys)
    assert code == 2 and "not empty" in err
    cfg.write_text(SIM_TOML.replace("seed = 4", "sed = 4"))
    code, _, err = _run(
        ["simulate", "polycrystal", "--config", str(cfg), "-o", str(tmp_path / "p2")], capsys
    )
    assert code == 2 and "unknown keys" in err and not (tmp_path / "p2").exists()


def test_labels_from_tiff_and_bad_label_images(tmp_path: Path) -> None:
    import tifffile

    from tracerdiff.errors import FileFormatError
    from tracerdiff.simulate import load_labels

    lab = np.arange(12, dtype=np.uint16).reshape(3, 4) // 2
    tifffile.imwrite(tmp_path / "g.tif", lab)
    assert np.array_equal(load_labels(tmp_path / "g.tif"), lab)
    np.save(tmp_path / "f.npy", np.zeros((3, 4)))
    with pytest.raises(FileFormatError):
        load_labels(tmp_path / "f.npy")  # float image: not labels
    (tmp_path / "x.png").write_bytes(b"\x89PNG")
    with pytest.raises(FileFormatError):
        load_labels(tmp_path / "x.png")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("c_source = 0.95", "c_source = 1.5", "fractions in [0, 1]"),
        ("pixels = [102, 41]", "pixels = [102, 41]\nfoo = 1", "unknown keys in [sims]"),
        ("field_um = [100.0, 40.0]", "field_um = [900.0, 40.0]", "beyond the simulated domain"),
        ("field_um = [100.0, 40.0]", 'field_um = "wide"', "expected two numbers"),
        ("scans = 100", "scans = 0", "must be >= 1"),
        ('boundary = "source"', 'boundary = "sorce"', "boundary"),
        ('duration = "10 h"', 'duration = "10 kg"', "not a time"),
    ],
)
def test_bad_config_exits_2_and_writes_nothing(
    tmp_path: Path, capsys, old: str, new: str, message: str
) -> None:
    assert old in SIM_TOML
    cfg = tmp_path / "sim.toml"
    cfg.write_text(SIM_TOML.replace(old, new))
    out = tmp_path / "run"
    code, _, err = _run(["simulate", "polycrystal", "--config", str(cfg), "-o", str(out)], capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err and not out.exists()


def test_preview_uses_no_pyplot_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The preview figure is a bare Figure on an Agg canvas: no backend switch, no pyplot
    figure left open, a readable PNG."""
    import matplotlib
    import matplotlib.pyplot as plt
    from PIL import Image

    from tracerdiff.simulate.run import read_config, run_polycrystal_config

    def no_switch(*a: object, **k: object) -> None:
        raise AssertionError("matplotlib.use() called by library code")

    monkeypatch.setattr(matplotlib, "use", no_switch)
    cfg = tmp_path / "sim.toml"
    cfg.write_text(SIM_TOML)
    figures = plt.get_fignums()
    run_polycrystal_config(read_config(cfg), tmp_path / "out")
    assert plt.get_fignums() == figures
    with Image.open(tmp_path / "out" / "preview.png") as im:
        im.load()
        assert im.size[0] > 400 and im.size[1] > 300

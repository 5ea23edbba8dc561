"""`validate` refuses impossible sample lengths and diffusivities with the key and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracerdiff.cli.app import main

_CASES = [
    ('grain_size = "16+-11 um"', 'grain_size = "-16+-11 um"', "sample.grain_size"),
    ('grain_size = "16+-11 um"', 'grain_size = "0 um"', "sample.grain_size"),
    ('d_bulk = "2.6e-8 cm^2/s"', 'd_bulk = "-2.6e-8 cm^2/s"', "sample.d_bulk"),
    ('d_bulk = "2.6e-8 cm^2/s"', 'd_bulk = "0 cm^2/s"', "sample.d_bulk"),
    (
        'd_bulk = "2.6e-8 cm^2/s"',
        'd_bulk = "2.6e-8 cm^2/s"\ngb_width = "-0.5 nm"',
        "sample.gb_width",
    ),
    (
        'd_bulk = "2.6e-8 cm^2/s"',
        'd_bulk = "2.6e-8 cm^2/s"\nmicrograph_pixel_size = "-1 um"',
        "sample.micrograph_pixel_size",
    ),
]


@pytest.mark.parametrize(("old", "new", "key"), _CASES)
def test_impossible_sample_values_refused(
    fixture_study: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    key: str,
) -> None:
    for f in fixture_study.parent.iterdir():
        if f.is_file():
            (tmp_path / f.name).write_bytes(f.read_bytes())
    study = tmp_path / "study.toml"
    text = study.read_text()
    assert old in text
    study.write_text(text.replace(old, new, 1))
    with pytest.raises(SystemExit) as exc:
        main(["validate", str(study)])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert key in err and "study.toml:" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('window = "0 um"', "window"),
        ('guard = "-1 um"', "guard"),
        ('delta = "-0.5 nm"', "delta"),
    ],
)
def test_impossible_gb_step_options_refused(
    fixture_study: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    line: str,
    key: str,
) -> None:
    for f in fixture_study.parent.iterdir():
        if f.is_file():
            (tmp_path / f.name).write_bytes(f.read_bytes())
    study = tmp_path / "study.toml"
    text = study.read_text()
    anchor = 'type = "gb_steps"\n'
    assert anchor in text
    study.write_text(text.replace(anchor, anchor + line + "\n", 1))
    with pytest.raises(SystemExit) as exc:
        main(["validate", str(study)])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert key in err and "study.toml:" in err
    assert len(err.strip().splitlines()) == 1

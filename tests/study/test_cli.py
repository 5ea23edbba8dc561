"""CLI: `tracerdiff validate`, `run` and `demo`: exit codes, JSON keys, nothing written on
errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracerdiff.cli.app import main

_EXCHANGE_B = (
    '  { name = "exchange", kind = "exchange", temperature = "22 degC", duration = "110 h" },'
)


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 1), out, err


def _copy_fixture(src: Path, dst: Path, *, replace: tuple[str, str] | None = None) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for f in src.parent.iterdir():
        (dst / f.name).write_bytes(f.read_bytes())
    if replace:
        text = (dst / "study.toml").read_text().replace(*replace)
        (dst / "study.toml").write_text(text)
    return dst / "study.toml"


def test_validate_json(fixture_study: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(["validate", str(fixture_study), "--json"], capsys)
    assert code == 0
    d = json.loads(out)
    assert set(d) == {
        "valid",
        "study",
        "title",
        "histories",
        "measurements",
        "analyses",
        "n_inputs",
        "seed",
    }
    assert d["valid"] is True and d["measurements"] == ["B0", "B1", "B2", "map0", "prof0"]
    assert d["analyses"][3] == {"id": "series", "type": "series_model"}


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        (
            ('material = "LLTO (fixture)"', 'material = "x"\nmaterail = "y"'),
            "study.toml:9: sample.materail: unknown key",
        ),
        (
            ('files = ["profile.csv"]', 'files = ["nope.csv"]'),
            "study.toml:%d: measurements[4].files[0]: no such file 'nope.csv'",
        ),
        (
            (
                _EXCHANGE_B,
                '  { name = "pre", kind = "anneal", temperature = "200 degC", '
                'duration = "1 h" },\n' + _EXCHANGE_B,
            ),
            "study.toml:%d: histories[1].stages: stage 'pre' (anneal) comes before the exchange "
            "'exchange'; expected the exchange first\n",
        ),
        (
            ('d_bulk = "2.6e-8 cm^2/s"', 'd_bulk = "2.6e-8 cm/s"'),
            "study.toml:11: sample.d_bulk: '2.6e-8 cm/s' is not a diffusivity; expected "
            "something like '1.0 cm^2/s'\n",
        ),
    ],
)
def test_bad_study_exit_2_nothing_written(
    fixture_study: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    replace: tuple[str, str],
    message: str,
) -> None:
    study = _copy_fixture(fixture_study, tmp_path / "s", replace=replace)
    out = tmp_path / "out"
    code, stdout, err = _cli(["run", str(study), "-o", str(out), "--json"], capsys)
    assert code == 2
    if "%d" in message:
        anchor = "nope" if "nope" in message else "stages = ["
        lines = study.read_text().splitlines()
        hits = [i + 1 for i, ln in enumerate(lines) if anchor in ln]
        message = message % hits[-1 if anchor == "nope" else 0]
    assert err.startswith(f"error: {message}"), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert stdout == ""
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]


def test_run_json_and_refusal(
    mini_study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, stdout, _ = _cli(["run", str(mini_study), "-o", str(out), "--json"], capsys)
    assert code == 0
    d = json.loads(stdout)
    assert set(d) == {
        "out_dir",
        "n_analyses",
        "n_ok",
        "n_failed",
        "n_skipped",
        "analyses",
        "comparisons",
        "outputs",
        "elapsed_s",
    }
    assert (d["n_analyses"], d["n_ok"]) == (2, 2)
    assert d["analyses"][1] == {
        "id": "series",
        "type": "series_model",
        "status": "ok",
        "reason": None,
    }
    assert str(out / "report.html") in d["outputs"]
    before = (out / "results.json").read_bytes()
    code, stdout, err = _cli(["run", str(mini_study), "-o", str(out)], capsys)
    assert code == 2 and "not empty; pass --force" in err and stdout == ""
    assert (out / "results.json").read_bytes() == before
    code, stdout, _ = _cli(["run", str(mini_study), "-o", str(out), "--force"], capsys)
    assert code == 0 and "2 of 2 analyses ok" in stdout


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    for cmd in ("run", "validate", "demo"):
        code, out, _ = _cli([cmd, "--help"], capsys)
        assert code == 0 and "Example: tracerdiff" in out

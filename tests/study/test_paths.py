"""Paths of a study stay in the study's folder unless allowed: resolve_study_path, the loader's
messages (key and line), ``[paths] roots`` and ``--allow-outside``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tracerdiff.errors import ConfigError
from tracerdiff.study.load import load_study
from tracerdiff.study.paths import allowed_roots, check_regular_file, resolve_study_path

PROFILE = "x_um,C\n0,0.9\n10,0.5\n20,0.2\n30,0.1\n"


def _study(files: str, *, extra: str = "", head: str = "") -> str:
    return f"""{head}[study]
title = "paths"

[sample]
material = "LLTO"

[[measurements]]
id = "p"
kind = "profile"
files = [{files}]
{extra}"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """tmp/study/ (the study's folder, with data/p.csv) and tmp/outside/q.csv beside it."""
    (tmp_path / "study" / "data").mkdir(parents=True)
    (tmp_path / "study" / "data" / "p.csv").write_text(PROFILE)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "q.csv").write_text(PROFILE)
    return tmp_path


def test_relative_path_inside_is_joined_to_the_folder(tree: Path) -> None:
    base = tree / "study"
    assert resolve_study_path("data/p.csv", base=base) == base / "data" / "p.csv"
    assert resolve_study_path("data/../data/p.csv", base=base) == base / "data/../data/p.csv"


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("../outside/q.csv", "climbs out of the study's folder with '..'"),
        ("data/../../outside/q.csv", "with '..'"),
    ],
)
def test_dotdot_escape_is_refused(tree: Path, raw: str, why: str) -> None:
    with pytest.raises(ConfigError, match=why):
        resolve_study_path(raw, base=tree / "study")


def test_absolute_path_outside_is_refused(tree: Path) -> None:
    raw = str(tree / "outside" / "q.csv")
    with pytest.raises(ConfigError, match=r"absolute path outside.*--allow-outside"):
        resolve_study_path(raw, base=tree / "study")


def test_absolute_path_inside_is_accepted(tree: Path) -> None:
    raw = str(tree / "study" / "data" / "p.csv")
    assert resolve_study_path(raw, base=tree / "study") == Path(raw)


def test_symlink_out_of_the_folder_is_refused(tree: Path) -> None:
    (tree / "study" / "link.csv").symlink_to(tree / "outside" / "q.csv")
    (tree / "study" / "linkdir").symlink_to(tree / "outside")
    for raw in ("link.csv", "linkdir/q.csv"):
        with pytest.raises(ConfigError, match="through a symlink"):
            resolve_study_path(raw, base=tree / "study")


def test_symlink_inside_the_folder_keeps_its_name(tree: Path) -> None:
    (tree / "study" / "A_6Li.csv").symlink_to(tree / "study" / "data" / "p.csv")
    got = resolve_study_path("A_6Li.csv", base=tree / "study")
    assert got.name == "A_6Li.csv"


def test_roots_allow_outside_folders(tree: Path) -> None:
    base = tree / "study"
    assert resolve_study_path("../outside/q.csv", base=base, roots=["../outside"]).is_file()
    assert resolve_study_path(
        str(tree / "outside" / "q.csv"), base=base, roots=[tree / "outside"]
    ).is_file()
    (base / "link.csv").symlink_to(tree / "outside" / "q.csv")
    assert resolve_study_path("link.csv", base=base, roots=["../outside"]).is_file()
    with pytest.raises(ConfigError):  # a root does not allow its parent
        resolve_study_path("../outside/q.csv", base=base, roots=["../outside/sub"])


def test_allowed_roots_are_real_paths(tree: Path) -> None:
    roots = allowed_roots(tree / "study", ["../outside"])
    assert roots == ((tree / "study").resolve(), (tree / "outside").resolve())


def test_empty_path_is_refused(tree: Path) -> None:
    with pytest.raises(ConfigError, match="expected a file path"):
        resolve_study_path("", base=tree)


def test_check_regular_file(tree: Path) -> None:
    check_regular_file(tree / "study" / "data" / "p.csv")
    with pytest.raises(ConfigError, match="is a folder; expected a regular data file"):
        check_regular_file(tree / "study" / "data")
    with pytest.raises(ConfigError, match=r"no such file 'nope\.csv'"):
        check_regular_file(tree / "nope.csv", shown="nope.csv")
    fifo = tree / "study" / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="is a FIFO"):
        check_regular_file(fifo)


def _write(tree: Path, text: str) -> Path:
    p = tree / "study" / "study.toml"
    p.write_text(text)
    return p


def test_loader_accepts_files_inside(tree: Path) -> None:
    st = load_study(_write(tree, _study('"data/p.csv"')))
    assert st.spec.measurements[0].files[0].name == "p.csv"


def test_loader_names_key_and_line_of_an_escape(tree: Path) -> None:
    p = _write(tree, _study('"data/p.csv", "../outside/q.csv"'))
    with pytest.raises(ConfigError) as info:
        load_study(p)
    msg = str(info.value)
    assert msg.startswith("study.toml:10: measurements[0].files[1]: '../outside/q.csv' climbs")
    assert "[paths] roots" in msg and "--allow-outside" in msg


def test_loader_refuses_absolute_paths(tree: Path) -> None:
    raw = (tree / "outside" / "q.csv").as_posix()
    with pytest.raises(ConfigError, match=r"study.toml:10: measurements\[0\].files\[0\]: .*abs"):
        load_study(_write(tree, _study(f'"{raw}"')))


def test_paths_roots_table_allows(tree: Path) -> None:
    text = _study('"../outside/q.csv"', extra='\n[paths]\nroots = ["../outside"]\n')
    st = load_study(_write(tree, text))
    assert st.spec.paths.roots == ["../outside"]
    assert st.spec.measurements[0].files[0].name == "q.csv"


def test_paths_roots_absolute(tree: Path) -> None:
    root = (tree / "outside").as_posix()
    text = _study(f'"{root}/q.csv"', head=f'[paths]\nroots = ["{root}"]\n\n')
    assert load_study(_write(tree, text)).spec.measurements[0].files[0].is_file()


def test_missing_root_is_reported_with_its_line(tree: Path) -> None:
    text = _study('"data/p.csv"', extra='\n[paths]\nroots = ["../nowhere"]\n')
    with pytest.raises(ConfigError, match=r"study.toml:13: paths.roots\[0\]: no such folder"):
        load_study(_write(tree, text))


def test_paths_table_unknown_key(tree: Path) -> None:
    text = _study('"data/p.csv"', extra='\n[paths]\nroot = ["../outside"]\n')
    with pytest.raises(
        ConfigError,
        match=r"study.toml:13: paths.root: unknown key; expected "
        "one of roots",
    ):
        load_study(_write(tree, text))


def test_allow_outside_argument(tree: Path) -> None:
    p = _write(tree, _study('"../outside/q.csv"'))
    with pytest.raises(ConfigError):
        load_study(p)
    assert load_study(p, allow_outside=[tree / "outside"]).spec.measurements


def test_truth_and_positions_table_are_checked(tree: Path) -> None:
    (tree / "outside" / "truth.json").write_text('{"D": 1}')
    comp = (
        '\n[[analyses]]\nid = "fit"\ntype = "profile_fit"\nmeasurement = "p"\n'
        'time = "1 h"\n\n[[comparisons]]\nlabel = "D"\nresult = "fit.D"\n'
        'truth = "../outside/truth.json#/D"\n'
    )
    with pytest.raises(ConfigError, match=r"comparisons\[0\].truth: '../outside/truth.json'"):
        load_study(_write(tree, _study('"data/p.csv"', extra=comp)))
    opts = 'options = { positions_um = "../outside/q.csv" }\n'
    with pytest.raises(ConfigError, match=r"measurements\[0\].options: positions_um: .*climbs"):
        load_study(_write(tree, _study('"data/p.csv"', extra=opts)))


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from tracerdiff.cli.app import main

    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 1), out, err


def test_cli_allow_outside(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = _write(tree, _study('"../outside/q.csv"'))
    code, _, err = _cli(["validate", str(p)], capsys)
    assert code == 2
    assert err.startswith("error: study.toml:10: measurements[0].files[0]: ")
    assert err.count("\n") == 1
    code, out, err = _cli(
        [
            "validate",
            str(p),
            "--allow-outside",
            str(tree / "outside"),
            "--allow-outside",
            str(tree / "elsewhere"),
        ],
        capsys,
    )
    assert code == 0, err
    assert "valid" in out


def test_cli_run_allow_outside(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = _write(tree, _study('"../outside/q.csv"'))
    out_dir = tree / "out"
    code, _, err = _cli(["run", str(p), "-o", str(out_dir)], capsys)
    assert code == 2 and "climbs out" in err
    assert not out_dir.exists()
    code, _, err = _cli(
        ["run", str(p), "-o", str(out_dir), "--allow-outside", str(tree / "outside")], capsys
    )
    assert code == 0, err
    assert (out_dir / "results.json").is_file()

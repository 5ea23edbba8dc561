"""Every command's --help: exit 0, an example, readable value names, no hard wrapping in a file;
and the root's table of commands matches what the command modules register."""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any

import pytest
import typer.main

try:  # typer >= 0.20 vendors its own click
    from typer._click import Context
except ImportError:  # pragma: no cover - older typer uses click itself
    from click import Context  # type: ignore[no-redef]

import tracerdiff.cli
from tracerdiff.cli.app import COMMANDS, app, main
from tracerdiff.cli.help import help_text
from tracerdiff.cli.lazy_group import registered_commands

#: typer's own type labels (``<bool>``, ``<str>``, ``<list[str]>``, ...) must not reach the help
TYPE_LABEL = re.compile(r"<(bool|str|int|float|path|datetime|list\[[^\]]*\])>")


def _walk(cmd: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    out = [(path, cmd)]
    ctx = Context(cmd)
    if hasattr(cmd, "list_commands"):
        for name in cmd.list_commands(ctx):
            out += _walk(cmd.get_command(ctx, name), (*path, name))
    return out


ALL = _walk(typer.main.get_command(app), ())


def _help(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as info:
        main([*path, "--help"])
    out, err = capsys.readouterr()
    assert info.value.code == 0, (path, err)
    return out


@pytest.mark.parametrize(("path", "cmd"), ALL, ids=[" ".join(p) or "root" for p, _ in ALL])
def test_every_help_page(
    path: tuple[str, ...], cmd: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _help(path, capsys)
    assert out.startswith(f"Usage: tracerdiff {' '.join(path)}".rstrip())
    assert not TYPE_LABEL.search(out), TYPE_LABEL.search(out)
    assert re.search(r"^ *Examples?:", out, re.MULTILINE), "no example"
    lines = out.splitlines()
    assert all(line == line.rstrip() for line in lines), "trailing blanks"
    # not hard-wrapped: each option's help and the first paragraph are on one line
    for param in cmd.params:
        if param.help and not param.hidden:
            assert any(" ".join(param.help.split()) in line for line in lines), param.name
    first = " ".join((cmd.help or "").split("\n\n")[0].split())
    assert any(first in line for line in lines)


def test_flags_have_no_value_name_and_values_a_readable_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = _help(("fit", "erfc"), capsys)
    assert re.search(r"^  --homogeneous +Single crystal", out, re.MULTILINE)
    assert re.search(r"^  --time TIME +Diffusion time", out, re.MULTILINE)
    assert re.search(r"^  --seed INTEGER ", out, re.MULTILINE)
    assert re.search(r"^  --k-spread FLOAT ", out, re.MULTILINE)
    assert re.search(r"^  -h, --help +Show this message", out, re.MULTILINE)
    assert "Usage: tracerdiff fit erfc [OPTIONS] PROFILE" in out


def test_a_terminal_gets_the_help_wrapped_to_its_width() -> None:
    root = typer.main.get_command(app)
    ctx = Context(root, info_name="tracerdiff")
    cmd = root.get_command(ctx, "fit").get_command(ctx, "erfc")
    text = help_text(cmd, Context(cmd, info_name="erfc", parent=ctx), width=60)
    long = [ln for ln in text.splitlines() if len(ln) > 60 and "tracerdiff " not in ln]
    assert not long, long
    assert "D_eff's error is the counting error" in text


def test_a_bare_group_prints_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["fit"])
    out, err = capsys.readouterr()
    assert info.value.code == 2 and err == ""
    assert out.startswith("Usage: tracerdiff fit") and "tracerdiff fit erfc " in out


def test_the_command_table_matches_the_modules() -> None:
    """Each module with a ``register`` is in the table, under exactly the names it registers
    (a command missing from the table would not be found)."""
    modules = {
        m.name
        for m in pkgutil.iter_modules(tracerdiff.cli.__path__)
        if hasattr(importlib.import_module(f"tracerdiff.cli.{m.name}"), "register")
    }
    assert modules == set(COMMANDS.values())
    for module in modules:
        names = {n for n, m in COMMANDS.items() if m == module}
        assert set(registered_commands(module)) == names, module

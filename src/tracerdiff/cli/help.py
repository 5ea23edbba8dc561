"""Plain-text ``--help`` for every command: readable metavars (``--time TIME``, ``--seed
INTEGER``, nothing after a flag), an example in every group, and no hard wrapping when stdout
is not a terminal (paths, examples and option help stay on one line when piped).

The help of a command is built from the click objects typer makes, without rich: it is the
same text on a terminal (wrapped to its width) and in a file (unwrapped).
"""

from __future__ import annotations

import shutil
import sys
import textwrap
from collections.abc import Callable
from typing import Any

__all__ = ["help_text", "use_plain_help"]

#: widest first column (option names); longer names put their help on the next line
_NAME_COLUMN = 30
_TYPE_NAMES = {"int": "INTEGER", "float": "FLOAT", "path": "PATH", "datetime": "DATETIME"}


def use_plain_help(command: Any) -> Any:
    """``command`` (and every subcommand of a group) prints :func:`help_text` for ``--help``."""

    def format_help(ctx: Any, formatter: Any) -> None:
        formatter.write(help_text(command, ctx) + "\n")

    setattr(command, "format_help", format_help)  # noqa: B010 - an instance override
    for sub in getattr(command, "commands", {}).values():
        use_plain_help(sub)
    return command


def help_text(command: Any, ctx: Any, *, width: int | None = None) -> str:
    """The help page of ``command``; ``width`` None: the terminal's, or unwrapped when piped."""
    width = _width() if width is None else width
    blocks = [_usage(command, ctx), _description(command, ctx, width)]
    arguments = [p for p in command.get_params(ctx) if p.param_type_name == "argument"]
    options = [p for p in command.get_params(ctx) if p.param_type_name == "option"]
    blocks.append(_section("Arguments", [_argument_row(p, ctx) for p in arguments], width))
    blocks.append(_section("Options", [_option_row(p, ctx) for p in options], width))
    if hasattr(command, "list_commands"):
        blocks.append(_section("Commands", _command_rows(command, ctx), width))
    if command.epilog:
        blocks.append(_paragraphs(command.epilog, width))
    return "\n\n".join(b for b in blocks if b)


def _width() -> int:
    """Wrap width: the terminal's columns, or no wrapping when stdout is a file or pipe."""
    try:
        tty = sys.stdout.isatty()
    except (AttributeError, ValueError):
        tty = False
    if not tty:
        return 0
    return max(40, min(shutil.get_terminal_size((100, 24)).columns, 120) - 1)


# --- the parts of a page ------------------------------------------------------------------------
def _usage(command: Any, ctx: Any) -> str:
    pieces = [ctx.command_path]
    if command.get_params(ctx):
        pieces.append("[OPTIONS]")
    for p in command.get_params(ctx):
        if p.param_type_name == "argument":
            name = _argument_name(p)
            pieces.append(name if p.required else f"[{name}]")
    if hasattr(command, "list_commands"):
        pieces.append("COMMAND [ARGS]...")
    return "Usage: " + " ".join(pieces)


def _description(command: Any, ctx: Any, width: int) -> str:
    text = (command.help or "").split("\f")[0].strip()
    if hasattr(command, "list_commands") and "Example" not in text:
        examples = [e for e in (_example(sub) for _, sub in _subcommands(command, ctx)) if e]
        if examples:
            text += "\n\n\b\nExamples:\n" + "\n".join(f"  {e}" for e in examples)
    return _paragraphs(text, width, indent=2) if text else ""


def _example(command: Any) -> str | None:
    """The command line of a command's ``Example:`` paragraph, on one line."""
    for par in (command.help or "").split("\n\n"):
        par = par.strip()
        if par.startswith("Example:"):
            return " ".join(par[len("Example:") :].split())
    return None


def _section(title: str, rows: list[tuple[str, str]], width: int) -> str:
    rows = [r for r in rows if r[0]]
    if not rows:
        return ""
    return f"{title}:\n" + _definition_list(rows, width)


def _command_rows(group: Any, ctx: Any) -> list[tuple[str, str]]:
    return [(name, _first_paragraph(sub)) for name, sub in _subcommands(group, ctx)]


def _subcommands(group: Any, ctx: Any) -> list[tuple[str, Any]]:
    out = []
    for name in group.list_commands(ctx):
        sub = group.get_command(ctx, name)
        if sub is not None and not sub.hidden:
            out.append((name, sub))
    return out


def _first_paragraph(command: Any) -> str:
    text = command.short_help or (command.help or "").split("\f")[0]
    return " ".join(text.strip().split("\n\n")[0].split())


# --- parameters -----------------------------------------------------------------------------------
def _argument_name(param: Any) -> str:
    name = param.metavar or (param.name or "").upper()
    return f"{name}..." if param.nargs != 1 else name


def _argument_row(param: Any, ctx: Any) -> tuple[str, str]:
    if getattr(param, "hidden", False):
        return "", ""
    return _argument_name(param), _param_help(param, ctx)


def _option_row(param: Any, ctx: Any) -> tuple[str, str]:
    if getattr(param, "hidden", False):
        return "", ""
    metavar = "" if param.is_flag or getattr(param, "count", False) else _metavar(param, ctx)
    names = []
    for opts in (param.opts, param.secondary_opts):
        if opts:
            ordered = sorted(opts, key=lambda o: (o.startswith("--"), o))
            names.append(", ".join(ordered) + (f" {metavar}" if metavar else ""))
    return " / ".join(names), _param_help(param, ctx)


def _metavar(param: Any, ctx: Any) -> str:
    """A readable value name: the option's own metavar, INTEGER/FLOAT/PATH, the choices, or
    the option's name in capitals (``--time TIME``); never ``<str>`` or ``<bool>``."""
    if param.metavar:
        return str(param.metavar)
    display: Callable[[Any], str] | None = getattr(param, "display_type", None)
    label = display(ctx) if display is not None else ""
    label = label.strip("<>")
    if label.startswith("list[") and label.endswith("]"):
        label = label[5:-1]
    label = label.removesuffix(" range")
    if "|" in label:
        return f"[{label}]"
    if label in _TYPE_NAMES:
        return _TYPE_NAMES[label]
    longest = max(param.opts, key=len).lstrip("-") if param.opts else (param.name or "value")
    return longest.replace("-", "_").upper()


def _param_help(param: Any, ctx: Any) -> str:
    record = param.get_help_record(ctx)
    text = record[1] if record else (getattr(param, "help", None) or "")
    text = " ".join(text.split("\n")).strip()
    if getattr(param, "multiple", False) and "repeat" not in text.lower():
        text += "  [repeatable]"
    return text


# --- layout ---------------------------------------------------------------------------------------
def _definition_list(rows: list[tuple[str, str]], width: int) -> str:
    column = min(max(len(name) for name, _ in rows), _NAME_COLUMN) + 4
    lines = []
    for name, text in rows:
        first = f"  {name}"
        if len(first) + 2 > column and text:
            lines.append(first)
            first = ""
        lines.append(_hanging(first.ljust(column) + text, column, width).rstrip())
    return "\n".join(lines)


def _hanging(line: str, indent: int, width: int) -> str:
    if not width or len(line) <= width:
        return line
    return textwrap.fill(line, width=width, subsequent_indent=" " * indent, break_on_hyphens=False)


def _paragraphs(text: str, width: int, *, indent: int = 0) -> str:
    """Paragraphs (blank-line separated) joined into one line each and wrapped to ``width``;
    a paragraph starting with ``\\b`` or holding indented lines keeps its line breaks."""
    pad = " " * indent
    out = []
    for par in textwrap.dedent(text).split("\n\n"):
        lines = par.strip("\n").split("\n")
        if lines[0].strip() == "\b" or any(ln.startswith(" ") for ln in lines[1:]):
            out.append("\n".join(pad + ln for ln in lines if ln.strip() != "\b"))
        elif not width or par.lstrip().startswith("Example"):
            out.append(pad + " ".join(par.split()))
        else:
            out.append(
                textwrap.fill(
                    " ".join(par.split()),
                    width,
                    initial_indent=pad,
                    subsequent_indent=pad,
                    break_on_hyphens=False,
                )
            )
    return "\n\n".join(out)

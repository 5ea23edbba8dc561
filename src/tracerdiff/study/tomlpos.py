"""Line numbers of keys in a TOML text (tomllib gives none).

:func:`key_lines` scans the text once and maps every key path it can recognise to the line where
it is written: table headers ``[a.b]``, arrays of tables ``[[a]]`` (with their element index),
``key = value`` lines (dotted keys too), and the keys and elements of inline tables and arrays.
:func:`line_of` finds the line of a pydantic error location, falling back to the nearest parent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["format_loc", "key_lines", "line_of"]

Path = tuple[str | int, ...]

_BARE = r"[A-Za-z0-9_-]+"
_KEYPART = rf"(?:{_BARE}|\"[^\"]*\"|'[^']*')"
_KEY = re.compile(rf"\s*({_KEYPART}(?:\s*\.\s*{_KEYPART})*)\s*=")
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_KEYPART}(?:\s*\.\s*{_KEYPART})*)\s*\]\]?")


def _split_key(text: str) -> list[str]:
    parts = re.findall(_KEYPART, text)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


@dataclass
class _Frame:
    """An open inline container: ``kind`` "array" or "table", its key path, last index."""

    kind: str
    path: Path
    index: int = -1


class _Scanner:
    """Walks the text character by character, tracking containers of inline values."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.pos: dict[Path, int] = {}
        self.arrays: dict[Path, int] = {}  # array-of-tables path -> last index
        self.prefix: Path = ()

    def _resolve(self, parts: list[str], *, new_array: bool) -> Path:
        path: Path = ()
        for i, part in enumerate(parts):
            path = (*path, part)
            last = i == len(parts) - 1
            if last and new_array:
                idx = self.arrays.get(path, -1) + 1
                self.arrays[path] = idx
                path = (*path, idx)
            elif path in self.arrays:
                path = (*path, self.arrays[path])
        return path

    def run(self) -> dict[Path, int]:
        n = 0
        while n < len(self.lines):
            line = self.lines[n]
            m = _HEADER.match(line)
            if m:
                is_array = m.group(1) == "[["
                self.prefix = self._resolve(_split_key(m.group(2)), new_array=is_array)
                self.pos.setdefault(self.prefix, n + 1)
                if is_array:  # the array itself is where its first element starts
                    self.pos.setdefault(self.prefix[:-1], n + 1)
                n += 1
                continue
            km = _KEY.match(line)
            if km and not line.lstrip().startswith("#"):
                path = (*self.prefix, *_split_key(km.group(1)))
                self.pos.setdefault(path, n + 1)
                n = self._value(path, n, km.end())
                continue
            n += 1
        return self.pos

    def _value(self, path: Path, n: int, col: int) -> int:
        """Scan a value starting at line ``n``, column ``col``; return the next line index."""
        stack: list[_Frame] = []
        expect_key = False
        text = self.lines[n]
        i = col
        while True:
            if i >= len(text):
                if not stack:
                    return n + 1
                n += 1
                if n >= len(self.lines):
                    return n
                text, i = self.lines[n], 0
                continue
            ch = text[i]
            if ch in " \t,":
                i += 1
                continue
            if ch == "#":
                i = len(text)
                continue
            top = stack[-1] if stack else None
            if top is not None and top.kind == "table" and expect_key:
                km = _KEY.match(text, i)
                if km:
                    path = (*top.path, *_split_key(km.group(1)))
                    self.pos.setdefault(path, n + 1)
                    i, expect_key = km.end(), False
                    continue
            if top is not None and top.kind == "array" and ch not in "]":
                top.index += 1
                path = (*top.path, top.index)
                self.pos.setdefault(path, n + 1)
            if ch in "[{":
                stack.append(_Frame("array" if ch == "[" else "table", path))
                expect_key = ch == "{"
                i += 1
                continue
            if ch in "]}":
                stack.pop()
                i += 1
                if stack and stack[-1].kind == "table":
                    expect_key = True
                if not stack:
                    return n + 1
                continue
            n, text, i = self._scalar(n, text, i)
            if not stack:
                return n + 1
            if stack[-1].kind == "table":
                expect_key = True

    def _scalar(self, n: int, text: str, i: int) -> tuple[int, str, int]:
        """Skip one scalar (strings, possibly multi-line, numbers, dates, booleans)."""
        for quote in ('"""', "'''"):
            if text.startswith(quote, i):
                j = text.find(quote, i + 3)
                while j < 0 and n + 1 < len(self.lines):
                    n += 1
                    text = self.lines[n]
                    j = text.find(quote)
                return n, text, (len(text) if j < 0 else j + 3)
        if text[i] in "\"'":
            q = text[i]
            j = i + 1
            while j < len(text) and text[j] != q:
                j += 2 if (q == '"' and text[j] == "\\") else 1
            return n, text, j + 1
        j = i
        while j < len(text) and text[j] not in ",]}#":
            j += 1
        return n, text, j


def key_lines(text: str) -> dict[Path, int]:
    """Map key paths (``("measurements", 2, "pair")``) to 1-based line numbers in ``text``."""
    return _Scanner(text).run()


def line_of(
    positions: dict[Path, int], loc: Sequence[str | int], *, tags: frozenset[str] = frozenset()
) -> tuple[int | None, Path]:
    """Line of the error location ``loc`` and the cleaned path.

    ``tags`` are the names pydantic inserts for tagged unions (dropped when they follow a list
    index); when the full path is not written in the file, the nearest written parent is used.
    """
    path: Path = ()
    for part in loc:
        if isinstance(part, str) and path and isinstance(path[-1], int) and part in tags:
            continue
        if isinstance(part, str) and ("[" in part or "(" in part):
            continue  # pydantic's names of validator functions
        path = (*path, part)
    for cut in range(len(path), -1, -1):
        if path[:cut] in positions:
            return positions[path[:cut]], path
    return None, path


def format_loc(path: Sequence[str | int]) -> str:
    """``("measurements", 2, "pair")`` -> ``"measurements[2].pair"``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"

"""Equivalent circuits in the usual string form, evaluated on angular frequencies.

Grammar (the form of impedance.py and ZView): elements in series are joined by ``-``, elements
in parallel are written ``p(a,b,...)``; parallel groups may nest.  Elements, each named by its
type and a number (``R0``, ``CPE1``):

| element | impedance | parameters (units) |
|---|---|---|
| ``R`` | R | R (ohm) |
| ``C`` | 1 / (j w C) | C (F) |
| ``L`` | j w L | L (H) |
| ``CPE`` | 1 / (Q (j w)^n) | Q (F s^(n-1)), n (dimensionless, 0 < n <= 1) |

Parameter names are the element name for one-parameter elements (``R1``) and
``<element>_Q``, ``<element>_n`` for a CPE.  Example: the polycrystal circuit
``R0-p(R1,CPE1)-p(R2,CPE2)-CPE3`` (series resistance, bulk arc, grain-boundary arc, blocking
electrode).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError

__all__ = ["Circuit", "default_circuit", "parse_circuit"]

ComplexArray = NDArray[np.complex128]
_ELEMENT = re.compile(r"(CPE|R|C|L)(\d+)$")
_UNITS = {"R": "ohm", "C": "F", "L": "H", "Q": "F s^(n-1)", "n": ""}


@dataclass(frozen=True)
class Element:
    kind: str
    name: str

    @property
    def parameters(self) -> tuple[str, ...]:
        return (f"{self.name}_Q", f"{self.name}_n") if self.kind == "CPE" else (self.name,)


@dataclass(frozen=True)
class Group:
    parallel: bool
    parts: tuple[Node, ...]


Node = Union[Element, Group]  # noqa: UP007 - a recursive alias needs the runtime form


def _split_top(text: str) -> list[str]:
    """``text`` split at ``-`` outside parentheses."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            raise InputError(f"circuit {text!r}: unbalanced ')'")
        if ch == "-" and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if depth != 0:
        raise InputError(f"circuit {text!r}: unbalanced '('")
    return [*parts, cur]


def _split_commas(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [*parts, cur]


def _parse(text: str, full: str) -> Node:
    parts = _split_top(text)
    if len(parts) > 1:
        return Group(False, tuple(_parse(p, full) for p in parts))
    t = parts[0]
    if t.startswith("p(") and t.endswith(")"):
        inner = _split_commas(t[2:-1])
        if len(inner) < 2:
            raise InputError(f"circuit {full!r}: p(...) needs at least two branches")
        return Group(True, tuple(_parse(p, full) for p in inner))
    m = _ELEMENT.match(t)
    if not m:
        raise InputError(
            f"circuit {full!r}: {t!r} is not an element; expected R, C, L or CPE "
            "followed by a number (e.g. 'R0-p(R1,CPE1)')"
        )
    return Element(m.group(1), t)


def _elements(node: Node) -> list[Element]:
    if isinstance(node, Element):
        return [node]
    return [e for p in node.parts for e in _elements(p)]


def _impedance(node: Node, w: NDArray[np.float64], values: dict[str, Any]) -> ComplexArray:
    """Z of ``node``; ``values`` may hold arrays that broadcast against ``w``."""
    if isinstance(node, Element):
        jw = (1j * w).astype(np.complex128)
        if node.kind == "R":
            return np.asarray(values[node.name] * np.ones_like(w), dtype=np.complex128)
        if node.kind == "C":
            z = 1.0 / (jw * values[node.name])
        elif node.kind == "L":
            z = jw * values[node.name]
        else:
            z = 1.0 / (values[f"{node.name}_Q"] * jw ** values[f"{node.name}_n"])
        return np.asarray(z, dtype=np.complex128)
    zs = [_impedance(p, w, values) for p in node.parts]
    if node.parallel:
        return 1.0 / np.sum([1.0 / z for z in zs], axis=0)
    return np.sum(zs, axis=0)


@dataclass(frozen=True)
class Circuit:
    """A parsed circuit: its string, element tree and parameter names in order."""

    text: str
    tree: Node
    parameters: tuple[str, ...]

    def units(self) -> tuple[str, ...]:
        """Unit of each parameter (``ohm``, ``F``, ``H``, ``F s^(n-1)``, ``""``)."""
        return tuple(
            _UNITS[p.rsplit("_", 1)[1] if "_" in p else p.rstrip("0123456789")]
            for p in self.parameters
        )

    def impedance(self, frequency_Hz: ArrayLike, params: ArrayLike) -> ComplexArray:
        """Z (ohm) at ``frequency_Hz`` for parameter values in the order of ``parameters``."""
        p = np.asarray(params, dtype=float).ravel()
        if p.size != len(self.parameters):
            raise InputError(
                f"circuit {self.text!r} has {len(self.parameters)} parameters; got {p.size} values"
            )
        w = 2.0 * np.pi * np.asarray(frequency_Hz, dtype=float)
        return _impedance(self.tree, w, dict(zip(self.parameters, p.tolist(), strict=True)))

    def impedance_batch(self, frequency_Hz: ArrayLike, params: ArrayLike) -> ComplexArray:
        """Z (ohm) for each row of ``params`` (rows x parameters): shape (rows, frequencies)."""
        p = np.atleast_2d(np.asarray(params, dtype=float))
        w = 2.0 * np.pi * np.asarray(frequency_Hz, dtype=float)[None, :]
        values = {name: p[:, [k]] for k, name in enumerate(self.parameters)}
        return _impedance(self.tree, w, values)

    def rc_pairs(self) -> tuple[tuple[str, str], ...]:
        """The (R, CPE-or-C) element names of every two-branch parallel group ``p(R, CPE)``."""
        out: list[tuple[str, str]] = []

        def walk(node: Node) -> None:
            if isinstance(node, Element):
                return
            kinds = [p.kind if isinstance(p, Element) else "" for p in node.parts]
            if (
                node.parallel
                and len(kinds) == 2
                and "R" in kinds
                and ("CPE" in kinds or "C" in kinds)
            ):
                r = node.parts[kinds.index("R")]
                c = node.parts[1 - kinds.index("R")]
                assert isinstance(r, Element) and isinstance(c, Element)
                out.append((r.name, c.name))
                return
            for p in node.parts:
                walk(p)

        walk(self.tree)
        return tuple(out)

    def series_elements(self) -> tuple[Element, ...]:
        """Elements in series at the top level (not inside a parallel group)."""
        t = self.tree
        parts = t.parts if isinstance(t, Group) and not t.parallel else (t,)
        return tuple(p for p in parts if isinstance(p, Element))


def parse_circuit(text: str) -> Circuit:
    """Parse a circuit string; :class:`InputError` for bad syntax or repeated names."""
    t = re.sub(r"\s+", "", str(text))
    if not t:
        raise InputError("the circuit string is empty; expected e.g. 'R0-p(R1,CPE1)'")
    tree = _parse(t, t)
    names = [e.name for e in _elements(tree)]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"circuit {t!r}: element names repeat ({', '.join(dup)})")
    params = tuple(p for e in _elements(tree) for p in e.parameters)
    return Circuit(t, tree, params)


def default_circuit(
    *, arcs: int = 2, electrode: bool = True, series_r: bool = False, inductance: bool = False
) -> Circuit:
    """The polycrystal circuit: ``[L0-][R0-]p(R1,CPE1)[-p(R2,CPE2)][-CPE3]``: bulk arc,
    grain-boundary arc, blocking electrode, optional series resistance and inductance."""
    if arcs not in (1, 2, 3):
        raise InputError(f"arcs must be 1, 2 or 3; got {arcs}")
    parts = (["L0"] if inductance else []) + (["R0"] if series_r else [])
    parts += [f"p(R{i},CPE{i})" for i in range(1, arcs + 1)]
    if electrode:
        parts.append(f"CPE{arcs + 1}")
    return parse_circuit("-".join(parts))

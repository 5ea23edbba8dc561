"""Which fitted arc is the bulk and which the grain boundary (by capacitance).

The arcs R||CPE (or R||C) of a fit are sorted by their effective capacitance: the smallest is
the bulk (geometric capacitance, ~pF per cm), the next the grain boundary (~nF per cm); further
arcs are left unassigned.  A fit with one arc: the arc is the bulk if its C d/A is below
1e-10 F/cm, otherwise the grain boundary, with a series resistance ``R0`` (if the circuit has
one) as the bulk resistance of an arc above the measured frequencies.  ``roles`` overrides the
choice (``{"bulk": "R1", "gb": "R2"}``).  Capacitances far from their usual range are noted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .capacitance import (
    BULK_MAX_F_PER_CM,
    GB_RANGE_F_PER_CM,
    ArcCapacitance,
    brug_capacitance,
    brug_gradient,
    classify_capacitance,
)
from .circuits import parse_circuit
from .result import CircuitFit

__all__ = ["Assignment", "arc_capacitances", "assign_arcs"]


@dataclass(frozen=True)
class Assignment:
    """Element names of the bulk and grain-boundary resistances and their arcs."""

    bulk_r: str | None
    gb_r: str | None
    bulk_arc: ArcCapacitance | None
    gb_arc: ArcCapacitance | None
    arcs: tuple[ArcCapacitance, ...]
    notes: tuple[str, ...]


def _arc(fit: CircuitFit, r_name: str, c_name: str, cell_per_cm: float) -> ArcCapacitance:
    r = fit.value(r_name)
    if c_name.startswith("CPE"):
        names = [r_name, f"{c_name}_Q", f"{c_name}_n"]
        q, n = fit.value(names[1]), fit.value(names[2])
        c = brug_capacitance(q, n, r)
        g = np.array(brug_gradient(q, n, r))
        tau = (r * q) ** (1.0 / n)
    else:
        names = [r_name, c_name]
        c = fit.value(c_name)
        g = np.array([0.0, 1.0])
        tau = r * c
    cov = fit.sub_covariance(names)
    cov = np.where(np.isnan(cov), 0.0, cov)  # a parameter held at its bound contributes none
    var = float(g @ cov @ g)
    err = math.sqrt(var) if np.isfinite(var) and var > 0 else None
    if any(n in fit.undetermined for n, gi in zip(names, g, strict=True) if gi != 0):
        err = None
    return ArcCapacitance(r_name, c_name, c, err, c * cell_per_cm, 1.0 / (2 * math.pi * tau))


def arc_capacitances(fit: CircuitFit, cell_per_cm: float = 1.0) -> tuple[ArcCapacitance, ...]:
    """Every arc of ``fit`` with its capacitance, smallest capacitance first."""
    arcs = [_arc(fit, r, c, cell_per_cm) for r, c in parse_circuit(fit.circuit).rc_pairs()]
    return tuple(sorted(arcs, key=lambda a: a.capacitance_F))


def _range_notes(
    bulk: ArcCapacitance | None, gb: ArcCapacitance | None, geometric: bool
) -> list[str]:
    if not geometric:
        return ["no thickness and area: capacitances compared as if d/A were 1 cm^-1"]
    notes = []
    if bulk is not None and bulk.c_per_cell_F_cm >= BULK_MAX_F_PER_CM:
        notes.append(
            f"the arc taken as bulk has C d/A = {bulk.c_per_cell_F_cm:.2g} F/cm, "
            "large for a bulk arc: the bulk arc may lie above the measured frequencies"
        )
    if gb is not None and not GB_RANGE_F_PER_CM[0] <= gb.c_per_cell_F_cm < GB_RANGE_F_PER_CM[1]:
        notes.append(
            f"the arc taken as grain boundary has C d/A = {gb.c_per_cell_F_cm:.2g} "
            "F/cm, outside the usual 1e-11 to 1e-7 F/cm"
        )
    return notes


def _by_roles(
    arcs: tuple[ArcCapacitance, ...], roles: dict[str, str], params: tuple[str, ...]
) -> Assignment:
    unknown = set(roles) - {"bulk", "gb"}
    if unknown:
        raise InputError(f"roles: expected keys 'bulk' and/or 'gb'; got {sorted(unknown)}")
    for r in roles.values():
        if r not in params:
            raise InputError(f"roles: {r!r} is not a resistance of the circuit")
    find = {a.r_name: a for a in arcs}
    b, g = roles.get("bulk"), roles.get("gb")
    return Assignment(
        b,
        g,
        find.get(b or ""),
        find.get(g or ""),
        arcs,
        ("bulk and grain-boundary elements given by the user",),
    )


def assign_arcs(
    fit: CircuitFit, cell_per_cm: float | None = None, roles: dict[str, str] | None = None
) -> Assignment:
    """Bulk and grain-boundary arcs of ``fit`` (``cell_per_cm`` = d/A in 1/cm, or None)."""
    arcs = arc_capacitances(fit, 1.0 if cell_per_cm is None else cell_per_cm)
    if roles:
        return _by_roles(arcs, roles, fit.parameters)
    notes: list[str] = []
    bulk = gb = None
    bulk_r = gb_r = None
    if len(arcs) >= 2:
        bulk, gb = arcs[0], arcs[1]
        bulk_r, gb_r = bulk.r_name, gb.r_name
        if len(arcs) > 2:
            notes.append(
                f"{len(arcs) - 2} further arc(s) left unassigned: "
                + ", ".join(a.r_name for a in arcs[2:])
            )
    elif len(arcs) == 1:
        kind = classify_capacitance(arcs[0].c_per_cell_F_cm)
        if kind == "bulk":
            bulk, bulk_r = arcs[0], arcs[0].r_name
            notes.append("one arc, with a bulk-like capacitance: no grain-boundary arc")
        else:
            gb, gb_r = arcs[0], arcs[0].r_name
            if "R0" in fit.parameters:
                bulk_r = "R0"
                notes.append(
                    "one arc, with a grain-boundary-like capacitance: R0 taken as the "
                    "bulk resistance (bulk arc above the measured frequencies)"
                )
            else:
                notes.append(
                    "one arc, with a grain-boundary-like capacitance, and no series "
                    "resistance: no bulk resistance"
                )
    else:
        notes.append("the circuit has no R||CPE arc: nothing to assign")
    notes += _range_notes(bulk, gb, cell_per_cm is not None)
    return Assignment(bulk_r, gb_r, bulk, gb, arcs, tuple(notes))

"""``tracerdiff arrhenius``: a weighted Arrhenius fit of a table (Ea, D0, covariance, D_ref,
curvature test), extrapolation with its band, and the Arrhenius plot of one or several tables."""

from __future__ import annotations

from typing import Any

import typer

from ..outputs import check_writable
from .common import emit, save_png
from .model_args import ALLOW_COLD, JSON, fit_table, required_temperature

__all__ = ["arrhenius"]

_EXTRAPOLATE = typer.Option([], "--extrapolate", help="T to extrapolate to (repeatable).")
_ALSO = typer.Option(
    [],
    "--also",
    help="Another table, fitted and plotted on the same PNG (repeatable; JSON key 'also').",
)


def arrhenius(
    table: str = typer.Argument(
        ..., help="CSV: T_K or T_C; D (optional D_err) or sigma (optional sigma_err)."
    ),
    reference_t: str | None = typer.Option(None, "--reference-T", help="T for D_ref."),
    extrapolate: list[str] = _EXTRAPOLATE,
    density: str | None = typer.Option(None, "--density", help="n for sigma, '5e21 cm^-3'."),
    charge: int = typer.Option(1, "--charge", help="Charge number z."),
    allow_cold: bool = ALLOW_COLD,
    png: str | None = typer.Option(None, "--png", help="Write an Arrhenius plot here."),
    also: list[str] = _ALSO,
    force: bool = typer.Option(False, "--force", help="Overwrite --png."),
    excess_scatter: str = typer.Option(
        "random-effects",
        "--excess-scatter",
        help="Errors when the scatter exceeds them: random-effects|birge|none.",
    ),
    as_json: bool = JSON,
) -> None:
    """Weighted Arrhenius fit of ln D against 1/T (Ea, D0, covariance, D_ref, curvature test).

    Reads tables with T_K or T_C and D [D_err], sigma [sigma_err], or the tables tracerdiff
    writes (D_cm2_s, D_sigma_cm2_s, k_cm_s with their _err columns). When the scatter exceeds
    the given errors, the errors come from a random-effects term (or Birge scaling); the plain
    fit is reported beside.

    Example: tracerdiff arrhenius tracer.csv --also sigma.csv --density "5e21 cm^-3"
    --extrapolate "-110 degC" --png fig5.png --json
    """
    temps = [required_temperature(t, "--extrapolate") for t in extrapolate]
    if png:
        check_writable(png, force=force)
    from ..models.text import arrhenius_text

    method = excess_scatter.replace("-", "_")
    r = fit_table(table, density, charge, allow_cold, reference_t, method)
    others = [fit_table(t, density, charge, allow_cold, reference_t, method) for t in also]
    payload = r.to_dict()
    if others:
        payload["also"] = [o.to_dict() for o in others]
    if temps:
        payload["extrapolation"] = _extrapolation(r, temps)
    if png:
        _write_png([r, *others], png, force, temps)
        payload["png"] = png
    text = "\n\n".join([arrhenius_text(r, payload), *(arrhenius_text(o) for o in others)])
    emit(payload, as_json=as_json, text=text)


def _extrapolation(r: Any, temps: list[float]) -> list[dict[str, Any]]:
    """D with its 95 % band at each temperature (K), JSON-plain."""
    from ..models.arrhenius_options import extrapolation

    return extrapolation(r, temps)


def _write_png(fits: list[Any], path: str, force: bool, temps: list[float]) -> None:
    """The fits on one Arrhenius plot over the data and extrapolation range (an Agg figure)."""
    from ..models import plot_arrhenius

    ts = [float(t) for f in fits for t in f.temperature_K] + temps
    ax = plot_arrhenius(fits, t_range_K=(min(ts), max(ts)))
    save_png(ax.figure, path, force=force, dpi=120)

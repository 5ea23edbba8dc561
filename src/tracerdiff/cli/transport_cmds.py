"""``tracerdiff nernst-einstein`` (D_sigma from a conductivity) and ``tracerdiff haven``
(H_R = D* / D_sigma from two values or two Arrhenius tables)."""

from __future__ import annotations

from typing import Any

import typer

from ..errors import InputError, UnitError
from .common import emit, parse_q, parse_q_with_error, parse_t
from .model_args import ALLOW_COLD, JSON, fit_table, required, required_temperature

__all__ = ["haven", "nernst_einstein"]


def nernst_einstein(
    sigma: str = typer.Option(..., "--sigma", help="Conductivity, '1e-3 S/cm'."),
    temperature: str = typer.Option(..., "--temperature", help="'22 degC' or '295 K'."),
    density: str = typer.Option(..., "--density", help="Carrier density, '5.0e21 cm^-3'."),
    charge: int = typer.Option(1, "--charge", help="Charge number z."),
    as_json: bool = JSON,
) -> None:
    """D_sigma = sigma k_B T / (n z^2 e^2).

    Example: tracerdiff nernst-einstein --sigma "1e-3 S/cm" --temperature "22 degC"
    --density "5e21 cm^-3"
    """
    from ..models import nernst_einstein as ne

    s, s_err = parse_q_with_error(sigma, "conductivity", option="--sigma")
    r = ne(
        s,
        required_temperature(temperature, "--temperature"),
        density_cm3=required(density, "number_density", "--density"),
        charge=charge,
        sigma_err=s_err,
    )
    emit(r.to_dict(), as_json=as_json, text=str(r))


def _d_or_sigma(
    text: str,
    option: str,
    t_k: float | None,
    density: str | None,
) -> tuple[float, float | None]:
    """A diffusivity, or a conductivity converted by Nernst-Einstein."""
    from ..models import nernst_einstein_d

    try:
        return parse_q_with_error(text, "diffusivity", option=option)
    except UnitError:
        s, e = parse_q_with_error(text, "conductivity", option=option)
        if t_k is None or density is None:
            raise InputError(
                f"{option} as a conductivity needs --temperature and --density"
            ) from None
        n = required(density, "number_density", "--density")
        d = nernst_einstein_d(s, t_k, density_cm3=n)
        return d, None if e is None else e * d / s


def haven(
    tracer: str | None = typer.Option(None, "--tracer", help="D* (or its D0), 'cm^2/s'."),
    conductivity: str | None = typer.Option(
        None, "--conductivity", help="D_sigma (or D0), or sigma in S/cm."
    ),
    temperature: str | None = typer.Option(None, "--temperature", help="T of the two values."),
    prefactors: bool = typer.Option(False, "--prefactors", help="The values are D0 factors."),
    tracer_table: str | None = typer.Option(None, "--tracer-table", help="Tracer CSV."),
    conductivity_table: str | None = typer.Option(None, "--conductivity-table", help="CSV."),
    shared_ea: bool = typer.Option(False, "--shared-ea", help="Joint fit with one Ea."),
    density: str | None = typer.Option(None, "--density", help="n for sigma, '5e21 cm^-3'."),
    allow_cold: bool = ALLOW_COLD,
    as_json: bool = JSON,
) -> None:
    """Haven ratio H_R = D* / D_sigma from two values or two Arrhenius tables.

    Example: tracerdiff haven --tracer "0.048 cm^2/s" --conductivity "0.20 cm^2/s" --prefactors
    """
    from ..models.haven_options import HavenOptions, haven_analysis

    t_k = parse_t(temperature, option="--temperature")
    _check_haven_inputs(tracer, conductivity, tracer_table, conductivity_table, shared_ea)
    opts: dict[str, Any] = {
        "temperature_K": t_k,
        "shared_ea": shared_ea,
        "prefactors": prefactors,
        "allow_cold": allow_cold,
        "density_cm3": parse_q(density, "number_density", option="--density"),
    }
    if tracer_table and conductivity_table:
        a = fit_table(tracer_table, density, 1, allow_cold)
        b = fit_table(conductivity_table, density, 1, allow_cold)
        r = haven_analysis(HavenOptions(**opts), tracer_fit=a, conductivity_fit=b)
    elif tracer and conductivity:
        d1, e1 = parse_q_with_error(tracer, "diffusivity", option="--tracer")
        if prefactors:  # two D0 in cm^2/s; a conductivity has no meaning here
            d2, e2 = parse_q_with_error(
                conductivity,
                "diffusivity",
                option="--conductivity (with --prefactors, D0 of D_sigma)",
            )
        else:
            d2, e2 = _d_or_sigma(conductivity, "--conductivity", t_k, density)
        opts.update(d_tracer=d1, d_tracer_err=e1, d_sigma=d2, d_sigma_err=e2)
        r = haven_analysis(HavenOptions(**opts))
    else:
        raise InputError(
            "give --tracer and --conductivity, or --tracer-table and --conductivity-table"
        )
    emit(r.to_dict(), as_json=as_json, text=str(r))


def _check_haven_inputs(
    tracer: str | None,
    conductivity: str | None,
    tracer_table: str | None,
    conductivity_table: str | None,
    shared_ea: bool,
) -> None:
    """Values or tables, not a mix; --shared-ea only with tables."""
    values, tables = (tracer, conductivity), (tracer_table, conductivity_table)
    if any(values) and any(tables):
        raise InputError(
            "give two values (--tracer, --conductivity) or two tables "
            "(--tracer-table, --conductivity-table), not both"
        )
    if any(tables) and not all(tables):
        raise InputError("give both --tracer-table and --conductivity-table")
    if shared_ea and not any(tables):
        raise InputError(
            "--shared-ea needs two Arrhenius tables (--tracer-table, --conductivity-table)"
        )

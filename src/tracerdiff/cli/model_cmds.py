"""Model commands: ``series``, ``arrhenius``, ``nernst-einstein``, ``haven``, ``quench-check``,
``regime``.  Thin: parse quantities with units, call :mod:`tracerdiff.models`, print."""

from __future__ import annotations

from typing import Any

import typer

from ..errors import InputError, UnitError
from ..outputs import check_writable
from ..results import render_text
from .common import (
    MAX_N_GRAINS,
    check_count,
    check_seed,
    emit,
    parse_q,
    parse_q_with_error,
    parse_t,
    save_png,
)

__all__ = ["register"]

_JSON = typer.Option(False, "--json", help="Print JSON (stable keys, see docs/cli.md).")
_EXTRAPOLATE = typer.Option([], "--extrapolate", help="T to extrapolate to (repeatable).")
_ALSO = typer.Option(
    [],
    "--also",
    help="Another table, fitted and plotted on the same PNG (repeatable; JSON key 'also').",
)
_ALLOW_COLD = typer.Option(False, "--allow-cold", help="Accept T_K below 50 K in the tables.")


def _req(text: str | None, kind: str, option: str, *, positive: bool = True) -> float:
    v = parse_q(text, kind, option=option, positive=positive)
    if v is None:
        raise InputError(f"{option} is required")
    return v


def _with_error(text: str | None, kind: str, option: str) -> tuple[float | None, float | None]:
    """'1.5e-6+-0.2e-6 cm/s' -> (value, standard error); (None, None) when not given."""
    if text is None:
        return None, None
    v, e = parse_q_with_error(text, kind, option=option)
    if not v > 0:
        raise InputError(f"{option} must be > 0; got {text!r}")
    return v, e


def series(
    d_bulk: str = typer.Option(..., "--d-bulk", help="Bulk D, '2.6e-8 cm^2/s' (+- stderr)."),
    grain_size: str = typer.Option(
        ..., "--grain-size", help="Mean grain size +- sd of single grains, '16+-11 um'."
    ),
    grain_size_error: str | None = typer.Option(
        None, "--grain-size-error", help="Standard error of the mean grain size, '0.6 um'."
    ),
    d_gb_over_delta: str | None = typer.Option(
        None, "--d-gb-over-delta", help="k, '1.5e-6 cm/s' (+- stderr)."
    ),
    d_eff: str | None = typer.Option(None, "--d-eff", help="Solve k from D_eff ('2.2e-9 cm^2/s')."),
    model: str = typer.Option("series", "--model", help="series|brick|mg1|mg2|mg3|hs|hex"),
    delta: str = typer.Option("0.5 nm", "--delta", help="GB thickness."),
    time: str | None = typer.Option(None, "--time", help="Diffusion time: validity + chain."),
    n_grains: int | None = typer.Option(None, "--n-grains", help="Grains in the chain estimate."),
    k_spread: float = typer.Option(0.0, "--k-spread", help="Relative sd of k along the chain."),
    k_mean: str = typer.Option(
        "harmonic", "--k-mean", help="k is the harmonic|geometric|arithmetic mean (chain)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the chain Monte Carlo."),
    as_json: bool = _JSON,
) -> None:
    """Effective D of a polycrystal (series, brick layer, Maxwell-Garnett, HS), or k from D_eff.

    D_eff.stderr is a standard error (from the inputs' standard errors); D_eff.spread is the
    study's '+-' (spread of single-grain values from the grain-size sd).

    Example: tracerdiff series --d-bulk "2.6e-8 cm^2/s" --d-gb-over-delta "1.5e-6 cm/s"
    --grain-size "16+-11 um"
    """
    from ..models.series_options import SeriesOptions, series_model

    l_um, l_sd = parse_q_with_error(grain_size, "length", option="--grain-size")
    d_eff_v, d_eff_err = _with_error(d_eff, "diffusivity", "--d-eff")
    k_v, k_err = _with_error(d_gb_over_delta, "velocity", "--d-gb-over-delta")
    db, db_err = _with_error(d_bulk, "diffusivity", "--d-bulk (d_bulk)")
    check_count(n_grains, option="--n-grains", maximum=MAX_N_GRAINS)
    check_seed(seed)
    opts: dict[str, Any] = {
        "d_bulk": _req(d_bulk, "diffusivity", "--d-bulk (d_bulk)") if db is None else db,
        "d_bulk_err": db_err,
        "grain_size_um": (l_um, l_sd),
        "grain_size_error_um": parse_q(grain_size_error, "length", option="--grain-size-error"),
        "k": k_v,
        "k_err": k_err,
        "k_mean": k_mean,
        "d_eff": d_eff_v,
        "d_eff_err": d_eff_err,
        "delta_nm": _req(delta, "length_nm", "--delta"),
        "model": model,
        "time_s": parse_q(time, "time", option="--time"),  # > 0 checked as 'diffusion time'
        "n_grains": n_grains,
        "k_spread": k_spread,
        "seed": seed,
    }
    r = series_model(SeriesOptions(**opts))
    emit(r.to_dict(), as_json=as_json, text=str(r))


def _fit_table(
    path: str,
    density: str | None,
    charge: int,
    allow_cold: bool,
    reference_t: str | None = None,
    excess_scatter: str = "random_effects",
) -> Any:
    from ..models.arrhenius_options import ArrheniusOptions, arrhenius_of_table

    opts: dict[str, Any] = {
        "density_cm3": parse_q(density, "number_density", option="--density"),
        "charge": charge,
        "allow_cold": allow_cold,
        "reference_T_K": parse_t(reference_t, option="--reference-T"),
        "excess_scatter": excess_scatter,
    }
    return arrhenius_of_table(path, ArrheniusOptions(**opts))


def arrhenius(
    table: str = typer.Argument(
        ..., help="CSV: T_K or T_C; D (optional D_err) or sigma (optional sigma_err)."
    ),
    reference_t: str | None = typer.Option(None, "--reference-T", help="T for D_ref."),
    extrapolate: list[str] = _EXTRAPOLATE,
    density: str | None = typer.Option(None, "--density", help="n for sigma, '5e21 cm^-3'."),
    charge: int = typer.Option(1, "--charge", help="Charge number z."),
    allow_cold: bool = _ALLOW_COLD,
    png: str | None = typer.Option(None, "--png", help="Write an Arrhenius plot here."),
    also: list[str] = _ALSO,
    force: bool = typer.Option(False, "--force", help="Overwrite --png."),
    excess_scatter: str = typer.Option(
        "random-effects",
        "--excess-scatter",
        help="Errors when the scatter exceeds them: random-effects|birge|none.",
    ),
    as_json: bool = _JSON,
) -> None:
    """Weighted Arrhenius fit of ln D against 1/T (Ea, D0, covariance, D_ref, curvature test).

    Reads tables with T_K or T_C and D [D_err], sigma [sigma_err], or the tables tracerdiff
    writes (D_cm2_s, D_sigma_cm2_s, k_cm_s with their _err columns). When the scatter exceeds
    the given errors, the errors come from a random-effects term (or Birge scaling); the plain
    fit is reported beside.

    Example: tracerdiff arrhenius tracer.csv --also sigma.csv --density "5e21 cm^-3"
    --extrapolate "-110 degC" --png fig5.png --json
    """
    temps = [_temperature(t, "--extrapolate") for t in extrapolate]
    if png:
        check_writable(png, force=force)
    from ..models.text import arrhenius_text

    method = excess_scatter.replace("-", "_")
    r = _fit_table(table, density, charge, allow_cold, reference_t, method)
    others = [_fit_table(t, density, charge, allow_cold, reference_t, method) for t in also]
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
    import matplotlib

    matplotlib.use("Agg")

    from ..models import plot_arrhenius

    ts = [float(t) for f in fits for t in f.temperature_K] + temps
    ax = plot_arrhenius(fits, t_range_K=(min(ts), max(ts)))
    save_png(ax.figure, path, force=force, dpi=120)


def nernst_einstein(
    sigma: str = typer.Option(..., "--sigma", help="Conductivity, '1e-3 S/cm'."),
    temperature: str = typer.Option(..., "--temperature", help="'22 degC' or '295 K'."),
    density: str = typer.Option(..., "--density", help="Carrier density, '5.0e21 cm^-3'."),
    charge: int = typer.Option(1, "--charge", help="Charge number z."),
    as_json: bool = _JSON,
) -> None:
    """D_sigma = sigma k_B T / (n z^2 e^2).

    Example: tracerdiff nernst-einstein --sigma "1e-3 S/cm" --temperature "22 degC"
    --density "5e21 cm^-3"
    """
    from ..models import nernst_einstein as ne

    s, s_err = parse_q_with_error(sigma, "conductivity", option="--sigma")
    r = ne(
        s,
        _temperature(temperature, "--temperature"),
        density_cm3=_req(density, "number_density", "--density"),
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
        n = _req(density, "number_density", "--density")
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
    allow_cold: bool = _ALLOW_COLD,
    as_json: bool = _JSON,
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
        a = _fit_table(tracer_table, density, 1, allow_cold)
        b = _fit_table(conductivity_table, density, 1, allow_cold)
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


def quench_check(
    arrhenius_table: str | None = typer.Option(None, "--arrhenius", help="D_eff Arrhenius CSV."),
    bulk_arrhenius: str | None = typer.Option(None, "--bulk-arrhenius", help="D_b CSV."),
    d_bulk: str | None = typer.Option(
        None, "--d-bulk", help="D_b at --d-bulk-temperature, '2.6e-8 cm^2/s' (with --bulk-ea)."
    ),
    d_bulk_temperature: str | None = typer.Option(
        None, "--d-bulk-temperature", help="T of --d-bulk, '22 degC'."
    ),
    bulk_ea: str | None = typer.Option(None, "--bulk-ea", help="Bulk Ea, '0.35 eV'."),
    stage_temperature: str = typer.Option(..., "--stage-temperature", help="'-110 degC'."),
    time: str = typer.Option(..., "--time", help="Imaging time, '5 h'."),
    resolution: str = typer.Option(..., "--resolution", help="Spatial resolution, '1 um'."),
    ramp_from: str | None = typer.Option(None, "--ramp-from", help="Cooling start, '22 degC'."),
    cooling_rate: str | None = typer.Option(None, "--cooling-rate", help="'5 K/min'."),
    density: str | None = typer.Option(None, "--density", help="n for sigma tables."),
    allow_cold: bool = _ALLOW_COLD,
    as_json: bool = _JSON,
) -> None:
    """Are diffusion lengths sqrt(2 D t) during cryo imaging below the resolution?

    For maps D_b decides (it relaxes the gradients inside grains): give it as a table
    (--bulk-arrhenius) or as a law (--d-bulk, --d-bulk-temperature, --bulk-ea); the length for
    D_eff (--arrhenius) is reported beside it.

    Example: tracerdiff quench-check --arrhenius deff.csv --d-bulk "2.6e-8 cm^2/s"
    --d-bulk-temperature "22 degC" --bulk-ea "0.35 eV" --stage-temperature "-110 degC"
    --time "5 h" --resolution "1 um"
    """
    from ..models import quench_check as qc

    stage_k = _temperature(stage_temperature, "--stage-temperature")
    ramp_k = parse_t(ramp_from, option="--ramp-from")
    if ramp_k is not None and ramp_k < stage_k:
        raise InputError(
            f"--ramp-from ({ramp_k:.2f} K) is below --stage-temperature "
            f"({stage_k:.2f} K); expected the cooling to start above the stage"
        )
    fits = _quench_fits(
        arrhenius_table, bulk_arrhenius, d_bulk, d_bulk_temperature, bulk_ea, density, allow_cold
    )
    r = qc(
        fits,
        stage_K=stage_k,
        time_s=_req(time, "time", "--time"),
        resolution_um=_req(resolution, "length", "--resolution"),
        ramp_from_K=ramp_k,
        ramp_rate_K_s=None if cooling_rate is None else _rate(cooling_rate),
    )
    emit(r.to_dict(), as_json=as_json, text=str(r))


def _quench_fits(
    deff_table: str | None,
    bulk_table: str | None,
    d_bulk: str | None,
    d_bulk_t: str | None,
    bulk_ea: str | None,
    density: str | None,
    allow_cold: bool,
) -> dict[str, Any]:
    """The laws to check: D_b (table or law) and D_eff (table); at least one."""
    from ..models import bulk_law

    law_opts = (d_bulk, d_bulk_t, bulk_ea)
    if any(law_opts) and not all(law_opts):
        raise InputError("a bulk law needs --d-bulk, --d-bulk-temperature and --bulk-ea")
    if bulk_table and any(law_opts):
        raise InputError("give D_b as --bulk-arrhenius or as --d-bulk/--bulk-ea, not both")
    fits: dict[str, Any] = {}
    if bulk_table:
        fits["D_b"] = _fit_table(bulk_table, density, 1, allow_cold)
    elif all(law_opts):
        db, db_err = _with_error(d_bulk, "diffusivity", "--d-bulk")
        ea, ea_err = parse_q_with_error(str(bulk_ea), "energy", option="--bulk-ea")
        assert db is not None
        fits["D_b"] = bulk_law(
            db,
            _temperature(str(d_bulk_t), "--d-bulk-temperature"),
            ea,
            d_ref_err=db_err,
            ea_err=ea_err,
        )
    if deff_table:
        fits["D_eff"] = _fit_table(deff_table, density, 1, allow_cold)
    if not fits:
        raise InputError(
            "give --arrhenius (D_eff) and/or D_b (--bulk-arrhenius, or --d-bulk "
            "with --d-bulk-temperature and --bulk-ea)"
        )
    return fits


def _rate(text: str) -> float:
    """Cooling rate in K/s from e.g. '5 K/min' (the one quantity parser, kind
    ``temperature_rate``)."""
    try:
        v = parse_q(text, "temperature_rate", option="--cooling-rate", positive=True)
    except UnitError:
        raise UnitError(f"--cooling-rate: {text!r} is not a positive rate like '5 K/min'") from None
    assert v is not None
    return v


def _temperature(text: str, option: str) -> float:
    v = parse_t(text, option=option)
    if v is None:
        raise InputError(f"{option} is required")
    return v


def regime(
    d_bulk: str = typer.Option(..., "--d-bulk", help="Bulk D, 'cm^2/s'."),
    grain_size: str = typer.Option(..., "--grain-size", help="Grain size, '16 um'."),
    d_gb: str | None = typer.Option(None, "--d-gb", help="Fast GB D, 'cm^2/s'."),
    delta: str = typer.Option("0.5 nm", "--delta", help="GB thickness."),
    time: str | None = typer.Option(None, "--time", help="Diffusion time, '10 h'."),
    segregation: float = typer.Option(1.0, "--segregation", help="Segregation factor s."),
    d_gb_over_delta: str | None = typer.Option(None, "--d-gb-over-delta", help="Slow GBs: k."),
    as_json: bool = _JSON,
) -> None:
    """Which GB regime applies and why: Harrison A/B/C (fast GBs) or Bi = l k / D_b (slow GBs).

    Example: tracerdiff regime --d-bulk "1e-14 cm^2/s" --d-gb "4e-10 cm^2/s" --delta "0.5 nm"
    --time "3 h" --grain-size "10 um"
    """
    from ..models import biot_number, classify_regime

    db = _req(d_bulk, "diffusivity", "--d-bulk")
    l_cm = _req(grain_size, "length_cm", "--grain-size")
    payload: dict[str, Any] = {}
    if d_gb is not None:
        r = classify_regime(
            d_bulk=db,
            d_gb=_req(d_gb, "diffusivity", "--d-gb"),
            delta_cm=_req(delta, "length_cm", "--delta"),
            time_s=_req(time, "time", "--time"),
            grain_cm=l_cm,
            s=segregation,
        )
        payload.update(r.to_dict())
    if d_gb_over_delta is not None:
        b = biot_number(
            grain_cm=l_cm, k=_req(d_gb_over_delta, "velocity", "--d-gb-over-delta"), d_bulk=db
        )
        payload["slow_gb"] = b.to_dict()
        payload.setdefault("regime", "slow GB")
        payload["Bi"] = b.bi
    if not payload:
        raise InputError("give --d-gb (with --time) for fast GBs or --d-gb-over-delta for slow")
    emit(payload, as_json=as_json, text=render_text(payload, "regime"))


def register(app: typer.Typer) -> None:
    """Add the model commands to ``app``."""
    app.command("series")(series)
    app.command("arrhenius")(arrhenius)
    app.command("nernst-einstein")(nernst_einstein)
    app.command("haven")(haven)
    app.command("quench-check")(quench_check)
    app.command("regime")(regime)

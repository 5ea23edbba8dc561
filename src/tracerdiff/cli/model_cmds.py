"""Model commands: ``series`` (effective D of a polycrystal, or k from D_eff) and ``regime``
here; ``arrhenius`` (:mod:`.arrhenius_cmd`), ``nernst-einstein`` and ``haven``
(:mod:`.transport_cmds`), ``quench-check`` (:mod:`.quench_cmd`) in their own modules, all
registered by :func:`register`.  Thin: parse quantities with units, call
:mod:`tracerdiff.models`, print."""

from __future__ import annotations

from typing import Any

import typer

from ..errors import InputError
from .arrhenius_cmd import arrhenius
from .common import MAX_N_GRAINS, check_count, check_seed, emit, parse_q, parse_q_with_error
from .model_args import JSON, required, with_error
from .quench_cmd import quench_check
from .transport_cmds import haven, nernst_einstein

__all__ = ["register"]


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
    k_spread: float = typer.Option(
        0.0, "--k-spread", help="Lognormal spread of k along the chain (sigma of ln k), e.g. 0.4."
    ),
    k_mean: str = typer.Option(
        "harmonic", "--k-mean", help="k is the harmonic|geometric|arithmetic mean (chain)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the chain Monte Carlo."),
    as_json: bool = JSON,
) -> None:
    """Effective D of a polycrystal (series, brick layer, Maxwell-Garnett, HS), or k from D_eff.

    D_eff.stderr is a standard error (from the inputs' standard errors); D_eff.spread is the
    study's '+-' (spread of single-grain values from the grain-size sd).

    Example: tracerdiff series --d-bulk "2.6e-8 cm^2/s" --d-gb-over-delta "1.5e-6 cm/s"
    --grain-size "16+-11 um"
    """
    from ..models.series_options import SeriesOptions, series_model

    l_um, l_sd = parse_q_with_error(grain_size, "length", option="--grain-size")
    d_eff_v, d_eff_err = with_error(d_eff, "diffusivity", "--d-eff")
    k_v, k_err = with_error(d_gb_over_delta, "velocity", "--d-gb-over-delta")
    db, db_err = with_error(d_bulk, "diffusivity", "--d-bulk (d_bulk)")
    check_count(n_grains, option="--n-grains", maximum=MAX_N_GRAINS)
    check_seed(seed)
    opts: dict[str, Any] = {
        "d_bulk": required(d_bulk, "diffusivity", "--d-bulk (d_bulk)") if db is None else db,
        "d_bulk_err": db_err,
        "grain_size_um": (l_um, l_sd),
        "grain_size_error_um": parse_q(grain_size_error, "length", option="--grain-size-error"),
        "k": k_v,
        "k_err": k_err,
        "k_mean": k_mean,
        "d_eff": d_eff_v,
        "d_eff_err": d_eff_err,
        "delta_nm": required(delta, "length_nm", "--delta"),
        "model": model,
        "time_s": parse_q(time, "time", option="--time"),  # > 0 checked as 'diffusion time'
        "n_grains": n_grains,
        "k_spread": k_spread,
        "seed": seed,
    }
    r = series_model(SeriesOptions(**opts))
    emit(r.to_dict(), as_json=as_json, text=str(r))


def regime(
    d_bulk: str = typer.Option(..., "--d-bulk", help="Bulk D, 'cm^2/s'."),
    grain_size: str = typer.Option(..., "--grain-size", help="Grain size, '16 um'."),
    d_gb: str | None = typer.Option(None, "--d-gb", help="Fast GB D, 'cm^2/s'."),
    delta: str = typer.Option("0.5 nm", "--delta", help="GB thickness."),
    time: str | None = typer.Option(None, "--time", help="Diffusion time, '10 h'."),
    segregation: float = typer.Option(1.0, "--segregation", help="Segregation factor s."),
    d_gb_over_delta: str | None = typer.Option(None, "--d-gb-over-delta", help="Slow GBs: k."),
    as_json: bool = JSON,
) -> None:
    """Which GB regime applies and why: Harrison A/B/C (fast GBs) or Bi = l k / D_b (slow GBs).

    Example: tracerdiff regime --d-bulk "1e-14 cm^2/s" --d-gb "4e-10 cm^2/s" --delta "0.5 nm"
    --time "3 h" --grain-size "10 um"
    """
    from ..models import biot_number, classify_regime

    db = required(d_bulk, "diffusivity", "--d-bulk")
    l_cm = required(grain_size, "length_cm", "--grain-size")
    payload: dict[str, Any] = {}
    texts: list[str] = []
    if d_gb is not None:
        r = classify_regime(
            d_bulk=db,
            d_gb=required(d_gb, "diffusivity", "--d-gb"),
            delta_cm=required(delta, "length_cm", "--delta"),
            time_s=required(time, "time", "--time"),
            grain_cm=l_cm,
            s=segregation,
        )
        payload.update(r.to_dict())
        texts.append(str(r))
    if d_gb_over_delta is not None:
        b = biot_number(
            grain_cm=l_cm, k=required(d_gb_over_delta, "velocity", "--d-gb-over-delta"), d_bulk=db
        )
        payload["slow_gb"] = b.to_dict()
        payload.setdefault("regime", "slow GB")
        payload["Bi"] = b.bi
        texts.append(str(b))
    if not payload:
        raise InputError("give --d-gb (with --time) for fast GBs or --d-gb-over-delta for slow")
    emit(payload, as_json=as_json, text="\n\n".join(texts))


def register(app: typer.Typer) -> None:
    """Add the model commands to ``app``."""
    app.command("series")(series)
    app.command("arrhenius")(arrhenius)
    app.command("nernst-einstein")(nernst_einstein)
    app.command("haven")(haven)
    app.command("quench-check")(quench_check)
    app.command("regime")(regime)

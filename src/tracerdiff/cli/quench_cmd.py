"""``tracerdiff quench-check``: are the diffusion lengths sqrt(2 D t) during cryo imaging
below the resolution?  D_b as a table or a law, D_eff as a table, an optional cooling ramp."""

from __future__ import annotations

from typing import Any

import typer

from ..errors import InputError, UnitError
from .common import emit, parse_q, parse_q_with_error, parse_t
from .model_args import ALLOW_COLD, JSON, fit_table, required, required_temperature, with_error

__all__ = ["quench_check"]


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
    allow_cold: bool = ALLOW_COLD,
    as_json: bool = JSON,
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

    stage_k = required_temperature(stage_temperature, "--stage-temperature")
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
        time_s=required(time, "time", "--time"),
        resolution_um=required(resolution, "length", "--resolution"),
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
        fits["D_b"] = fit_table(bulk_table, density, 1, allow_cold)
    elif all(law_opts):
        db, db_err = with_error(d_bulk, "diffusivity", "--d-bulk")
        ea, ea_err = parse_q_with_error(str(bulk_ea), "energy", option="--bulk-ea")
        assert db is not None
        fits["D_b"] = bulk_law(
            db,
            required_temperature(str(d_bulk_t), "--d-bulk-temperature"),
            ea,
            d_ref_err=db_err,
            ea_err=ea_err,
        )
    if deff_table:
        fits["D_eff"] = fit_table(deff_table, density, 1, allow_cold)
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

"""``tracerdiff fit evolution``: builds
:class:`~tracerdiff.fitting.evolution_options.EvolutionFitOptions` from its flags and calls
:func:`~tracerdiff.fitting.evolution_options.fit_evolution_options`, as a study's
``evolution_fit`` does. JSON keys in ``docs/cli.md``."""

from __future__ import annotations

from typing import Any

import typer

from ..errors import InputError
from ..outputs import check_writable
from ..units import check_fraction01
from . import fit_common as fc
from .common import check_seed, emit, parse_q

__all__ = ["evolution_cmd"]

_LATER = typer.Argument(..., help="Later profile CSV(s).")
_TIMES = typer.Option(..., "--time", help="Time since the initial profile, one per later profile.")


def _domain(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    parts = text.split(",")
    if len(parts) != 2:
        raise InputError(f"--domain: expected A,B in um (e.g. 0,5000), got {text!r}")
    a = parse_q(parts[0].strip(), "length", option="--domain", default_unit="um")
    b = parse_q(parts[1].strip(), "length", option="--domain", default_unit="um")
    assert a is not None and b is not None
    if not b > a:
        raise InputError(f"--domain: need A < B, got {text!r}")
    return a, b


def _options(
    times: list[str],
    n_later: int,
    initial: tuple[str, str | None],
    source: tuple[str | None, float | None],
    domain: str | None,
    grains: dict[str, Any],
    posterior: tuple[int, int],
) -> Any:
    """EvolutionFitOptions from the flags (each checked with the flag's name)."""
    from ..fitting.evolution_options import EvolutionFitOptions

    ts = [fc.parse_time(t) for t in times]
    if len(ts) != n_later:
        raise InputError(f"give one --time per later profile: {n_later} profiles, {len(ts)} times")
    mode, initial_time = initial
    if mode not in ("measured", "erfc"):
        raise InputError(f"--initial: expected measured or erfc, got {mode!r}")
    if mode == "erfc" and not initial_time:
        raise InputError("--initial erfc needs --initial-time (the exchange time of the profile)")
    source_time, c_source = source
    if c_source is not None:
        check_fraction01(c_source, what="--c-source")
    check_seed(posterior[1])
    fc.check_posterior(posterior[0])
    keys: dict[str, Any] = {
        "times_s": ts,
        "source_time_s": fc.parse_time(source_time, "--source-time") if source_time else None,
        "c_source": c_source,
        "initial_model": mode,
        "initial_time_s": fc.parse_time(initial_time, "--initial-time") if initial_time else None,
        "domain_um": _domain(domain),
        **grains,
        "posterior": posterior[0],
        "seed": posterior[1],
    }
    return EvolutionFitOptions(**keys)


def evolution_cmd(
    initial: str = typer.Argument(..., help="Initial profile CSV."),
    later: list[str] = _LATER,
    time: list[str] = _TIMES,
    initial_mode: str = typer.Option("measured", "--initial", help="measured | erfc"),
    initial_time: str | None = typer.Option(
        None, "--initial-time", help="Exchange time of the initial profile (--initial erfc)."
    ),
    domain: str | None = typer.Option(None, "--domain", help="Sample ends A,B in um (closed)."),
    source_time: str | None = typer.Option(
        None,
        "--source-time",
        help="The first Q of every --time is spent in the tracer bath (surface held at "
        "--c-source), the rest closed.",
    ),
    c_source: float | None = typer.Option(
        None, "--c-source", help="Bath fraction for --source-time (default: erfc fit's C_s)."
    ),
    x_unit: str = fc.XUNIT,
    x_column: str | None = fc.XCOL,
    column: str | None = fc.COLUMN,
    grain_size: str | None = fc.GRAIN,
    k_spread: float | None = fc.KSPREAD,
    d_bulk: str | None = fc.DBULK,
    profile_width: str | None = fc.WIDTH,
    homogeneous: bool = fc.HOMOG,
    png: str | None = fc.PNG,
    force: bool = fc.FORCE,
    as_json: bool = fc.JSON,
    posterior: int = fc.POSTERIOR,
    seed: int = fc.SEED,
) -> None:
    """Fit D_eff from the evolution of an initial profile into later ones (closed domain).

    Example: tracerdiff fit evolution p0.csv p2w.csv p6w.csv --time "2 week" --time "6 week"
    """
    from ..fitting import load_profile
    from ..fitting.evolution_options import fit_evolution_options

    if png:
        check_writable(png, force=force)
    opts = _options(
        time,
        len(later),
        (initial_mode, initial_time),
        (source_time, c_source),
        domain,
        fc.grain_keys(grain_size, k_spread, d_bulk, homogeneous, profile_width),
        (posterior, seed),
    )
    p0 = load_profile(initial, x_unit=x_unit, column=column, x_column=x_column)
    ps = [load_profile(p, x_unit=x_unit, column=column, x_column=x_column) for p in later]
    r = fit_evolution_options(p0, ps, opts)
    fc.save_fit_png(r, png, force)
    emit(r.to_dict(), as_json=as_json, text=str(r))

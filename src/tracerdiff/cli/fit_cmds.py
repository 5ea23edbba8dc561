"""The ``fit`` command group: ``erfc``, ``exchange``, ``thin-film``, ``evolution``, ``compare``.

Thin: parse files and quantities with units, call :mod:`tracerdiff.fitting`, print or write.
JSON keys are documented in ``docs/cli.md``.
"""

from __future__ import annotations

from typing import Any

import typer

from ..errors import InputError
from ..outputs import check_writable
from ..units import check_fraction01
from .common import check_seed, emit, parse_q, parse_q_with_error, save_png

__all__ = ["fit_app", "register"]

fit_app = typer.Typer(
    name="fit",
    help="Fit long-range diffusion profiles: erfc, surface exchange, thin film, evolution.",
    no_args_is_help=True,
)

_KIND = {
    "D_eff": ("diffusivity", None),
    "k_s": ("velocity", None),
    "x0": ("length", "um"),
    "M": ("length", "um"),
    "C_s": ("dimensionless", None),
    "C_0": ("dimensionless", None),
}
_JSON = typer.Option(False, "--json", help="Print JSON (stable keys, see docs/cli.md).")
_TIME = typer.Option(..., "--time", help="Diffusion time, e.g. '110 h'.")
_FIX = typer.Option(
    [],
    "--fix",
    help="Hold parameters: NAME=VALUE[,NAME=VALUE...], repeatable, e.g. C_0=0.0759 or "
    "C_0=0.0759,C_s=0.95.",
)
_FREE = typer.Option(
    [], "--free", help="Free a default-fixed parameter (the surface x0, held at 0 um)."
)
_XUNIT = typer.Option(
    "um", "--x-unit", help="Unit of a bare 'x' column or of --x-column (um, mm, cm, nm)."
)
_XCOL = typer.Option(
    None, "--x-column", help="Position column name when it is not x_um / x_<unit> / x."
)
_GRAIN = typer.Option(
    None,
    "--grain-size",
    help="Grain length along the profile, mean+-sd, e.g. '16+-11 um': a tighter "
    "grain-sampling error (with --k-spread: computed from them).",
)
_KSPREAD = typer.Option(
    None, "--k-spread", help="Lognormal spread of k between boundaries (sigma of ln k), e.g. 0.4."
)
_DBULK = typer.Option(
    None, "--d-bulk", help="Bulk diffusivity D_b for the grain-sampling term, e.g. '2.6e-8 cm^2/s'."
)
_HOMOG = typer.Option(
    False,
    "--homogeneous",
    help="Single crystal or glass: counting error only (no grain-sampling term).",
)
_COLUMN = typer.Option(None, "--column", help="Fraction column name when it is not 'C'.")
_PNG = typer.Option(None, "--png", help="Write a figure (profile, fit, residuals) to this PNG.")
_FORCE = typer.Option(False, "--force", help="Overwrite an existing --png file.")
_LATER = typer.Argument(..., help="Later profile CSV(s).")
_TIMES = typer.Option(..., "--time", help="Time since the initial profile, one per later profile.")
_POSTERIOR = typer.Option(
    0,
    "--posterior",
    help="Also sample the Bayesian posterior (emcee, 32 walkers) for N steps; 0 = off.",
)
_SEED = typer.Option(0, "--seed", help="Random seed of --posterior.")
_FIX_MODEL = typer.Option([], "--fix", help="MODEL.NAME=VALUE or NAME=VALUE (every model).")


def _fix_items(items: list[str]) -> list[str]:
    """Split ``A=1,B=2`` items into single ``NAME=VALUE`` items."""
    out: list[str] = []
    for item in items:
        out.extend(p for p in item.split(",") if p.strip() or "," not in item)
    return out


def _parse_fix(items: list[str], *, option: str = "--fix") -> dict[str, float]:
    out: dict[str, float] = {}
    for item in _fix_items(items):
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name or not text.strip():
            raise InputError(f"{option}: expected NAME=VALUE (e.g. C_0=0.0759), got {item!r}")
        kind, unit = _KIND.get(name.split(".")[-1], ("dimensionless", None))
        v = parse_q(text.strip(), kind, option=f"{option} {name}", default_unit=unit)
        assert v is not None
        out[name] = v
    return out


def _microstructure(
    grain_size: str | None, k_spread: float | None, d_bulk: str | None, homogeneous: bool
) -> Any:
    """The ``microstructure=`` option of the fits from the command line."""
    from ..fitting import GrainStatistics

    if homogeneous:
        if grain_size or k_spread is not None or d_bulk:
            raise InputError("--homogeneous takes no --grain-size, --k-spread or --d-bulk")
        return "homogeneous"
    if grain_size is None:
        if k_spread is not None or d_bulk:
            raise InputError("--k-spread and --d-bulk need --grain-size (e.g. '16+-11 um')")
        return "estimate"
    mean, sd = parse_q_with_error(grain_size, "length", option="--grain-size")
    if not mean > 0 or sd is None:
        raise InputError("--grain-size: expected mean+-sd > 0 with a unit, e.g. '16+-11 um'")
    db = parse_q(d_bulk, "diffusivity", option="--d-bulk", positive=True)
    return GrainStatistics(mean_um=mean, sd_um=sd, k_sigma_ln=k_spread, d_bulk=db)


def _time(text: str, option: str = "--time") -> float:
    t = parse_q(text, "time", option=option)
    if t is None or not t > 0:
        raise InputError(f"{option}: time must be > 0 s, got {text!r}")
    return t


def _posterior(result: Any, steps: int, seed: int) -> Any:
    """``result``, or its emcee posterior when ``steps`` > 0."""
    check_seed(seed)
    if steps == 0:
        return result
    if steps < 50:
        raise InputError(f"--posterior: need at least 50 steps (or 0 for none), got {steps}")
    from ..fitting import sample_posterior

    walkers = max(32, 2 * len(result.free) + 2)
    return sample_posterior(result, n_walkers=walkers, n_steps=steps, rng=seed)


def _save_png(result: Any, png: str | None, force: bool) -> None:
    if png is None:
        return

    from ..fitting.plot import plot_fit

    ax = plot_fit(result, residuals=True)
    save_png(ax.figure, png, force=force, dpi=120)


def _fit_one(
    model: str,
    profile: str,
    time: str,
    fixes: tuple[list[str], list[str]],
    columns: tuple[str, str | None, str | None],
    micro: Any,
    outputs: tuple[str | None, bool, bool],
    posterior: tuple[int, int] = (0, 0),
) -> None:
    from ..fitting import load_profile
    from ..fitting.fit_options import ProfileFitOptions, fit_profile_options

    png, force, as_json = outputs
    if png:
        check_writable(png, force=force)
    t = _time(time)
    fixed = _parse_fix(fixes[0])
    x_unit, column, x_column = columns
    data = load_profile(profile, x_unit=x_unit, column=column, x_column=x_column)
    check_seed(posterior[1])
    if posterior[0] and posterior[0] < 50:
        raise InputError(f"--posterior: need at least 50 steps (or 0 for none), got {posterior[0]}")
    opts: dict[str, Any] = {
        "model": model.replace("-", "_"),
        "time_s": t,
        "fix": fixed,
        "free": list(fixes[1]),
        **_grain_keys(micro),
        "posterior": posterior[0],
        "seed": posterior[1],
    }
    r = fit_profile_options(data, ProfileFitOptions(**opts))
    _save_png(r, png, force)
    emit(r.to_dict(), as_json=as_json, text=str(r))


def _grain_keys(micro: Any) -> dict[str, Any]:
    """The grain-sampling keys of ProfileFitOptions from the ``microstructure=`` option."""
    if micro == "homogeneous":
        return {"homogeneous": True}
    if micro == "estimate":
        return {}
    return {
        "grain_size_um": (micro.mean_um, micro.sd_um),
        "k_spread": micro.k_sigma_ln,
        "d_bulk": micro.d_bulk,
    }


def _register_model_command(model: str, doc: str) -> None:
    """Add ``fit <model>``: one profile fitted by :func:`tracerdiff.fitting.fit_profile`."""

    def command(
        profile: str = typer.Argument(..., help="Profile CSV (x_um, C[, C_err])."),
        time: str = _TIME,
        fix: list[str] = _FIX,
        free: list[str] = _FREE,
        x_unit: str = _XUNIT,
        x_column: str | None = _XCOL,
        column: str | None = _COLUMN,
        grain_size: str | None = _GRAIN,
        k_spread: float | None = _KSPREAD,
        d_bulk: str | None = _DBULK,
        homogeneous: bool = _HOMOG,
        png: str | None = _PNG,
        force: bool = _FORCE,
        as_json: bool = _JSON,
        posterior: int = _POSTERIOR,
        seed: int = _SEED,
    ) -> None:
        micro = _microstructure(grain_size, k_spread, d_bulk, homogeneous)
        _fit_one(
            model,
            profile,
            time,
            (fix, free),
            (x_unit, column, x_column),
            micro,
            (png, force, as_json),
            (posterior, seed),
        )

    command.__doc__ = doc
    command.__name__ = command.__qualname__ = f"{model.replace('-', '_')}_cmd"
    fit_app.command(model)(command)


_register_model_command(
    "erfc",
    """Constant-source erfc fit (D_eff, C_s, C_0; surface x0 = 0 unless --free x0).

    D_eff's error is the counting error plus the grain-sampling error, estimated from the
    residuals (or from --grain-size/--k-spread; --homogeneous for none).

    Example: tracerdiff fit erfc profile.csv --time "59 h" --fix C_0=0.0759
    """,
)
_register_model_command(
    "exchange",
    """Surface-exchange (Crank) fit: D_eff, k_s, C_s, C_0 (surface at x0 = 0 unless --free x0).

    Example: tracerdiff fit exchange depth.csv --time "86300 s" --fix C_s=1
    """,
)
_register_model_command(
    "thin-film",
    """Thin-film (Gaussian, reflecting surface) fit: D_eff, amount M (um), C_0.

    Example: tracerdiff fit thin-film depth.csv --time "2 h"
    """,
)


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


def _histories(times: list[float], source_time: str | None, n_later: int) -> Any:
    """Closed storage, or a first ``source_time`` in the bath, per elapsed time (library:
    :func:`tracerdiff.fitting.elapsed_histories`)."""
    if len(times) != n_later:
        raise InputError(
            f"give one --time per later profile: {n_later} profiles, {len(times)} times"
        )
    if source_time is None:
        return None
    from ..fitting import elapsed_histories

    return elapsed_histories(times, source_time_s=_time(source_time, "--source-time"))


@fit_app.command("evolution")
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
    x_unit: str = _XUNIT,
    x_column: str | None = _XCOL,
    column: str | None = _COLUMN,
    grain_size: str | None = _GRAIN,
    k_spread: float | None = _KSPREAD,
    d_bulk: str | None = _DBULK,
    homogeneous: bool = _HOMOG,
    png: str | None = _PNG,
    force: bool = _FORCE,
    as_json: bool = _JSON,
    posterior: int = _POSTERIOR,
    seed: int = _SEED,
) -> None:
    """Fit D_eff from the evolution of an initial profile into later ones (closed domain).

    Example: tracerdiff fit evolution p0.csv p2w.csv p6w.csv --time "2 week" --time "6 week"
    """
    from ..fitting import fit_evolution, load_profile

    if png:
        check_writable(png, force=force)
    times = [_time(t) for t in time]
    if c_source is not None:
        check_fraction01(c_source, what="--c-source")
    hist = _histories(times, source_time, len(later))
    if initial_mode == "erfc" and not initial_time:
        raise InputError("--initial erfc needs --initial-time (the exchange time of the profile)")
    t0 = _time(initial_time, "--initial-time") if initial_time else None
    dom = _domain(domain)
    micro = _microstructure(grain_size, k_spread, d_bulk, homogeneous)
    p0 = load_profile(initial, x_unit=x_unit, column=column, x_column=x_column)
    ps = [load_profile(p, x_unit=x_unit, column=column, x_column=x_column) for p in later]
    r = fit_evolution(
        p0,
        ps,
        times_s=None if hist else times,
        histories=hist,
        c_source=c_source,
        initial_mode=initial_mode,
        initial_time_s=t0,
        domain_um=dom,
        microstructure=micro,
    )
    r = _posterior(r, posterior, seed)
    _save_png(r, png, force)
    emit(r.to_dict(), as_json=as_json, text=str(r))


@fit_app.command("compare")
def compare_cmd(
    profile: str = typer.Argument(..., help="Profile CSV."),
    time: str = _TIME,
    fix: list[str] = _FIX_MODEL,
    x_unit: str = _XUNIT,
    x_column: str | None = _XCOL,
    column: str | None = _COLUMN,
    as_json: bool = _JSON,
) -> None:
    """Fit erfc, exchange and thin-film models and say which the data support (AIC).

    Example: tracerdiff fit compare depth.csv --time "86300 s" --fix exchange.C_s=1 --fix erfc.x0=0
    """
    from ..fitting import MODELS, compare_models, load_profile

    t = _time(time)
    per: dict[str, dict[str, float]] = {m: {} for m in MODELS}
    for key, v in _parse_fix(fix).items():
        model, _, name = key.rpartition(".")
        if model and model not in MODELS:
            raise InputError(f"--fix: unknown model {model!r}; expected one of {', '.join(MODELS)}")
        for m in [model] if model else [m for m in MODELS if name in MODELS[m].params]:
            per[m][name] = v
    data = load_profile(profile, x_unit=x_unit, column=column, x_column=x_column)
    c = compare_models(data, time_s=t, fix=per)
    emit(c.to_dict(), as_json=as_json, text=str(c))


def register(app: typer.Typer) -> None:
    """Add the ``fit`` group to the root app."""
    app.add_typer(fit_app, name="fit")

"""The ``fit`` command group: ``erfc``, ``exchange``, ``thin-film``, ``evolution``, ``compare``.

Thin: parse files and quantities with units, build the options object of the fit
(:class:`~tracerdiff.fitting.fit_options.ProfileFitOptions`; ``evolution`` in
:mod:`.fit_evolution_cmd`), call its function, print or write. A single-profile fit also takes a
raw depth profile with the options of ``depth-profile``. JSON keys are documented in
``docs/cli.md``.
"""

from __future__ import annotations

import copy
from typing import Any

import typer

from ..errors import FileFormatError, InputError
from ..outputs import check_writable
from . import depth_cmds as dc
from . import fit_common as fc
from .common import check_seed, emit
from .fit_evolution_cmd import evolution_cmd

__all__ = ["fit_app", "register"]

fit_app = typer.Typer(
    name="fit",
    help="Fit long-range diffusion profiles: erfc, surface exchange, thin film, evolution.",
    no_args_is_help=True,
)

_FIX_MODEL = typer.Option([], "--fix", help="MODEL.NAME=VALUE or NAME=VALUE (every model).")
_PROFILE = typer.Argument(
    ...,
    help="Profile CSV (x_um, C[, C_err]), or a raw depth-profile export with --crater-depth, "
    "--sputter-rate or --layer.",
)


def _raw(option: Any) -> Any:
    """A depth-profile option of ``depth-profile``, in the fit commands' raw-profile panel."""
    out = copy.copy(option)
    out.rich_help_panel = "Raw depth profile (as 'tracerdiff depth-profile')"
    return out


_CRATER, _RATE, _LAYER, _PAIR, _WINDOW, _KIND = map(
    _raw, (dc.CRATER, dc.RATE, dc.LAYER, dc.PAIR, dc.WINDOW, dc.KIND)
)
_DEAD, _EM, _SAT, _IMF, _BG, _SRC, _SYS = map(
    _raw,
    (dc.DEAD_TIME, dc.EM_DEAD_TIME, dc.SATURATED, dc.IMF_ALPHA, dc.BACKGROUND, dc.SOURCE,
     dc.SYSTEMATIC),
)  # fmt: skip


def _load(profile: str, columns: tuple[str, str | None, str | None], depth: dict[str, Any]) -> Any:
    """The profile to fit: a profile CSV, or the fraction-versus-depth profile of a raw depth
    profile (exactly as ``depth-profile`` writes it) when a depth scale is given."""
    x_unit, column, x_column = columns
    if not dc.depth_scale_given(depth):
        from ..fitting import load_profile

        try:
            return load_profile(profile, x_unit=x_unit, column=column, x_column=x_column)
        except FileFormatError as exc:
            raise FileFormatError(
                f"{exc}; a raw depth profile needs --crater-depth, --sputter-rate or --layer"
            ) from None
    if column is not None or x_column is not None or x_unit != "um":
        raise InputError(
            "--column, --x-column and --x-unit are for profile CSVs, not a raw depth profile"
        )
    return dc.raw_depth_profile(profile, depth).to_dataset()


def _fit_one(
    model: str,
    profile: str,
    time: str,
    fixes: tuple[list[str], list[str]],
    columns: tuple[str, str | None, str | None],
    grains: dict[str, Any],
    outputs: tuple[str | None, bool, bool],
    posterior: tuple[int, int],
    depth: dict[str, Any],
) -> None:
    from ..fitting.fit_options import ProfileFitOptions, fit_profile_options

    png, force, as_json = outputs
    if png:
        check_writable(png, force=force)
    t = fc.parse_time(time)
    fixed = fc.parse_fix(fixes[0])
    check_seed(posterior[1])
    fc.check_posterior(posterior[0])
    data = _load(profile, columns, depth)
    opts: dict[str, Any] = {
        "model": model.replace("-", "_"),
        "time_s": t,
        "fix": fixed,
        "free": list(fixes[1]),
        **grains,
        "posterior": posterior[0],
        "seed": posterior[1],
    }
    r = fit_profile_options(data, ProfileFitOptions(**opts))
    fc.save_fit_png(r, png, force)
    emit(r.to_dict(), as_json=as_json, text=str(r))


def _register_model_command(model: str, doc: str) -> None:
    """Add ``fit <model>``: one profile fitted by :func:`tracerdiff.fitting.fit_profile`."""

    def command(
        profile: str = _PROFILE,
        time: str = fc.TIME,
        fix: list[str] = fc.FIX,
        free: list[str] = fc.FREE,
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
        crater_depth: str | None = _CRATER,
        sputter_rate: str | None = _RATE,
        layer: list[str] = _LAYER,
        pair: str = _PAIR,
        window: str | None = _WINDOW,
        kind: str | None = _KIND,
        dead_time: str = _DEAD,
        em_dead_time: str | None = _EM,
        saturated: str = _SAT,
        imf_alpha: str | None = _IMF,
        background: str | None = _BG,
        source: str | None = _SRC,
        systematic: str = _SYS,
    ) -> None:
        depth = {"crater_depth": crater_depth, "sputter_rate": sputter_rate, "layer": layer,
                 "pair": pair, "window": window, "kind": kind, "dead_time": dead_time,
                 "em_dead_time": em_dead_time, "saturated": saturated, "imf_alpha": imf_alpha,
                 "background": background, "source": source, "systematic": systematic}  # fmt: skip
        _fit_one(
            model,
            profile,
            time,
            (fix, free),
            (x_unit, column, x_column),
            fc.grain_keys(grain_size, k_spread, d_bulk, homogeneous, profile_width),
            (png, force, as_json),
            (posterior, seed),
            depth,
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

    PROFILE may be the raw depth profile itself (IONTOF / Cameca export) with the options of
    'tracerdiff depth-profile' (--crater-depth, --sputter-rate or --layer; --pair, ...).

    Example: tracerdiff fit exchange depth.csv --time "86300 s" --fix C_s=1

    Example: tracerdiff fit exchange raw.txt --crater-depth "1.2 um" --time "86300 s"
    """,
)
_register_model_command(
    "thin-film",
    """Thin-film (Gaussian, reflecting surface) fit: D_eff, amount M (um), C_0.

    Example: tracerdiff fit thin-film depth.csv --time "2 h"
    """,
)


fit_app.command("evolution")(evolution_cmd)


@fit_app.command("compare")
def compare_cmd(
    profile: str = typer.Argument(..., help="Profile CSV."),
    time: str = fc.TIME,
    fix: list[str] = _FIX_MODEL,
    x_unit: str = fc.XUNIT,
    x_column: str | None = fc.XCOL,
    column: str | None = fc.COLUMN,
    as_json: bool = fc.JSON,
) -> None:
    """Fit erfc, exchange and thin-film models and say which the data support (AIC).

    Example: tracerdiff fit compare depth.csv --time "86300 s" --fix exchange.C_s=1 --fix erfc.x0=0
    """
    from ..fitting import MODELS, compare_models, load_profile

    t = fc.parse_time(time)
    per: dict[str, dict[str, float]] = {m: {} for m in MODELS}
    for key, v in fc.parse_fix(fix).items():
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

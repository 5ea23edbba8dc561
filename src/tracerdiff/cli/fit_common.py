"""What the ``fit`` commands share: their typer options and the parsing of ``--fix``, the
grain-sampling flags and times into the keys of the fit options models."""

from __future__ import annotations

from typing import Any

import typer

from ..errors import InputError
from .common import parse_q, parse_q_with_error, save_png

__all__ = [
    "check_posterior",
    "grain_keys",
    "parse_fix",
    "parse_time",
    "save_fit_png",
]

JSON = typer.Option(False, "--json", help="Print JSON (stable keys, see docs/cli.md).")
TIME = typer.Option(..., "--time", help="Diffusion time, e.g. '110 h'.")
FIX = typer.Option(
    [],
    "--fix",
    help="Hold parameters: NAME=VALUE[,NAME=VALUE...], repeatable, e.g. C_0=0.0759 or "
    "C_0=0.0759,C_s=0.95.",
)
FREE = typer.Option(
    [], "--free", help="Free a default-fixed parameter (the surface x0, held at 0 um)."
)
XUNIT = typer.Option(
    "um", "--x-unit", help="Unit of a bare 'x' column or of --x-column (um, mm, cm, nm)."
)
XCOL = typer.Option(
    None, "--x-column", help="Position column name when it is not x_um / x_<unit> / x."
)
GRAIN = typer.Option(
    None,
    "--grain-size",
    help="Grain length along the profile, mean+-sd, e.g. '16+-11 um': a tighter "
    "grain-sampling error (with --k-spread: computed from them).",
)
KSPREAD = typer.Option(
    None, "--k-spread", help="Lognormal spread of k between boundaries (sigma of ln k), e.g. 0.4."
)
DBULK = typer.Option(
    None, "--d-bulk", help="Bulk diffusivity D_b for the grain-sampling term, e.g. '2.6e-8 cm^2/s'."
)
WIDTH = typer.Option(
    None,
    "--profile-width",
    help="With --grain-size: the width the profile is averaged across (the height of the map "
    "strip, the line width), e.g. '100 um': a lower grain-sampling error for wide strips.",
)
HOMOG = typer.Option(
    False,
    "--homogeneous",
    help="Single crystal or glass: counting error only (no grain-sampling term).",
)
COLUMN = typer.Option(None, "--column", help="Fraction column name when it is not 'C'.")
PNG = typer.Option(None, "--png", help="Write a figure (profile, fit, residuals) to this PNG.")
FORCE = typer.Option(False, "--force", help="Overwrite an existing --png file.")
POSTERIOR = typer.Option(
    0,
    "--posterior",
    help="Also sample the Bayesian posterior (emcee, 32 walkers) for N steps; 0 = off.",
)
SEED = typer.Option(0, "--seed", help="Random seed of --posterior.")


def _fix_items(items: list[str]) -> list[str]:
    """Split ``A=1,B=2`` items into single ``NAME=VALUE`` items."""
    out: list[str] = []
    for item in items:
        out.extend(p for p in item.split(",") if p.strip() or "," not in item)
    return out


def parse_fix(items: list[str], *, option: str = "--fix") -> dict[str, float]:
    """``--fix NAME=VALUE[,...]`` items as held values in natural units."""
    from ..fitting.fit_options import FIX_KINDS

    out: dict[str, float] = {}
    for item in _fix_items(items):
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name or not text.strip():
            raise InputError(f"{option}: expected NAME=VALUE (e.g. C_0=0.0759), got {item!r}")
        kind, unit = FIX_KINDS.get(name.split(".")[-1], ("dimensionless", None))
        v = parse_q(text.strip(), kind, option=f"{option} {name}", default_unit=unit)
        assert v is not None
        out[name] = v
    return out


def grain_keys(
    grain_size: str | None,
    k_spread: float | None,
    d_bulk: str | None,
    homogeneous: bool,
    profile_width: str | None = None,
) -> dict[str, Any]:
    """The grain-sampling keys of the fit options models from the command line."""
    if homogeneous:
        if grain_size or k_spread is not None or d_bulk or profile_width:
            raise InputError(
                "--homogeneous takes no --grain-size, --k-spread, --d-bulk or --profile-width"
            )
        return {"homogeneous": True}
    if grain_size is None:
        if k_spread is not None or d_bulk or profile_width:
            raise InputError(
                "--k-spread, --d-bulk and --profile-width need --grain-size (e.g. '16+-11 um')"
            )
        return {}
    mean, sd = parse_q_with_error(grain_size, "length", option="--grain-size")
    if not mean > 0 or sd is None:
        raise InputError("--grain-size: expected mean+-sd > 0 with a unit, e.g. '16+-11 um'")
    db = parse_q(d_bulk, "diffusivity", option="--d-bulk", positive=True)
    width = parse_q(profile_width, "length", option="--profile-width", positive=True)
    keys = {"grain_size_um": (mean, sd), "k_spread": k_spread, "d_bulk": db}
    return keys if width is None else {**keys, "profile_width_um": width}


def parse_time(text: str, option: str = "--time") -> float:
    """A time > 0 (s) from ``text`` with its unit."""
    t = parse_q(text, "time", option=option)
    if t is None or not t > 0:
        raise InputError(f"{option}: time must be > 0 s, got {text!r}")
    return t


def check_posterior(steps: int) -> None:
    """``--posterior``: 0 or at least 50 steps."""
    if steps and steps < 50:
        raise InputError(f"--posterior: need at least 50 steps (or 0 for none), got {steps}")


def save_fit_png(result: Any, png: str | None, force: bool) -> None:
    """The profile + fit + residuals figure of ``result`` to ``png`` (when given)."""
    if png is None:
        return

    from ..fitting.plot import plot_fit

    ax = plot_fit(result, residuals=True)
    save_png(ax.figure, png, force=force, dpi=120)

"""``ProfileFitOptions``: the one options object of a single-profile fit (``tracerdiff fit erfc |
exchange | thin-film`` and a study's ``profile_fit``), and :func:`fit_profile_options`, the one
function both call.

File keys carry units (``time = "110 h"``, ``grain_size = "16+-11 um"``, ``d_bulk = "2.6e-8
cm^2/s"``, ``fix = { C_0 = 0.0759, x0 = "1 um" }``); Python code may pass the floats by name
(``time_s``, ``grain_size_um`` (mean, sd), ``d_bulk``). Held values are in natural units: D in
cm^2/s, k_s in cm/s, x0 and M in um, fractions plain.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from ..errors import InputError
from ..options_base import Seconds
from ..units import parse_quantity
from .grain_options import GrainSamplingOptions

__all__ = ["FIX_KINDS", "ProfileFitOptions", "fit_profile_options", "posterior_if_asked"]

#: quantity kind and default unit of a held parameter given as text
FIX_KINDS: dict[str, tuple[str, str | None]] = {
    "D_eff": ("diffusivity", None),
    "k_s": ("velocity", None),
    "x0": ("length", "um"),
    "M": ("length", "um"),
    "C_s": ("dimensionless", None),
    "C_0": ("dimensionless", None),
}


def _fix_value(name: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        raise ValueError(f"fix.{name}: expected a number or a quantity, got {v!r}")
    if not isinstance(v, str):
        return float(v)
    kind, unit = FIX_KINDS.get(name.split(".")[-1], ("dimensionless", None))
    try:
        return parse_quantity(v, kind, default_unit=unit)
    except InputError as exc:
        raise ValueError(f"fix.{name}: {exc}") from None


class ProfileFitOptions(GrainSamplingOptions):
    """``model`` erfc | exchange | thin_film; ``time_s`` (key ``time``) the diffusion time;
    ``fix`` held parameters; ``free`` released default-fixed ones (``x0``); the grain-sampling
    error: ``homogeneous`` (none), or ``grain_size_um`` (key ``grain_size``, mean and sd) with
    optional ``k_spread`` (sigma of ln k) and ``d_bulk``; otherwise estimated from the
    residuals; ``posterior`` emcee steps (0: none) with ``seed``."""

    QUANTITY_KEYS: ClassVar[tuple[str, ...]] = ("time", "grain_size", "d_bulk", "profile_width")

    model: Literal["erfc", "exchange", "thin_film"] = "erfc"
    time_s: Seconds | None = Field(default=None, gt=0, alias="time")
    fix: dict[str, float] = Field(default_factory=dict)
    free: list[str] = Field(default_factory=list)
    posterior: int = Field(default=0, ge=0)
    seed: int | None = Field(default=None, ge=0)

    @field_validator("fix", mode="before")
    @classmethod
    def _fix(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            return v
        return {str(k): _fix_value(str(k), x) for k, x in v.items()}

    @model_validator(mode="after")
    def _consistent(self) -> ProfileFitOptions:
        if self.posterior and self.posterior < 50:
            raise ValueError(
                f"posterior: need at least 50 steps (or 0 for none), got {self.posterior}"
            )
        return self


def fit_profile_options(profile: Any, options: ProfileFitOptions) -> Any:
    """Fit ``profile`` (a :class:`~tracerdiff.fitting.ProfileData` or a profile dataset) with
    ``options``: :func:`tracerdiff.fitting.fit_profile`, then the emcee posterior when
    ``options.posterior`` > 0. Returns the :class:`~tracerdiff.fitting.FitResult`."""
    from .profiles import fit_profile

    if options.time_s is None:
        raise InputError("the profile fit needs the diffusion time (time, e.g. '110 h')")
    r = fit_profile(
        options.model.replace("_", "-"),
        profile,
        time_s=options.time_s,
        fix=dict(options.fix) or None,
        free=tuple(options.free),
        microstructure=options.microstructure,
    )
    return posterior_if_asked(r, n_steps=options.posterior, seed=options.seed)


def posterior_if_asked(result: Any, *, n_steps: int, seed: int | None) -> Any:
    """``result`` with the emcee posterior of ``n_steps`` steps (max(32, 2 p + 2) walkers,
    seed 0 unless given) when ``n_steps`` > 0, else ``result`` itself."""
    if not n_steps:
        return result
    from .bayes import sample_posterior

    walkers = max(32, 2 * len(result.free) + 2)
    return sample_posterior(
        result, n_walkers=walkers, n_steps=n_steps, rng=0 if seed is None else seed
    )

"""``SeriesOptions``: the one options object of the effective-medium step (``tracerdiff series``
and a study's ``series_model``) and :func:`series_model`, the one function both call.

File keys carry units and may carry standard errors: ``d_bulk = "2.6e-8+-0.3e-8 cm^2/s"``,
``k = "1.5e-6+-0.2e-6 cm/s"``, ``d_eff = "2.2e-9 cm^2/s"``, ``grain_size = "16+-11 um"`` (mean
+- sd of single grains), ``grain_size_error = "0.6 um"`` (standard error of the mean),
``delta = "0.5 nm"``, ``time = "6 weeks"``. Python names: ``d_bulk``/``d_bulk_err`` (cm^2/s),
``k``/``k_err`` (cm/s), ``d_eff``/``d_eff_err``, ``grain_size_um`` (mean, sd), ``delta_nm``,
``time_s``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar

import numpy as np
from pydantic import BeforeValidator, Field, model_validator

from ..errors import InputError
from ..options_base import MAX_K_SIGMA_LN, GBOptionsModel, LengthNm, LengthUm, Seconds
from ..units import parse_quantity_with_error

__all__ = ["SeriesOptions", "series_model"]


def _mean_sd(v: Any) -> Any:
    """``"16+-11 um"``: (mean, sd) in um; a plain length has no spread (sd None)."""
    if not isinstance(v, str):
        return v
    try:
        return parse_quantity_with_error(v, "length")
    except InputError as exc:
        raise ValueError(f"grain_size: {exc}; expected e.g. '16+-11 um'") from None


class SeriesOptions(GBOptionsModel):
    """D_eff of a polycrystal from D_b, k and the grain size (``model`` series | brick | mg1 |
    mg2 | mg3 | hs | hex), or k from ``d_eff``; ``time_s`` and ``n_grains`` for the validity
    and the chain estimate, ``k_spread`` the lognormal spread of k along the chain (sigma of
    ln k, as the profile fits' ``k_spread``), ``k_mean`` which mean of the lognormal k the
    given (or solved) k is, ``seed`` of the chain Monte Carlo."""

    QUANTITY_KEYS: ClassVar[tuple[str, ...]] = (
        "d_bulk",
        "k",
        "d_eff",
        "grain_size",
        "grain_size_error",
        "delta",
        "time",
    )
    WITH_ERRORS: ClassVar[dict[str, str]] = {
        "d_bulk": "diffusivity",
        "k": "velocity",
        "d_eff": "diffusivity",
    }

    # values are checked by effective_medium (one set of messages for CLI, study and Python)
    d_bulk: float | None = None
    d_bulk_err: float | None = None
    k: float | None = None
    k_err: float | None = None
    d_eff: float | None = None
    d_eff_err: float | None = None
    grain_size_um: Annotated[tuple[float, float | None] | None, BeforeValidator(_mean_sd)] = Field(
        default=None, alias="grain_size"
    )
    grain_size_error_um: LengthUm | None = Field(default=None, alias="grain_size_error")
    model: str = "series"
    delta_nm: LengthNm | None = Field(default=None, alias="delta")
    time_s: Seconds | None = Field(default=None, alias="time")
    n_grains: int | None = None
    k_spread: float = 0.0
    k_mean: str = "harmonic"
    seed: int | None = Field(default=None, ge=0)

    @property
    def k_rel_sd(self) -> float:
        """The relative sd of the lognormal k that ``k_spread`` (sigma of ln k) gives."""
        return math.sqrt(math.expm1(self.k_spread**2))

    @model_validator(mode="after")
    def _checked(self) -> SeriesOptions:
        """The checks of :func:`~tracerdiff.models.effective_medium` that need no data."""
        from .effective import MODELS, _check_errors, _check_options

        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}; expected one of {', '.join(MODELS)}")
        if self.k is not None and self.d_eff is not None:
            raise ValueError("give k (compute D_eff) or d_eff (solve for k), not both")
        if not (math.isfinite(self.k_spread) and 0 <= self.k_spread <= MAX_K_SIGMA_LN):
            raise ValueError(
                f"the spread of k (k_spread, sigma of ln k) must be in [0, {MAX_K_SIGMA_LN:g}]; "
                f"got {self.k_spread:g}"
            )
        _check_options(self.time_s, self.n_grains, self.d_eff_err, self.k_rel_sd)
        _check_errors(self.k_mean, self.k_err, self.d_bulk_err, self.grain_size_error_um)
        return self


def series_model(options: SeriesOptions, *, rng: np.random.Generator | int | None = None) -> Any:
    """:func:`tracerdiff.models.effective_medium` with ``options`` (``rng`` overrides
    ``options.seed``); the :class:`~tracerdiff.models.EffectiveMediumResult`."""
    from . import effective_medium  # the package's name (what callers may wrap or replace)

    o = options
    if o.d_bulk is None or o.grain_size_um is None:
        raise InputError("the series model needs d_bulk and grain_size (e.g. '16+-11 um')")
    if o.k is None and o.d_eff is None:
        raise InputError("the series model needs k (D_gb/delta) or d_eff (to solve for k)")
    return effective_medium(
        d_bulk=o.d_bulk,
        d_bulk_err=o.d_bulk_err,
        grain_um=o.grain_size_um[0],
        grain_sd_um=o.grain_size_um[1],
        grain_se_um=o.grain_size_error_um,
        k=o.k,
        k_err=o.k_err,
        k_mean=o.k_mean,
        d_eff=o.d_eff,
        d_eff_err=o.d_eff_err,
        delta_nm=0.5 if o.delta_nm is None else o.delta_nm,
        model=o.model,
        time_s=o.time_s,
        n_grains=o.n_grains,
        k_rel_sd=o.k_rel_sd,
        rng=o.seed if rng is None else rng,
    )

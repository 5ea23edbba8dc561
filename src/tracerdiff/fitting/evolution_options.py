"""``EvolutionFitOptions``: the one options object of an evolution fit (``tracerdiff fit
evolution`` and a study's ``evolution_fit``), and :func:`fit_evolution_options`, the one
function both call.

File keys carry units (``time = ["2 week", "6 week"]``, ``source_time = "1 h"``,
``initial_time = "110 h"``, ``domain = ["0 um", "10 mm"]``, ``grain_size = "16+-11 um"``,
``d_bulk = "2.6e-8 cm^2/s"``); Python code may pass the floats by name (``times_s``,
``source_time_s``, ``initial_time_s``, ``domain_um``, ``grain_size_um``, ``d_bulk``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from ..errors import InputError
from ..options_base import LengthUm, Seconds
from .fit_options import posterior_if_asked
from .grain_options import GrainSamplingOptions

__all__ = ["EvolutionFitOptions", "fit_evolution_options"]


class EvolutionFitOptions(GrainSamplingOptions):
    """``fit`` "D" (one D_eff; isothermal) or "arrhenius" (global D0 and Ea: needs histories at
    two or more temperatures); ``times_s`` (key ``time``) the time from the initial to each
    later profile (closed storage), of which the first ``source_time_s`` (key ``source_time``)
    in the tracer bath with the surface at ``c_source`` (default: the erfc fit's C_s);
    ``initial_model`` measured | erfc (its erfc fit at ``initial_time_s``, key
    ``initial_time``: the exchange time); ``domain_um`` (key ``domain``) the sample's closed
    ends; the grain-sampling keys of :class:`GrainSamplingOptions`; ``posterior`` emcee steps
    (0: none) with ``seed``."""

    QUANTITY_KEYS: ClassVar[tuple[str, ...]] = (
        "time",
        "source_time",
        "initial_time",
        "domain",
        "grain_size",
        "d_bulk",
    )

    fit: Literal["D", "arrhenius"] = "D"
    times_s: list[Seconds] | None = Field(default=None, min_length=1, alias="time")
    source_time_s: Seconds | None = Field(default=None, gt=0, alias="source_time")
    c_source: float | None = Field(default=None, ge=0, le=1)
    initial_model: Literal["measured", "erfc"] = "measured"
    initial_time_s: Seconds | None = Field(default=None, gt=0, alias="initial_time")
    domain_um: tuple[LengthUm, LengthUm] | None = Field(default=None, alias="domain")
    posterior: int = Field(default=0, ge=0)
    seed: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> EvolutionFitOptions:
        if self.times_s is not None and not all(t > 0 for t in self.times_s):
            raise ValueError("time: every time must be > 0 s")
        if self.domain_um is not None and not self.domain_um[1] > self.domain_um[0]:
            raise ValueError("domain: expected [A, B] with A < B, e.g. ['0 um', '10 mm']")
        if self.fit == "arrhenius" and (self.times_s is not None or self.source_time_s):
            raise ValueError(
                "fit = 'arrhenius' takes its stages from the history, not time or source_time"
            )
        if self.posterior and self.posterior < 50:
            raise ValueError(
                f"posterior: need at least 50 steps (or 0 for none), got {self.posterior}"
            )
        return self


def _histories(options: EvolutionFitOptions, n_later: int, histories: Any) -> tuple[Any, Any]:
    """``(times_s, histories)`` for the fit functions: the given histories, or the elapsed
    times (with their first ``source_time_s`` in the bath)."""
    if histories is not None:
        if options.times_s is not None or options.source_time_s is not None:
            raise InputError("give the histories or time (and source_time), not both")
        return None, list(histories)
    if options.fit == "arrhenius":
        raise InputError("fit = 'arrhenius' needs histories at two or more temperatures")
    if options.times_s is None:
        raise InputError("the evolution fit needs one time per later profile (e.g. '2 week')")
    if len(options.times_s) != n_later:
        raise InputError(
            f"give one time per later profile: {n_later} profiles, {len(options.times_s)} times"
        )
    if options.source_time_s is None:
        return list(options.times_s), None
    from .histories import elapsed_histories

    return None, elapsed_histories(options.times_s, source_time_s=options.source_time_s)


def fit_evolution_options(
    initial: Any,
    later: Sequence[Any],
    options: EvolutionFitOptions,
    *,
    histories: Sequence[Any] | None = None,
) -> Any:
    """Fit the evolution of ``initial`` into ``later`` (:class:`~tracerdiff.fitting.ProfileData`
    or profile datasets) with ``options``: :func:`tracerdiff.fitting.fit_evolution` (or
    :func:`~tracerdiff.fitting.fit_arrhenius_evolution` for ``fit = "arrhenius"``), then the
    emcee posterior when ``options.posterior`` > 0.

    ``histories`` (one :class:`~tracerdiff.history.ThermalHistory` per later profile, e.g. a
    study's recorded stages) replace ``options.times_s``/``source_time_s``. Returns the
    :class:`~tracerdiff.fitting.FitResult`.
    """
    from .evolution import fit_arrhenius_evolution, fit_evolution

    if options.initial_model == "erfc" and options.initial_time_s is None:
        raise InputError("initial_model 'erfc' needs initial_time (the exchange time)")
    times, hists = _histories(options, len(later), histories)
    common: dict[str, Any] = {
        "c_source": options.c_source,
        "initial_mode": options.initial_model,
        "initial_time_s": options.initial_time_s if options.initial_model == "erfc" else None,
        "domain_um": options.domain_um,
        "microstructure": options.microstructure,
    }
    if options.fit == "arrhenius":
        r = fit_arrhenius_evolution(initial, later, histories=hists, **common)
    else:
        r = fit_evolution(initial, later, times_s=times, histories=hists, **common)
    return posterior_if_asked(r, n_steps=options.posterior, seed=options.seed)

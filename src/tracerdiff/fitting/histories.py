"""Thermal histories of evolution fits given as bare elapsed times (the stand-in temperature)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..errors import InputError
from ..history import Stage, ThermalHistory

__all__ = ["STAND_IN_TEMPERATURE_K", "elapsed_histories"]

#: Temperature (K) given to the stages built from bare elapsed times (22 C, the study's
#: exchange and storage temperature).  It only labels the stages: every stage of such a fit is
#: at this one temperature, so the model depends on ``D t`` alone and the fitted ``D_eff`` is the
#: same whatever this value is (tested).  Give real histories for several temperatures.
STAND_IN_TEMPERATURE_K = 295.15


def elapsed_histories(
    times_s: Sequence[float],
    *,
    source_time_s: float | None = None,
    temperature_K: float = STAND_IN_TEMPERATURE_K,
) -> list[ThermalHistory]:
    """One isothermal history per elapsed time (s) since the initial profile: closed storage,
    or first ``source_time_s`` in the tracer bath ("source" stage) and the rest closed.

    The stages are at ``temperature_K`` (:data:`STAND_IN_TEMPERATURE_K`), a label only: an
    isothermal fit depends on ``D t``.  Raises InputError for times <= 0 or a source time longer
    than an elapsed time.
    """
    times = [float(t) for t in times_s]
    if any(not (math.isfinite(t) and t > 0) for t in times):
        raise InputError("every elapsed time must be > 0 s")
    if source_time_s is None:
        return [ThermalHistory.isothermal(temperature_K, t) for t in times]
    ts = float(source_time_s)
    if not (math.isfinite(ts) and ts > 0):
        raise InputError(f"the source time must be > 0 s, got {source_time_s}")
    out = []
    for t in times:
        if ts > t * (1 + 1e-12):
            raise InputError(f"the source time ({ts:g} s) exceeds an elapsed time ({t:g} s)")
        stages = [Stage(temperature_K, ts, "source")]
        if t - ts > 1e-9 * t:
            stages.append(Stage(temperature_K, t - ts))
        out.append(ThermalHistory(stages))
    return out

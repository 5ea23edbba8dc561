"""From a validated study to a plan: which files to load, which analyses in which order, and the
random stream of each (one ``numpy.random.SeedSequence`` spawned per analysis and per part, so
results do not depend on the scheduler or the order tasks finish in).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ConfigError
from .load import Study
from .schema import EvolutionFitSpec, History, Measurement, StudyFile, stage_index

__all__ = ["MeasurementTiming", "Plan", "PlannedAnalysis", "make_plan", "timing_of"]


@dataclass(frozen=True)
class MeasurementTiming:
    """Where a measurement sits in its history: stages before it and the time since exchange."""

    history: str
    stage: str
    stage_index: int
    time_since_exchange_s: float
    exchange_duration_s: float
    temperature_K: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain form (times in s, temperature in K)."""
        return {
            "history": self.history,
            "after_stage": self.stage,
            "time_since_exchange": {
                "value": self.time_since_exchange_s,
                "stderr": None,
                "unit": "s",
            },
            "stage_temperature": {"value": self.temperature_K, "stderr": None, "unit": "K"},
        }


def timing_of(study: StudyFile, m: Measurement) -> MeasurementTiming | None:
    """Timing of measurement ``m`` (None when it names no history)."""
    if m.history is None:
        return None
    h = study.history(m.history)
    idx = stage_index(h, m.after) if m.after is not None else 0
    ex = next(i for i, s in enumerate(h.stages) if s.kind == "exchange")
    elapsed = sum(s.duration for s in h.stages[ex : idx + 1])
    return MeasurementTiming(
        history=h.name,
        stage=h.stages[idx].name,
        stage_index=idx,
        time_since_exchange_s=float(elapsed),
        exchange_duration_s=float(h.stages[ex].duration),
        temperature_K=float(h.stages[idx].temperature),
    )


@dataclass(frozen=True)
class PlannedAnalysis:
    """One analysis of the plan: its spec, inputs and its own seed sequence."""

    index: int
    spec: Any
    measurements: tuple[str, ...]
    depends_on: tuple[str, ...]
    seed: np.random.SeedSequence = field(repr=False)
    params: dict[str, Any] = field(default_factory=dict)  #: as written in the file (units kept)

    @property
    def id(self) -> str:
        """The analysis id."""
        return str(self.spec.id)

    def seed_info(self) -> dict[str, Any]:
        """Entropy and spawn key of this analysis' random stream (for provenance)."""
        entropy = self.seed.entropy
        return {
            "entropy": entropy if isinstance(entropy, int) else str(entropy),
            "spawn_key": list(self.seed.spawn_key),
        }


@dataclass(frozen=True)
class Plan:
    """Everything the runner needs: the study, timings, the analyses in dependency order."""

    study: Study
    timings: dict[str, MeasurementTiming | None]
    analyses: tuple[PlannedAnalysis, ...]
    root_seed: int

    @property
    def needed_measurements(self) -> list[str]:
        """Ids of measurements some analysis reads, in file order."""
        used = {m for a in self.analyses for m in a.measurements}
        return [m.id for m in self.study.spec.measurements if m.id in used]


def make_plan(study: Study) -> Plan:
    """Build the plan of ``study`` (checks histories that evolution fits need)."""
    s = study.spec
    timings = {m.id: timing_of(s, m) for m in s.measurements}
    root = np.random.SeedSequence(s.study.seed)
    seeds = root.spawn(len(s.analyses))
    planned = []
    raw = study.raw.get("analyses", [])
    for i, (a, seq) in enumerate(zip(s.analyses, seeds, strict=True)):
        params = (
            {k: v for k, v in raw[i].items() if k not in ("id", "type", "title")}
            if (i < len(raw))
            else {}
        )
        if isinstance(a, EvolutionFitSpec):
            _check_evolution(study, i, a, timings)
        planned.append(
            PlannedAnalysis(
                index=i,
                spec=a,
                measurements=tuple(a.measurements()),
                depends_on=tuple(a.depends_on()),
                seed=seq,
                params=params,
            )
        )
    return Plan(study=study, timings=timings, analyses=tuple(planned), root_seed=s.study.seed)


def _check_evolution(
    study: Study, i: int, a: EvolutionFitSpec, timings: dict[str, MeasurementTiming | None]
) -> None:
    t0 = timings[a.initial]
    if t0 is None:
        raise ConfigError(
            f"{study.where(('analyses', i, 'initial'))}: measurement {a.initial!r} "
            "needs 'history' and 'after' for an evolution fit"
        )
    for j, mid in enumerate(a.later):
        t = timings[mid]
        if t is None or t.history != t0.history or t.stage_index <= t0.stage_index:
            raise ConfigError(
                f"{study.where(('analyses', i, 'later', j))}: measurement {mid!r} must be taken "
                f"later in the same history as {a.initial!r} (history {t0.history!r}, after a "
                f"stage following {t0.stage!r})"
            )


def stages_between(history: History, start: int, stop: int) -> list[Any]:
    """The stages after index ``start`` up to and including ``stop``, as history.Stage objects."""
    from ..history import Stage as HStage

    return [
        HStage(temperature_K=s.temperature, duration_s=s.duration, boundary=s.boundary_resolved)
        for s in history.stages[start + 1 : stop + 1]
    ]

"""The task functions the runner sends to dask: load a measurement, run an analysis (or one part
of it), combine parts. Each catches :class:`~tracerdiff.errors.TracerdiffError` and ordinary
numerical errors and turns them into a failed outcome with its reason, so the others still run.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import TracerdiffError
from ..quantities import jsonable
from .outcome import AnalysisOutcome, AnalysisOutput
from .plan import MeasurementTiming, PlannedAnalysis
from .schema import Measurement, StudyFile

__all__ = ["Failure", "Inputs", "Runner", "combine_task", "load_task", "part_task", "run_task"]

#: any error inside one analysis fails that analysis only (its reason names the error and, for
#: errors that are not TracerdiffError, only their type and where), never the whole run
_EXPECTED = (Exception,)


@dataclass(frozen=True)
class Failure:
    """A task that did not produce its result, and why."""

    reason: str


@dataclass(frozen=True)
class Inputs:
    """What an analysis adapter receives."""

    study: StudyFile
    base_dir: Path
    datasets: dict[str, Any]
    timings: dict[str, MeasurementTiming | None]
    upstream: dict[str, AnalysisOutcome]
    seed: np.random.SeedSequence = field(repr=False)

    def rng(self) -> np.random.Generator:
        """The analysis' own generator (same stream whatever the scheduler)."""
        return np.random.default_rng(self.seed)

    def part_seed(self, i: int) -> np.random.SeedSequence:
        """Seed of part ``i`` (equal to the i-th child of ``seed.spawn``; stateless)."""
        return np.random.SeedSequence(self.seed.entropy, spawn_key=(*self.seed.spawn_key, i))


@dataclass(frozen=True)
class Runner:
    """How to run one analysis type: whole (``run``) or in independent parts."""

    run: Callable[[Any, Inputs], AnalysisOutput] | None = None
    n_parts: Callable[[Any], int] | None = None
    run_part: Callable[[Any, Inputs, int], Any] | None = None
    combine: Callable[[Any, Inputs, list[Any]], AnalysisOutput] | None = None


def _reason(exc: BaseException) -> str:
    """Why a task failed, without any text of the input files: a TracerdiffError's own message
    (which names the file and the line, never its content); for any other exception only its
    type and where in tracerdiff it was raised (its message may quote the file)."""
    if isinstance(exc, TracerdiffError):
        return str(exc)
    if isinstance(exc, ImportError):
        return f"a required part of tracerdiff is not available: {exc.name or 'a module'}"
    tb = traceback.extract_tb(exc.__traceback__)
    where = f" (in {Path(tb[-1].filename).name}:{tb[-1].lineno})" if tb else ""
    return f"{type(exc).__name__}{where}"


def load_task(m: Measurement, loader: Callable[..., Any], base_dir: Path | None = None) -> Any:
    """Read one measurement (``loader(m, base_dir=...)``); a :class:`Failure` instead of
    raising."""
    try:
        return loader(m, base_dir=base_dir)
    except _EXPECTED as exc:
        names = (
            ""
            if isinstance(exc, TracerdiffError)
            else (" reading " + ", ".join(p.name for p in m.files))
        )  # the message names no file
        return Failure(f"measurement {m.id!r} could not be read: {_reason(exc)}{names}")


def _inputs(
    pa: PlannedAnalysis,
    ctx: dict[str, Any],
    datasets: dict[str, Any],
    upstream: dict[str, AnalysisOutcome],
) -> Inputs | Failure:
    for ds in datasets.values():
        if isinstance(ds, Failure):
            return Failure(ds.reason)
    for aid, out in upstream.items():
        if not out.ok:
            return Failure(f"skipped: it uses analysis {aid!r}, which {out.status}")
    return Inputs(
        study=ctx["study"],
        base_dir=ctx["base_dir"],
        datasets=datasets,
        timings=ctx["timings"],
        upstream=upstream,
        seed=pa.seed,
    )


def _outcome(
    pa: PlannedAnalysis,
    status: str,
    *,
    reason: str = "",
    out: AnalysisOutput | None = None,
    elapsed: float = 0.0,
) -> AnalysisOutcome:
    spec = pa.spec
    params = jsonable(pa.params)
    return AnalysisOutcome(
        id=pa.id,
        type=spec.type,
        title=spec.title or f"{spec.type} {pa.id}",
        status=status,
        reason=reason,
        params=params,
        results=dict(out.results) if out else {},
        tables=out.tables if out else (),
        figures=out.figures if out else (),
        methods=out.methods if out else "",
        warnings=out.warnings if out else (),
        elapsed_s=elapsed,
        seed=pa.seed_info(),
        objects=dict(out.objects) if out else {},
    )


def run_task(
    pa: PlannedAnalysis,
    runner: Runner,
    ctx: dict[str, Any],
    datasets: dict[str, Any],
    upstream: dict[str, AnalysisOutcome],
) -> AnalysisOutcome:
    """Run a whole analysis."""
    t0 = time.perf_counter()
    inputs = _inputs(pa, ctx, datasets, upstream)
    if isinstance(inputs, Failure):
        status = "skipped" if inputs.reason.startswith("skipped") else "failed"
        return _outcome(pa, status, reason=inputs.reason)
    assert runner.run is not None
    try:
        out = runner.run(pa.spec, inputs)
    except _EXPECTED as exc:
        return _outcome(pa, "failed", reason=_reason(exc), elapsed=time.perf_counter() - t0)
    return _outcome(pa, "ok", out=out, elapsed=time.perf_counter() - t0)


def part_task(
    pa: PlannedAnalysis,
    runner: Runner,
    i: int,
    ctx: dict[str, Any],
    datasets: dict[str, Any],
    upstream: dict[str, AnalysisOutcome],
) -> Any:
    """Run part ``i`` of an analysis; a :class:`Failure` instead of raising."""
    inputs = _inputs(pa, ctx, datasets, upstream)
    if isinstance(inputs, Failure):
        return inputs
    assert runner.run_part is not None
    try:
        return runner.run_part(pa.spec, inputs, i)
    except _EXPECTED as exc:
        return Failure(f"part {i + 1}: {_reason(exc)}")


def combine_task(
    pa: PlannedAnalysis,
    runner: Runner,
    ctx: dict[str, Any],
    datasets: dict[str, Any],
    upstream: dict[str, AnalysisOutcome],
    parts: list[Any],
) -> AnalysisOutcome:
    """Combine the parts of an analysis into its outcome."""
    t0 = time.perf_counter()
    inputs = _inputs(pa, ctx, datasets, upstream)
    if isinstance(inputs, Failure):
        status = "skipped" if inputs.reason.startswith("skipped") else "failed"
        return _outcome(pa, status, reason=inputs.reason)
    failed = [p for p in parts if isinstance(p, Failure)]
    if failed and len(failed) == len(parts):
        return _outcome(pa, "failed", reason="; ".join(f.reason for f in failed[:3]))
    assert runner.combine is not None
    try:
        out = runner.combine(pa.spec, inputs, parts)
    except _EXPECTED as exc:
        return _outcome(pa, "failed", reason=_reason(exc), elapsed=time.perf_counter() - t0)
    return _outcome(pa, "ok", out=out, elapsed=time.perf_counter() - t0)

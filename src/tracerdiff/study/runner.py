"""Run a study end to end: validate, plan, compute (dask), write the output folder atomically.

The output folder is built in a temporary folder beside ``out_dir`` and renamed into place only
when complete (``tracerdiff.outputs.atomic_dir``); an ``out_dir`` that may not be written (an
earlier run's folder without ``force``, a folder not written by tracerdiff, one holding the study
file or its data, the current folder) is refused before anything is computed.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..outputs import atomic_dir, check_output_dir
from ..results import ResultMixin
from .compare import evaluate_comparisons
from .load import Study, load_study
from .outcome import AnalysisOutcome
from .parallel import Node, Ref, check_scheduler, run_graph
from .plan import Plan, make_plan
from .schema import files_of
from .tasks import Runner, combine_task, load_task, part_task, run_task

__all__ = ["RunResult", "build_nodes", "execute_plan", "run_study"]


@dataclass(frozen=True)
class RunResult(ResultMixin):
    """What ``run_study`` did: where it wrote, and each analysis' status."""

    out_dir: Path
    outcomes: tuple[AnalysisOutcome, ...]
    comparisons: tuple[dict[str, Any], ...] = ()
    outputs: tuple[str, ...] = ()
    elapsed_s: float = 0.0
    provenance: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain summary (stable keys, documented in docs/cli.md)."""
        n = {s: sum(o.status == s for o in self.outcomes) for s in ("ok", "failed", "skipped")}
        return {
            "out_dir": str(self.out_dir),
            "n_analyses": len(self.outcomes),
            "n_ok": n["ok"],
            "n_failed": n["failed"],
            "n_skipped": n["skipped"],
            "analyses": [
                {"id": o.id, "type": o.type, "status": o.status, "reason": o.reason or None}
                for o in self.outcomes
            ],
            "comparisons": list(self.comparisons),
            "outputs": list(self.outputs),
            "elapsed_s": round(self.elapsed_s, 3),
        }


def build_nodes(plan: Plan, runners: dict[str, Runner], loader: Callable[[Any], Any]) -> list[Node]:
    """The task graph of ``plan``: one load per measurement, analyses (or parts + combine)."""
    spec = plan.study.spec
    ctx = {"study": spec, "base_dir": plan.study.base_dir, "timings": plan.timings}
    nodes = [
        Node(
            f"load-{mid}",
            load_task,
            (spec.measurement(mid), loader, plan.study.base_dir),
            label=f"read {mid}",
        )
        for mid in plan.needed_measurements
    ]
    for pa in plan.analyses:
        runner = runners[pa.spec.type]
        ds = {m: Ref(f"load-{m}") for m in pa.measurements}
        up = {a: Ref(f"analysis-{a}") for a in pa.depends_on}
        if runner.n_parts is not None:
            n = runner.n_parts(pa.spec)
            parts = [Ref(f"part-{pa.id}-{i}") for i in range(n)]
            nodes += [
                Node(
                    f"part-{pa.id}-{i}",
                    part_task,
                    (pa, runner, i, ctx, ds, up),
                    label=f"{pa.id} part {i + 1}/{n}",
                )
                for i in range(n)
            ]
            nodes.append(
                Node(
                    f"analysis-{pa.id}", combine_task, (pa, runner, ctx, ds, up, parts), label=pa.id
                )
            )
        else:
            nodes.append(
                Node(f"analysis-{pa.id}", run_task, (pa, runner, ctx, ds, up), label=pa.id)
            )
    return nodes


@contextlib.contextmanager
def _progress(total: int, enabled: bool) -> Iterator[Callable[[str], None] | None]:
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True, soft_wrap=True)  # never hard-wrapped when not a terminal
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as prog:
        tid = prog.add_task("running analyses", total=total)
        yield lambda key: prog.update(tid, advance=1, description=f"done: {key}")


def execute_plan(
    plan: Plan,
    *,
    scheduler: Any = None,
    progress: bool = False,
    runners: dict[str, Runner] | None = None,
    loader: Callable[[Any], Any] | None = None,
) -> tuple[AnalysisOutcome, ...]:
    """Compute every analysis of ``plan``; outcomes in the study's order."""
    from . import adapters

    nodes = build_nodes(plan, runners or adapters.RUNNERS, loader or adapters.load_measurement)
    with _progress(len(nodes), progress) as on_done:
        results = run_graph(nodes, scheduler=scheduler, on_done=on_done)
    return tuple(results[f"analysis-{pa.id}"] for pa in plan.analyses)


def run_study(
    study: str | os.PathLike[str] | Study,
    out_dir: str | os.PathLike[str],
    *,
    force: bool = False,
    scheduler: Any = None,
    progress: bool = False,
    replace_if: Callable[[Path], bool] | None = None,
    extra_provenance: dict[str, Any] | None = None,
) -> RunResult:
    """Run ``study`` and write report.html, results.json, tables/, figures/, provenance.json.

    A failing analysis is reported (status, reason) and the others still run. ``scheduler``:
    None (local threads), ``"sync"`` or a dask.distributed address / Client.
    """
    from ..report.writer import write_run
    from .record import provenance, report_page, results_document

    check_scheduler(scheduler)  # a malformed address is refused before any work
    t0 = time.perf_counter()
    st = study if isinstance(study, Study) else load_study(Path(study))
    out = Path(out_dir)
    inputs = (st.path, *files_of(st.spec))  # never written over or deleted
    check_output_dir(out, force=force, replace_if=replace_if, inputs=inputs)  # before any work
    plan = make_plan(st)
    outcomes = execute_plan(plan, scheduler=scheduler, progress=progress)
    comparisons = tuple(evaluate_comparisons(st, outcomes))
    with atomic_dir(out, force=force, replace_if=replace_if, inputs=inputs) as tmp:
        prov = provenance(
            plan, scheduler=scheduler, elapsed_s=time.perf_counter() - t0, extra=extra_provenance
        )
        written = write_run(
            tmp,
            report_page(plan, outcomes),
            outcomes,
            comparisons,
            results=results_document(plan, outcomes, comparisons),
            prov=prov,
        )
    return RunResult(
        out_dir=out,
        outcomes=outcomes,
        comparisons=comparisons,
        outputs=tuple(str(out / w) for w in written),
        elapsed_s=time.perf_counter() - t0,
        provenance=prov,
    )

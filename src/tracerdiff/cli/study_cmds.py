"""Commands ``run``, ``validate`` and ``demo``: study files end to end."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .common import emit

__all__ = ["register"]

DEMO_DEFAULT_DIR = "tracerdiff-demo"


def _summary_text(res: Any) -> str:
    """Where the report is, the headline results (the study's comparisons with the truth and
    published values when it has them, else each analysis' first quantities), failures."""
    d = res.to_dict()
    lines = [
        f"wrote {d['out_dir']}/report.html ({d['n_ok']} of {d['n_analyses']} analyses ok, "
        f"{d['elapsed_s']:.1f} s); all numbers in {d['out_dir']}/results.json"
    ]
    if d["comparisons"]:
        lines += _comparison_lines(d["comparisons"])
    else:
        lines += _headline_lines(res.outcomes)
    for a in d["analyses"]:
        if a["status"] != "ok":
            lines.append(f"  {a['id']}: {a['status']}: {a['reason']}")
    return "\n".join(lines)


def _q(v: dict[str, Any] | None, unit: bool = True) -> str:
    """A quantity as 'value ± stderr unit' ('-' when missing)."""
    if not v or v.get("value") is None:
        return "-"
    s = f"{v['value']:.3g}"
    if v.get("stderr") is not None:
        s += f" ± {v['stderr']:.2g}"
    return f"{s} {v.get('unit', '')}".rstrip() if unit else s


#: longest result label of the summary table (the report has them whole)
LABEL_WIDTH = 56


def _short(label: str) -> str:
    return label if len(label) <= LABEL_WIDTH else label[: LABEL_WIDTH - 3].rstrip() + "..."


def _comparison_lines(rows: list[dict[str, Any]]) -> list[str]:
    """Recovered (± standard error) beside the truth and the published value, one per row."""
    out = [
        f"  {'result':<{LABEL_WIDTH}}  {'recovered':<28} {'truth':<10} {'off (sd)':>8}  published"
    ]
    for r in rows:
        n = r.get("n_errors")
        off = f"{n:+.1f}" if isinstance(n, (int, float)) else "-"
        out.append(
            f"  {_short(str(r['label'])):<{LABEL_WIDTH}}  {_q(r.get('recovered')):<28} "
            f"{_q(r.get('truth'), unit=False):<10} {off:>8}  {_q(r.get('published'), unit=False)}"
        )
    return out


def _headline_lines(outcomes: Any, n: int = 3) -> list[str]:
    """The first ``n`` quantities of each analysis that ran."""
    out = []
    for o in outcomes:
        if o.status != "ok":
            continue
        parts = [
            f"{k} = {_q(v)}"
            for k, v in o.results.items()
            if isinstance(v, dict) and "unit" in v and v.get("value") is not None
        ][:n]
        out.append(f"  {o.id}: {'; '.join(parts) if parts else 'done (see the report)'}")
    return out


StudyArg = Annotated[Path, typer.Argument(help="The study file (TOML).")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace an earlier tracerdiff output.")]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler", help="dask.distributed scheduler address (default: local threads)."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the run summary as JSON.")]
AllowOutsideOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--allow-outside",
        metavar="PATH",
        help="A folder outside the study's folder its files may be in (repeatable).",
    ),
]


def run(
    study: StudyArg,
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder (empty or new).")],
    force: ForceOpt = False,
    scheduler: SchedulerOpt = None,
    as_json: JsonOpt = False,
    allow_outside: AllowOutsideOpt = None,
) -> None:
    """Run every analysis of a study file and write the report.

    Writes report.html (self-contained), results.json, tables/*.csv, figures/*.png|svg and
    provenance.json. A failing analysis is reported with its reason; the others still run.

    Example: tracerdiff run study.toml -o results/
    """
    from ..study import load_study, run_study

    st = load_study(study, allow_outside=allow_outside or ())
    res = run_study(
        st, out, force=force, scheduler=scheduler, progress=not as_json and sys.stderr.isatty()
    )
    emit(res.to_dict(), as_json=as_json, text=_summary_text(res))


def validate(
    study: StudyArg, as_json: JsonOpt = False, allow_outside: AllowOutsideOpt = None
) -> None:
    """Check a study file (keys, units, files, histories) without running it.

    Example: tracerdiff validate study.toml
    """
    from ..study import load_study, make_plan

    st = load_study(study, allow_outside=allow_outside or ())
    plan = make_plan(st)
    spec = st.spec
    payload = {
        "valid": True,
        "study": str(st.path),
        "title": spec.study.title,
        "histories": [h.name for h in spec.histories],
        "measurements": [m.id for m in spec.measurements],
        "analyses": [{"id": a.id, "type": a.type} for a in spec.analyses],
        "n_inputs": len({p.resolve() for m in spec.measurements for p in m.files}),
        "seed": plan.root_seed,
    }
    text = (
        f"{st.path.name}: valid ({len(spec.measurements)} measurements, "
        f"{len(spec.analyses)} analyses)"
    )
    emit(payload, as_json=as_json, text=text)


def demo(
    out: Annotated[
        Path | None,
        typer.Option("-o", "--out", help=f"Output folder (default ./{DEMO_DEFAULT_DIR}/)."),
    ] = None,
    force: ForceOpt = False,
    scheduler: SchedulerOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run the bundled LLTO demo study end to end (simulated data with known truth).

    The report shows recovered values beside the truth and the study's published numbers.
    Without -o it writes ./tracerdiff-demo/ and replaces an earlier demo output there.

    Example: tracerdiff demo
    """
    from ..study.demo import run_demo

    res = run_demo(
        out, force=force, scheduler=scheduler, progress=not as_json and sys.stderr.isatty()
    )
    emit(res.to_dict(), as_json=as_json, text=_summary_text(res))


def register(app: typer.Typer) -> None:
    """Add ``run``, ``validate`` and ``demo`` to the app."""
    app.command("run")(run)
    app.command("validate")(validate)
    app.command("demo")(demo)

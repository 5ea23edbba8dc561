"""The text a user would put in a methods section, generated from the study and the outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from .figures import format_duration
from .outcome import AnalysisOutcome
from .plan import Plan
from .schema import History

__all__ = ["describe_history", "methods_text"]


def _celsius(t_k: float) -> str:
    return f"{t_k - 273.15:.0f} °C"


def describe_history(h: History) -> str:
    """One sentence describing a history's stages."""
    parts = []
    for s in h.stages:
        what = {"exchange": "isotope exchange", "storage": "storage", "anneal": "anneal"}[s.kind]
        parts.append(f"{what} for {format_duration(s.duration)} at {_celsius(s.temperature)}")
    return f"History {h.name}: " + ", then ".join(parts) + "."


def _version() -> str:
    try:
        return version("tracerdiff")
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"


def methods_text(plan: Plan, outcomes: Sequence[AnalysisOutcome]) -> str:
    """Paragraphs (separated by blank lines): sample and histories, measurements, each analysis'
    method, software and seed."""
    spec = plan.study.spec
    s = spec.sample
    out = [f"Sample: {s.material}."]
    if s.li_density:
        out.append(f"Li number density {s.li_density:.3g} cm^-3.")
    if s.grain_size:
        gs = f"Grain size {s.grain_size.value:.3g}"
        if s.grain_size.stderr is not None:
            gs += f" ± {s.grain_size.stderr:.2g}"
        out.append(gs + " um.")
    out += [describe_history(h) for h in spec.histories]
    paragraphs = [" ".join(out)]
    out = []
    for m in spec.measurements:
        t = plan.timings.get(m.id)
        when = (
            f" after stage '{t.stage}' of history {t.history} ("
            f"{format_duration(t.time_since_exchange_s)} after the exchange began)"
            if t
            else ""
        )
        inst = f" ({m.instrument})" if m.instrument else ""
        out.append(f"Measurement {m.id}: {m.kind.replace('_', ' ')} of {m.pair}{inst}{when}.")
    paragraphs.append(" ".join(out))
    paragraphs += [o.methods for o in outcomes if o.ok and o.methods]
    paragraphs.append(
        f"Analysis with tracerdiff {_version()}; random streams from numpy SeedSequence with root "
        f"seed {plan.root_seed}, one spawned per analysis."
    )
    return "\n\n".join(p for p in paragraphs if p)

"""Human text of the step commands (``gb-step``, ``gb-map`` line route)."""

from __future__ import annotations

from typing import Any

__all__: list[str] = []


def _text(results: list[Any], summary: dict[str, Any]) -> str:
    lines = ["  pos (um)  dC_gb              dC/dy (1/cm)    D_gb/delta (cm/s)   est."]
    for r in results:
        if not r.analysable:  # no numbers to show: the reason instead
            lines.append(f"{r.position_um:10.2f}  not analysable: {r.reason}")
            continue
        d = r.to_dict()
        k = d["D_gb_over_delta"]
        ks = (
            f"{k['value']:.3g} ± {k['stderr']:.2g}"
            if k["value"] is not None
            else (f">= {k['lower']:.3g}" if k.get("lower") is not None else "n/a")
        )
        lines.append(
            f"{r.position_um:10.2f}  {r.jump:+.4f} ± {r.jump_err:.4f}  "
            f"{r.grad:+7.3g} ± {r.grad_err:<5.2g}  {ks:<19} {d['estimator'][:4]}"
        )
        if r.flags:
            lines.append(f"{'':12}flags: {', '.join(r.flags)}")
    lines.append(summary_line(summary))
    return "\n".join(lines)


#: the summary's ``counts`` other than ``measured`` and ``well_measured``, in words
_NOT_MEASURED = (
    ("bounded_only", "only bounded (95 % set open on one side)"),
    ("not_significant", "not significant (95 % set reaches k <= 0)"),
    ("uphill", "uphill (jump against the gradient: k < 0)"),
    ("not_analysable", "not analysable"),
    ("angle_unknown", "with the GB angle unknown (k listed, not averaged: use gb-map)"),
)


def summary_line(summary: dict[str, Any]) -> str:
    """The counts of the summary in words, and the harmonic mean of the measured k."""
    c = summary["counts"]
    n = c["measured"]
    text = (
        f"{c['total']} GBs: k measured at {n} (95 % set bounded and above 0), "
        f"{c['well_measured']} of them to better than 20 % with no flag raised"
    )
    rest = [f"{c[key]} {words}" for key, words in _NOT_MEASURED if c.get(key)]
    if rest:
        text += "; " + ", ".join(rest)
    hm = summary["D_gb_over_delta"].get("harmonic_mean")
    if hm and hm["value"] is not None:
        text += f"; harmonic mean k of the {n} measured = {hm['value']:.3g} cm/s"
    return text

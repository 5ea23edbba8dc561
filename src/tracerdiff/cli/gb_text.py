"""Human text of the step commands (``gb-step``, ``gb-map`` line route)."""

from __future__ import annotations

from typing import Any

__all__: list[str] = []


def _text(results: list[Any], summary: dict[str, Any]) -> str:
    lines = ["  pos (um)  dC_gb              dC/dy (1/cm)    D_gb/delta (cm/s)   est."]
    for r in results:
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
    hm = summary["D_gb_over_delta"].get("harmonic_mean")
    c = summary["counts"]
    lines.append(
        f"measured {c['measured']} of {c['total']} ({c['well_measured']} to < 20 %)"
        + (f"; harmonic mean k = {hm['value']:.3g} cm/s" if hm and hm["value"] is not None else "")
    )
    return "\n".join(lines)

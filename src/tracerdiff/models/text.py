"""Human-readable summaries of the model results: the few numbers that matter, with errors and
units, the spread-versus-error distinction spelled out, warnings visible.  No object dumps."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .arrhenius import ArrheniusResult
    from .effective import EffectiveMediumResult
    from .quench import QuenchResult
    from .regimes import BiotResult, RegimeResult
    from .transport import HavenResult, NernstEinsteinResult

__all__ = [
    "arrhenius_text",
    "biot_text",
    "effective_text",
    "haven_text",
    "nernst_einstein_text",
    "pm",
    "quench_text",
    "regime_text",
]


def pm(value: float | None, err: float | None, unit: str = "", digits: int = 3) -> str:
    """``1.23e-09 ± 4.5e-11 cm^2/s`` (as every command prints it; ``+-`` on a stream that
    cannot print ``±``); 'not available' for a missing value."""
    if value is None or not math.isfinite(value):
        return "not available"
    s = f"{value:.{digits}g}"
    if err is not None and math.isfinite(err):
        s += f" ± {err:.2g}"
    return f"{s} {unit}".rstrip()


def effective_text(r: EffectiveMediumResult) -> str:
    """Series / brick / MG result: D_eff with its standard error, the spread named apart."""
    lines = [f"{r.model} model ({'k solved from D_eff' if r.solved_for != 'D_eff' else 'D_eff'})"]
    if r.solved_for == "D_eff":
        lines.append(
            f"  D_eff         = {pm(r.d_eff, r.d_eff_err, 'cm^2/s')}"
            + (
                ""
                if r.d_eff_err is not None
                else "  (no standard error: no input standard errors given)"
            )
        )
        if r.d_eff_spread is not None:
            lines.append(
                f"  spread        = {r.d_eff_spread:.2g} cm^2/s  (single-grain values, "
                "|dD/dl| sd(l): the study's '+-', not an uncertainty)"
            )
    else:
        lines.append(
            f"  D_gb/delta    = {pm(r.k, r.k_err, 'cm/s')}  "
            + ("(standard error)" if r.k_err is not None else "(no standard error)")
        )
        if r.k_spread is not None:
            lines.append(
                f"  spread of k   = {r.k_spread:.2g} cm/s  (from sd(l) alone; not an uncertainty)"
            )
        lines.append(f"  from D_eff    = {pm(r.d_eff, r.d_eff_err, 'cm^2/s')}")
        lines += [f"  errors: {n}" for n in r.notes if n.endswith("k spread from sd(l) alone")]
    lines.append(
        f"  D_gb (delta {r.delta_nm:g} nm) = {r.k * r.delta_nm * 1e-7:.3g} cm^2/s;  "
        f"Bi = l k / D_b = {r.biot:.3g}"
    )
    if r.chain is not None:
        c = r.chain
        lines.append(
            f"  one profile over {c.n_grains} grains: D_eff {c.mean:.3g} cm^2/s, "
            f"sd {c.sd:.2g} (95 % of profiles {c.q025:.3g}-{c.q975:.3g}); k taken as "
            f"the {c.k_mean} mean, relative sd {c.k_rel_sd:.3g}"
            + ("" if r.model == "series" else f" (1D series chain, not the {r.model} model)")
        )
    v = r.validity()
    if v.get("met") is False:
        lines.append(
            f"  warning: validity not met ({v['condition']}; sqrt(D_eff t)/l = "
            f"{v['ratio_sqrtDt_over_l']:.2g})"
        )
    return "\n".join(lines)


def arrhenius_text(r: ArrheniusResult, extra: dict[str, Any] | None = None) -> str:
    """Ea, D0, D_ref with errors and how the errors were obtained; plain fit beside."""
    lo, hi = r.interval("Ea")
    d_ref, d_ref_err = r.d_ref()
    ci = (
        f"   (95 %: {lo:.4g} to {hi:.4g} eV)"
        if math.isfinite(lo) and math.isfinite(hi)
        else "   (no error: as many parameters as points)"
    )
    lines = [
        f"Arrhenius fit {r.label or ''} ({r.temperature_K.size} points, "
        f"{r.temperature_K.min():.1f}-{r.temperature_K.max():.1f} K)".replace("  ", " "),
        f"  Ea    = {pm(r.ea_eV, r.ea_err, 'eV', 4)}{ci}",
        f"  D0    = {pm(r.d0, r.d0 * r.ln_d0_err, r.unit)}",
        f"  D({r.T_ref_K:.1f} K) = {pm(d_ref, d_ref_err, r.unit)}  (reference temperature)",
        f"  errors: {r.error_method()}",
    ]
    if r.dof > 0 and r.error_source == "given":
        lines.append(f"  chi2_red = {r.chi2_red:.3g} (p = {r.chi2_p:.2g})")
    plain = r.alternatives.get("plain")
    if r.scatter_applied and plain:
        pe = plain["Ea"]
        plain_ea = pm(pe["value"], pe["stderr"], "eV", 4)
        lines.append(
            f"  plain fit (given errors only): Ea = {plain_ea} -- too small for this scatter"
        )
        if r.scatter_method == "random_effects":
            lines.append(
                f"  random-effects scatter tau = {math.sqrt(r.tau2):.2g} in ln D "
                f"({100 * math.sqrt(r.tau2):.2g} % per point)"
            )
    cur = r.curvature
    if cur.get("tested") and cur.get("non_arrhenius"):
        lines.append(
            f"  warning: curvature in ln D vs 1/T (p = {cur['p_value']:.2g}): not one Arrhenius law"
        )
    for item in (extra or {}).get("extrapolation", []):
        lines.append(
            f"  extrapolated to {item['temperature']['value']:.1f} K: "
            f"{item['D']['value']:.3g} {r.unit} (95 %: {item['lower95']['value']:.3g}-"
            f"{item['upper95']['value']:.3g})"
        )
    return "\n".join(lines)


def nernst_einstein_text(r: NernstEinsteinResult) -> str:
    """D_sigma from sigma, with the inputs in one line."""
    return (
        f"D_sigma = {pm(r.d_sigma, r.d_sigma_err, 'cm^2/s')}\n"
        f"  from sigma = {pm(r.sigma, r.sigma_err, 'S/cm')} at {r.temperature_K:.2f} K, "
        f"n = {r.density_cm3:.3g} cm^-3, z = {r.charge}  (D_sigma = sigma k_B T / (n z^2 e^2))"
    )


def haven_text(r: HavenResult) -> str:
    """H_R with its error and where it comes from; why a shared Ea was not used."""
    at = "" if r.temperature_K is None else f" at {r.temperature_K:.1f} K"
    lines = [
        f"Haven ratio H_R{at} = {pm(r.haven_ratio, r.haven_ratio_err)}",
        f"  method: {r.method}",
    ]
    band = r.ci95()
    if band:
        lines.append(f"  95 % band: {band[0]:.3g} to {band[1]:.3g}")
    d = r.details
    if "Ea_difference" in d:
        e = d["Ea_difference"]
        lines.append(f"  Ea tracer - Ea conductivity = {pm(e['value'], e['stderr'], 'eV')}")
    if "shared_ea_consistent" in d:
        p = d.get("p_value", {}).get("value")
        verdict = {True: "consistent", False: "rejected", None: "not testable"}[
            d["shared_ea_consistent"]
        ]
        lines.append(f"  one shared Ea: {verdict}" + ("" if p is None else f" (p = {p:.2g})"))
    for n in r.notes:
        lines.append(f"  note: {n}")
    return "\n".join(lines)


def quench_text(r: QuenchResult) -> str:
    """Diffusion lengths of each law against the resolution; the verdict first."""
    verdict = "frozen" if r.frozen else "NOT frozen"
    lines = [
        f"quench check: {verdict} at {r.stage_K:.1f} K for {r.time_s / 3600:.3g} h "
        f"(resolution {r.resolution_um:g} um, upper 95 % band)"
    ]
    for c in r.checks:
        lines.append(
            f"  {c.name:6s} D = {c.d_stage:.3g} cm^2/s: sqrt(2 D t) = "
            f"{c.length_total_um:.3g} um (upper {c.length_total_upper_um:.3g} um)"
            f" {'<' if c.below_resolution_upper else '>='} resolution"
        )
    if r.warmest_upper_K is not None:
        lines.append(f"  warmest stage keeping all below: {r.warmest_upper_K:.1f} K (upper band)")
    for n in r.notes:
        lines.append(f"  note: {n}")
    return "\n".join(lines)


_HARRISON = {
    "A": "type A",
    "A-B": "between types A and B",
    "B": "type B",
    "B-C": "between types B and C",
    "C": "type C",
}


def regime_text(r: RegimeResult) -> str:
    """Harrison regime: the verdict, the numbers that decide it, what to fit."""
    lam_um, l_um = r.lam_cm * 1e4, r.grain_cm * 1e4
    wlc = (
        "applies (type B, beta > 10)"
        if r.wlc_applicable
        else "does not apply (" + ("beta <= 10)" if r.regime == "B" else "not type B)")
    )
    lines = [
        f"Harrison regime {r.regime} ({_HARRISON.get(r.regime, r.regime)}; fast grain boundaries)",
        f"  bulk diffusion length Lambda = sqrt(D t) = {lam_um:.3g} um, grain size "
        f"l = {l_um:.3g} um (Lambda/l = {lam_um / l_um:.3g})",
        f"  alpha = s delta/(2 Lambda) = {r.alpha:.3g};  "
        f"beta = s delta D_gb/(2 D Lambda) = {r.beta:.3g}",
        f"  why: {'; '.join(r.reasons[3:]) or 'see the numbers above'}",
        f"  Whipple-Le Claire / Suzuoka 6/5 method: {wlc}",
        f"  analysis: {r.to_dict()['analysis']}",
    ]
    d_hart = r.to_dict().get("D_eff_hart")
    if d_hart is not None:
        lines.append(f"  Hart D_eff = {pm(d_hart['value'], None, 'cm^2/s')}")
    return "\n".join(lines)


def biot_text(r: BiotResult) -> str:
    """Slow-GB regime: Bi = l k / D_b, what it implies, the inputs."""
    return "\n".join(
        [
            f"slow grain boundaries: Bi = l k / D_b = {r.bi:.3g}",
            f"  {r.verdict()}",
            f"  one GB resists like {r.bulk_equivalent_um:.3g} um of bulk (D_b / k)",
            f"  from k = D_gb/delta = {r.k:.3g} cm/s, D_b = {r.d_bulk:.3g} cm^2/s, "
            f"l = {r.grain_cm * 1e4:.3g} um",
        ]
    )

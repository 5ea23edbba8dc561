"""Whether a fit can be trusted: one :func:`assess` turns a fit's numbers into a status and notes.

The vocabulary follows the step analysis (``poor_fit`` at a chi-square p-value below 1e-3).
Statuses, most serious first (a result reports the most serious that applies, and one note per
finding):

- ``failed``: the optimiser did not converge, or chi-square is not finite (``success`` False);
- ``poor_fit``: chi-square with the stated errors has p < 1e-3 for its degrees of freedom (the
  standard errors are *not* scaled by sqrt(chi2_red); the note says by how much they would be).
  It outranks the findings below because they read the standard errors, which it rejects;
- ``poor_mixing`` (posteriors only, :mod:`tracerdiff.fitting.bayes`): the Markov chain did not
  explore the posterior (stuck walkers, chain shorter than 50 autocorrelation times);
- ``unconstrained``: a rate parameter (``D_eff``, ``k_s``, ``D0``, ... fitted on a log scale) is
  not determined by the data: singular or non-finite covariance, relative standard error > 1,
  correlation beyond +-0.995 with another parameter, a 95 % interval open on one side or not
  found, a diffusion length 2 sqrt(D_eff t) below the point spacing, or a fit stopped at its
  starting values (then also ``success`` False);
- ``at_bound``: a free parameter ends within 1e-6 of its range (fitted coordinates) of a bound;
- ``unphysical``: a fitted fraction ``C_s`` or ``C_0`` lies outside [0, 1] by more than two
  standard errors;
- ``ok``: none of these.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import chdtrc  # chi-square survival; scipy.stats takes ~0.5 s to import

if TYPE_CHECKING:
    from .result import FitResult

__all__ = [
    "SEVERITY",
    "STALLED_MESSAGE",
    "assess",
    "determination_notes",
    "findings",
    "is_chi2_note",
    "with_status",
    "worst",
]

#: statuses from least to most serious
SEVERITY = ("ok", "unphysical", "at_bound", "unconstrained", "poor_mixing", "poor_fit", "failed")
STALLED_MESSAGE = "did not converge: stopped at the starting values"
P_POOR = 1e-3  #: chi-square p-value below which a fit is ``poor_fit``
BOUND_RTOL = 1e-6  #: distance to a bound, relative to the range in fitted coordinates
REL_SE_MAX = 1.0  #: relative standard error above which a rate parameter is unconstrained
CORR_MAX = 0.995  #: |correlation| above which two parameters are not separately determined
FRACTIONS = ("C_s", "C_0")

#: the words that mark the chi-square (poor_fit) note among a fit's notes
CHI2_P_MARK = "degrees of freedom (chi-square p = "

Finding = tuple[str, str]  # (status, note)


def is_chi2_note(note: str) -> bool:
    """Whether ``note`` is the chi-square p-value (``poor_fit``) note of :func:`assess`."""
    return note.startswith("chi2_red = ") and CHI2_P_MARK in note


def worst(*statuses: str) -> str:
    """The most serious of ``statuses`` (see :data:`SEVERITY`)."""
    return max(statuses, key=SEVERITY.index, default="ok")


def _convergence(r: FitResult) -> list[Finding]:
    if r.message.startswith(STALLED_MESSAGE):
        return [("unconstrained", "the fit stayed at its starting values: " + r.message)]
    if not r.converged:
        return [("failed", f"the fit failed: {r.message}")]
    if not math.isfinite(r.chi2):
        return [("failed", "the fit failed: chi-square is not finite at the optimum")]
    return []


def _chi2(r: FitResult) -> list[Finding]:
    dof = r.n_points - r.n_params
    if r.noise != "given" or dof <= 0 or not math.isfinite(r.chi2):
        return []
    p = float(chdtrc(dof, r.chi2))
    if p >= P_POOR:
        return []
    head = (
        f"chi2_red = {r.chi2_red:.3g} for {dof} {CHI2_P_MARK}{p:.2g} "
        f"< {P_POOR:g}): the stated C_err understate the scatter or the model does not "
        "describe the data; "
    )
    if any(v for v in r.stderr_microstructure.values()):
        return [
            (
                "poor_fit",
                head + "the standard errors are not scaled by sqrt(chi2_red): "
                "they include the excess scatter the residuals show (grain sampling, see "
                "microstructure)",
            )
        ]
    return [
        (
            "poor_fit",
            head + "the standard errors use the stated C_err and are not scaled "
            f"(scaled by sqrt(chi2_red) they would be {math.sqrt(r.chi2_red):.3g} times larger)",
        )
    ]


def _fractions(r: FitResult) -> list[Finding]:
    out: list[Finding] = []
    for p in FRACTIONS:
        se = r.stderr.get(p)
        if p not in r.free or se is None:
            continue
        v = r.values[p]
        side = "below 0" if v + 2 * se < 0 else "above 1" if v - 2 * se > 1 else ""
        if side:
            out.append(
                (
                    "unphysical",
                    f"{p} = {v:.4g} ± {se:.2g} is {side} by more than two standard errors: an "
                    "isotope fraction lies in [0, 1] (check the normalisation or the model)",
                )
            )
    return out


def _bounds(r: FitResult) -> list[Finding]:
    prob = r.problem
    if prob is None:
        return []
    out: list[Finding] = []
    for p in r.free:
        lo, hi = (float(b) for b in prob.bounds[p])
        v = r.values[p]
        if p in prob.log_params:
            lo, hi, v = math.log(lo), math.log(hi), math.log(max(v, 1e-300))
        tol = BOUND_RTOL * (hi - lo)
        for edge, name, nat in ((lo, "lower", prob.bounds[p][0]), (hi, "upper", prob.bounds[p][1])):
            if abs(v - edge) <= tol:
                out.append(
                    (
                        "at_bound",
                        f"{p} is at its {name} bound ({nat:.4g} {r.units.get(p, '')}".rstrip()
                        + "): the optimum lies on the edge of the allowed range, so its "
                        "standard error and interval are not meaningful",
                    )
                )
    return out


def _rate_params(r: FitResult) -> list[str]:
    prob = r.problem
    logs = prob.log_params if prob is not None else frozenset({"D_eff", "k_s", "D0"})
    return [p for p in r.free if p in logs]


def _covariance(r: FitResult) -> list[Finding]:
    out: list[Finding] = []
    diag = np.diag(r.covariance) if r.covariance.size else np.array([])
    if diag.size and not np.all(np.isfinite(diag)):
        out.append(
            (
                "unconstrained",
                "covariance singular: some parameters are not identifiable from these data",
            )
        )
        return out
    corr = r.correlation
    for p in _rate_params(r):
        j = r.free.index(p)
        se, v = r.stderr.get(p), r.values[p]
        if se is not None and v > 0 and se / v > REL_SE_MAX:
            out.append(
                (
                    "unconstrained",
                    f"{p} has a relative standard error of {se / v:.3g} (> {REL_SE_MAX:g}): "
                    "the data do not constrain it",
                )
            )
        for i, q in enumerate(r.free):
            rho = float(corr[i, j]) if corr.size else 0.0
            if i != j and math.isfinite(rho) and abs(rho) > CORR_MAX:
                out.append(
                    (
                        "unconstrained",
                        f"{p} and {q} are correlated at {rho:+.4f}: the data determine only a "
                        "combination of them",
                    )
                )
    return out


def _intervals(r: FitResult) -> list[Finding]:
    out: list[Finding] = []
    open_ci = []
    for p in _rate_params(r):
        lo, hi = r.ci95.get(p, (None, None))
        how = r.ci_method.get(p, "")
        if "not smooth" in how:
            out.append(
                (
                    "unconstrained",
                    f"the profile likelihood of {p} is not smooth (the model changes in steps "
                    "between the data points): one side of its 95 % interval could not be found",
                )
            )
        elif how.startswith("profile likelihood") and (lo is None) != (hi is None):
            open_ci.append(p)
            unit = r.units.get(p, "")
            bound = f"below {hi:.3g} {unit}" if hi is not None else f"above {lo:.3g} {unit}"
            out.append(("unconstrained", f"{p} is only bounded: {bound} (95 %)".rstrip()))
        elif how.startswith("profile likelihood") and lo is None and hi is None:
            out.append(("unconstrained", f"{p}: the data bound it from neither side (95 %)"))
    if open_ci:
        out.insert(
            0,
            (
                "unconstrained",
                f"95 % interval open on one side for {', '.join(open_ci)}: the data bound it from "
                "one side only (the standard error is then not meaningful)",
            ),
        )
    return out


def _resolution(r: FitResult) -> list[Finding]:
    if r.time_s is None or "D_eff" not in r.free or r.x_um.size < 2:
        return []
    spacing = float(np.median(np.diff(r.x_um)))
    length_um = 2 * math.sqrt(max(r.values["D_eff"], 0.0) * r.time_s) * 1e4
    if length_um >= spacing:
        return []
    return [
        (
            "unconstrained",
            f"D_eff too small for these data: the diffusion length 2 sqrt(D_eff t) = "
            f"{length_um:.3g} um is below the point spacing ({spacing:.3g} um), so the profile is "
            "a step the points cannot resolve and D_eff is at most an upper bound",
        )
    ]


def findings(result: FitResult) -> list[Finding]:
    """Every finding of :func:`assess` as ``(status, note)``, not only the most serious."""
    found = _convergence(result)
    if not any(s == "failed" for s, _ in found):
        for check in (_covariance, _intervals, _resolution, _bounds, _chi2, _fractions):
            found.extend(check(result))
    return found


#: findings that say a parameter is not determined by the data (whatever the chi-square)
UNDETERMINED = ("failed", "unconstrained", "at_bound")


def determination_notes(result: FitResult) -> list[str]:
    """The notes of ``result`` saying some parameter is not determined (failed, unconstrained,
    at a bound); empty for a fit whose every free parameter the data fix."""
    return list(dict.fromkeys(n for s, n in findings(result) if s in UNDETERMINED))


def assess(result: FitResult) -> tuple[str, tuple[str, ...]]:
    """The status of ``result`` and one note per finding (see the module text)."""
    found = findings(result)
    status = worst(*(s for s, _ in found))
    notes = tuple(dict.fromkeys(n for _, n in found))
    return status, notes


def with_status(result: FitResult) -> FitResult:
    """``result`` with ``status``, ``success`` and the findings of :func:`assess` in ``notes``."""
    status, found = assess(result)
    success = bool(result.converged and math.isfinite(result.chi2))
    notes = (*result.notes, *(n for n in found if n not in result.notes))
    return dataclasses.replace(result, status=status, success=success, notes=notes)

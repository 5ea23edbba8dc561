"""Grain-sampling (microstructural) error of the diffusivities fitted to a profile.

A profile through a polycrystal samples a finite stretch of grains.  In the series picture each
grain adds a resistance ``r_i = l_i / D_b + 1 / k_i``; the profile is then, to first order, the
homogeneous solution in a deformed coordinate ``xi(x) = x + W(x)`` with
``W(x) = D_eff R(x) - x`` (``R`` the resistance from the surface to ``x``).  ``W`` has
independent increments (a random walk from the surface): ``Cov(W(x), W(x')) = q min(x, x')``
with a rate ``q`` (um).  An increment ``dW`` at depth ``y`` acts as a thin extra resistance
``dW / D`` there; the data respond to it through ``K`` (:func:`image_kernel` for the analytic
profiles, :mod:`tracerdiff.fitting.evolution_walk` for evolution fits), so the weighted
least-squares estimate has the sandwich covariance

    Cov = s^2 (J^T J)^-1 + q B U U^T B^T,   B = (J^T J)^-1 J^T,   U = K diag(sqrt(dz)) / sigma

(weighted coordinates; ``dz`` the node intervals).  For a chain ``Var(ln D_eff,N) = q / L``
over a stretch ``L``, the delta-method result ``(CV^2(r) + CV^2(l) - 2 rho CV(r) CV(l)) / N``
(science.md section 10).

``q`` comes from (in :func:`grain_sampling_error`):

- ``"estimate"`` (default): restricted maximum likelihood (REML) of ``(q, s^2)`` from the fit's
  residuals, with the fitted parameters' directions projected out.  Nothing about the
  microstructure is assumed; on a homogeneous profile ``q`` is ~0 and the error stays the
  counting error.  Evolution fits pass the REML of the initial profile's own fit as
  ``q_other`` (:mod:`tracerdiff.fitting.initial_walk`); the larger rate is kept.
- :class:`GrainStatistics`: a lognormal prior on q (:func:`prior_sigma_ln` its width),
  centred on ``q0 = E[l] (1 - beta)^2 (CV^2(l) + CV^2(1/k)) f`` with
  ``beta = D_eff / D_b`` (0 when ``D_b`` is not given: GB-dominated, an upper bound),
  ``CV^2(1/k) = exp(sigma_k^2) - 1`` for a lognormal k and ``f = min(1, 3 E[l] / width)`` for
  a profile averaged across ``width_um`` (a map strip's height; 1 without a width: a line,
  the 1D series value; the lateral correlation of 3 grain lengths is measured on 2D flux
  solves, docs/fitting.md); q is the maximum of the REML likelihood times the prior (at each
  block scale, the largest kept; evolution fits: also on the initial profile's shape fit with
  the same prior, the larger kept).  Without the spread of k the grain-size term alone is a
  lower bound: ``q = max(REML, E[l] (1 - beta)^2 CV^2(l) f)``.
- ``"homogeneous"``: ``q = 0`` (single crystals, glasses): counting error only.

With the counting errors given, the white scale ``s^2`` is applied only when it exceeds 1 by
more than two of its standard errors (never below the stated counting error).  Everything
beyond the counting error is reported as ``stderr_microstructure``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import InputError
from .grain_statistics import (
    LATERAL_CORRELATION,
    GrainStatistics,
    lateral_factor,
    prior_sigma_ln,
    walk_rate_from_grains,
)
from .identified import Z95, conditional_fit, expand_fit, space_of
from .reml_walk import (
    WalkPrior,
    multiscale_reml,
    reml_rows,
    reml_walk,
    serial_blas,
    whitened,
)
from .result import FitResult

__all__ = [
    "LATERAL_CORRELATION",
    "MICROSTRUCTURE_MODES",
    "GrainStatistics",
    "grain_sampling_error",
    "lateral_factor",
    "resolve_microstructure",
    "walk_rate_from_grains",
]

FloatArray = NDArray[np.float64]
MICROSTRUCTURE_MODES = ("estimate", "homogeneous")
_MAX_NODES = 240

Microstructure = str | GrainStatistics
#: a walk rate (um) from other data of the same line and where it came from, or None; given
#: the grain statistics whose prior it is to use (None: the plain REML)
OtherRate = Callable[[GrainStatistics | None], tuple[float, str] | None]


def resolve_microstructure(spec: Microstructure | None) -> Microstructure:
    """Validate a ``microstructure=`` option: "estimate", "homogeneous" or GrainStatistics."""
    if spec is None:
        return "estimate"
    if isinstance(spec, GrainStatistics):
        return spec
    if spec not in MICROSTRUCTURE_MODES:
        raise InputError(
            f"microstructure must be 'estimate', 'homogeneous' or GrainStatistics, got {spec!r}"
        )
    return spec


@dataclass(frozen=True)
class WalkResponse:
    """How the data respond to the coordinate walk: ``K`` (n, m), d(data) / d(increment, um) of
    the walk over the node intervals ending at ``z_um`` (m,), from ``origin_um`` (the surface)."""

    K: FloatArray
    z_um: FloatArray
    origin_um: float


def nodes_for(x_um: FloatArray, origin_um: float) -> FloatArray:
    """Walk nodes: the distinct data positions beyond the origin (at most ``_MAX_NODES``)."""
    xs = np.unique(np.asarray(x_um, dtype=float))
    xs = xs[xs > origin_um]
    if xs.size > _MAX_NODES:
        xs = np.quantile(xs, np.linspace(0.0, 1.0, _MAX_NODES))
    return np.asarray(xs, dtype=float)


def image_kernel(
    u_um: FloatArray, y_um: FloatArray, slope: Callable[[FloatArray], FloatArray], *, surface: str
) -> FloatArray:
    """(n, m) first-order response of a semi-infinite profile at depths ``u_um`` to a thin extra
    resistance at depths ``y_um`` (per um of walk ``dW = D dr``), by images (Laplace transform,
    uniform capacity): beyond the layer ``(F'(u) +- F'(u + 2y)) / 2``, before it
    ``(+-F'(2y + u) - F'(2y - u)) / 2``; ``+`` for a fixed surface value ("source": erfc, also
    used for surface exchange), ``-`` for a reflecting surface ("reflecting": thin film).
    ``slope(u)`` is dC/dx of the fitted model at depth u.  A shallow layer shifts the profile
    beyond it by dW; a deep one by dW / 2 (the capacity is uniform per unit length).
    """
    sign = 1.0 if surface == "source" else -1.0
    u = np.asarray(u_um, dtype=float)[:, None]
    y = np.asarray(y_um, dtype=float)[None, :]

    def f(a: FloatArray) -> FloatArray:
        return np.asarray(slope(a.ravel()), dtype=float).reshape(a.shape)

    image = sign * f(u + 2 * y)  # F'(u + 2y), shared by both sides
    other = np.where(u > y, f(u), -f(np.abs(2 * y - u)))  # F'(u) beyond, -F'(2y - u) before
    return np.asarray(0.5 * (other + image), dtype=float)


def profile_response(
    x_um: FloatArray,
    slope: Callable[[FloatArray], FloatArray],
    origin_um: float,
    *,
    surface: str = "source",
) -> WalkResponse | None:
    """:class:`WalkResponse` of a profile model (walk increments at the node intervals' mid
    depths, :func:`image_kernel`); None without nodes.  ``slope(x)`` takes positions in um."""
    z = nodes_for(x_um, origin_um)
    if z.size < 2:
        return None
    edges = np.concatenate([[origin_um], z])
    mid = 0.5 * (edges[1:] + edges[:-1]) - origin_um
    u = np.maximum(np.asarray(x_um, dtype=float) - origin_um, 0.0)
    k = image_kernel(u, mid, lambda d: slope(d + origin_um), surface=surface)
    k[np.asarray(x_um) < origin_um, :] = 0.0
    return WalkResponse(k, z, origin_um)


def _walk_factor(resp: WalkResponse, sigma: FloatArray) -> FloatArray:
    """U = diag(1/sigma) K diag(sqrt(dz)): the increments are independent, variance q dz."""
    dz = np.diff(np.concatenate([[resp.origin_um], resp.z_um]))
    u = resp.K / sigma[:, None]
    return np.asarray(u * np.sqrt(np.maximum(dz, 0.0))[None, :], dtype=float)


def _log_widen(
    v: float, lo: float | None, hi: float | None, s_add: float, bounds: tuple[float, float]
) -> tuple[float | None, float | None]:
    """Interval ends on the log scale widened in quadrature by ``Z95 s_add``; open past bounds."""
    lo_t = None if lo is None else v - math.hypot(v - math.log(lo), Z95 * s_add)
    hi_t = None if hi is None else v + math.hypot(math.log(hi) - v, Z95 * s_add)
    lo_out = None if lo_t is None or lo_t <= math.log(bounds[0]) else math.exp(lo_t)
    hi_out = None if hi_t is None or hi_t >= math.log(bounds[1]) else math.exp(hi_t)
    return lo_out, hi_out


def _method_text(
    mode: Microstructure, q: float, q_source: str, prior: WalkPrior | None = None
) -> str:
    if mode == "homogeneous":
        return "homogeneous material: counting error only (no grain-sampling term)"
    text = (
        f"grain sampling: random-walk coordinate model (sandwich covariance), rate q = {q:.3g} "
        f"um from {q_source}"
    )
    if prior is not None:
        text += (
            f"; prior q = {prior.q_um:.3g} um (lognormal, sd of ln q {prior.sigma_ln:.2f}), "
            f"posterior q = {q:.3g} um"
        )
    return text


def _fold(
    result: FitResult,
    cov_t_total: FloatArray,
    cov_t_count: FloatArray,
    info: dict[str, Any],
) -> FitResult:
    """``result`` with the total covariance folded into stderr, covariance and intervals."""
    prob = result.problem
    t, is_log, g = space_of(result)
    cov = cov_t_total * np.outer(g, g)
    stderr = dict(result.stderr)
    s_count: dict[str, float | None] = {}
    s_micro: dict[str, float | None] = {}
    ci, how = dict(result.ci95), dict(result.ci_method)
    for j, p in enumerate(result.free):
        var_c = max(float(cov_t_count[j, j]), 0.0)
        var_tot = max(float(cov_t_total[j, j]), var_c)
        s_add = math.sqrt(max(var_tot - var_c, 0.0))
        s_count[p] = math.sqrt(var_c) * float(g[j])
        s_micro[p] = s_add * float(g[j])
        stderr[p] = math.sqrt(var_tot) * float(g[j])
        lo, hi = result.ci95.get(p, (None, None))
        if is_log[j]:
            ci[p] = _log_widen(float(t[j]), lo, hi, s_add, prob.bounds[p])
        else:
            se = stderr[p] or 0.0
            ci[p] = (result.values[p] - Z95 * se, result.values[p] + Z95 * se)
        if s_add > 0:
            how[p] = f"{result.ci_method.get(p, 'wald')} + grain sampling"
    added = cov_t_total - cov_t_count
    if np.all(np.isfinite(added)):
        info = {**info, "covariance_fit_coordinates": added}
    return dataclasses.replace(
        result,
        covariance=cov,
        stderr=stderr,
        ci95=ci,
        ci_method=how,
        stderr_counting=s_count,
        stderr_microstructure=s_micro,
        microstructure=info,
    )


def grain_sampling_error(
    result: FitResult,
    response: WalkResponse | None,
    *,
    mode: Microstructure = "estimate",
    jacobian: Callable[[], FloatArray] | None = None,
    noise_factor: Callable[[NDArray[np.int_]], FloatArray] | None = None,
    q_other: OtherRate | None = None,
) -> FitResult:
    """Add the grain-sampling term to ``result`` (module text).

    ``response`` maps the coordinate walk onto the data (None: no term can be formed, counting
    error only, noted); ``jacobian`` returns d(weighted residual)/d(fitted coordinates) (default:
    central differences through the fit's problem); ``noise_factor(rows)`` returns ``A`` (rows,
    p) with ``A A^T`` the known correlated noise of those (weighted) residuals besides the white
    noise, which the REML of q must not mistake for grain sampling (evolution fits: the evolved
    noise of the initial profile, already in the fit's covariance).  ``q_other()`` returns a
    walk rate (um) estimated from other data of the same line and where it came from, or None
    (evolution fits: the initial profile's own fit, whose staircase carries the walk that the
    smooth later profiles hide); in the "estimate" mode the larger of it and the REML is kept.
    """
    from .evolution_model import jacobian_t

    mode = resolve_microstructure(mode)
    cov_t_count = result.covariance / np.outer(*(2 * [space_of(result)[2]]))
    if not np.all(np.isfinite(cov_t_count)) and result.problem is not None:
        # a parameter the data do not fix (e.g. k_s run off to where surface exchange no
        # longer limits): the others get errors conditional on it, never NaN
        cond = conditional_fit(result, jacobian)
        if cond is not None:
            sub, j_sub, dropped = cond
            out = grain_sampling_error(
                sub, response, mode=mode, jacobian=lambda: j_sub, noise_factor=noise_factor
            )
            return expand_fit(result, out, dropped)
    free = result.free
    d_name = next((p for p in free if p.startswith("D_eff")), None)
    base: dict[str, Any] = {"mode": "grains" if isinstance(mode, GrainStatistics) else mode}
    if isinstance(mode, GrainStatistics):
        base["grains"] = mode.to_dict()
    if mode == "homogeneous" or response is None or not np.all(np.isfinite(cov_t_count)):
        why = (
            "homogeneous material (asked)"
            if mode == "homogeneous"
            else "not formed (no profile slope or singular fit)"
        )
        info = {
            **base,
            "method": _method_text("homogeneous", 0.0, "")
            if mode == "homogeneous"
            else f"grain-sampling term {why}",
            "q_um": 0.0,
            "white_noise_scale": 1.0,
        }
        return _fold(result, cov_t_count, cov_t_count, info)
    j_w = jacobian() if jacobian is not None else jacobian_t(result.problem, result)
    r_w = -np.asarray(result.residuals, dtype=float)
    u = _walk_factor(response, np.asarray(result.yerr, dtype=float))
    rows = reml_rows(r_w.size)
    try:
        with serial_blas():
            q, s2, q_source, lr, prior = _walk_rate(
                mode, result, d_name, *whitened(rows, (r_w, j_w, u), noise_factor), q_other
            )
        inv = np.linalg.inv(j_w.T @ j_w)
    except np.linalg.LinAlgError:
        info = {
            **base,
            "method": "grain-sampling term not formed (singular fit)",
            "q_um": 0.0,
            "white_noise_scale": 1.0,
        }
        return _fold(result, cov_t_count, cov_t_count, info)
    if result.noise == "given":
        # excess white scatter only when it is significant (about 2 sigma of s^2 above 1)
        dof = max(r_w.size - j_w.shape[1], 1)
        s2 = s2 if s2 > 1.0 + 2.0 * math.sqrt(2.0 / dof) else 1.0
    bu = (inv @ j_w.T) @ u
    # the fit's covariance (counting, plus any initial-profile noise) with the white scale s^2
    # (estimated noise: the counting part is s^2 of the residual-based one)
    cov_t_count = cov_t_count + ((s2 - 1.0) * inv if result.noise == "estimated" else 0.0)
    cov_t_total = cov_t_count + ((s2 - 1.0) * inv if result.noise == "given" else 0.0)
    cov_t_total = cov_t_total + q * (bu @ bu.T)
    info = {
        **base,
        "method": _method_text(mode, q, q_source, prior),
        "q_um": q,
        "q_source": q_source,
        "white_noise_scale": math.sqrt(s2),
        "reml_lr": lr,
    }
    if prior is not None:
        info["q_prior_um"] = prior.q_um
        info["q_prior_sigma_ln"] = prior.sigma_ln
    if d_name is not None and result.time_s:
        ld = 2e4 * math.sqrt(result.values[d_name] * result.time_s)
        info["diffusion_length_um"] = ld
    return _fold(result, cov_t_total, cov_t_count, info)


def _walk_rate(
    mode: Microstructure,
    result: FitResult,
    d_name: str | None,
    r_w: FloatArray,
    j_w: FloatArray,
    u: FloatArray,
    q_other: OtherRate | None = None,
) -> tuple[float, float, str, float, WalkPrior | None]:
    """(q, s^2, where q came from, likelihood-ratio statistic, the prior) for the mode."""
    d_eff = result.values[d_name] if d_name is not None else float("nan")
    if isinstance(mode, GrainStatistics) and (
        mode.k_sigma_ln is not None or mode.walk_rate_um is not None
    ):
        prior = WalkPrior(walk_rate_from_grains(mode, d_eff), prior_sigma_ln(mode))
        if not prior.q_um > 0:  # no spread (or D_eff at D_b): the statistics say q = 0
            _, s2, lr = reml_walk(r_w, j_w, u, fix_q=0.0)
            return 0.0, s2, "the stated grain statistics (no spread of resistance)", lr, None
        q, s2, lr = multiscale_reml(r_w, j_w, u, prior=prior)
        src = "REML of the residuals x the prior of the stated grain statistics"
        other = None if q_other is None else q_other(replace_rate(mode, prior.q_um))
        if other is not None and other[0] > q:
            _, s2, lr = reml_walk(r_w, j_w, u, fix_q=other[0])
            src = f"REML of {other[1]} x the same prior (above that of these residuals)"
            return other[0], s2, src, lr, prior
        return q, s2, src, lr, prior
    q, s2, lr = multiscale_reml(r_w, j_w, u)
    if isinstance(mode, GrainStatistics):
        q_min = walk_rate_from_grains(mode, d_eff, with_k=False)
        if q_min > q:
            _, s2, lr = reml_walk(r_w, j_w, u, fix_q=q_min)
            return q_min, s2, "the stated grain sizes (a lower bound; REML below it)", lr, None
        return q, s2, "REML of the residuals (above the stated grain sizes' bound)", lr, None
    other = q_other(None) if q_other is not None and mode == "estimate" else None
    if other is not None and other[0] > q:
        _, s2, lr = reml_walk(r_w, j_w, u, fix_q=other[0])
        return other[0], s2, f"REML of {other[1]} (above the REML of these residuals)", lr, None
    if q == 0.0:
        return q, s2, "REML of the residuals (no correlated excess detected)", lr, None
    return q, s2, "REML of the residuals", lr, None


def replace_rate(grains: GrainStatistics, q_um: float) -> GrainStatistics:
    """``grains`` with the walk rate ``q_um`` stated (the prior's centre for another profile
    of the same line, whose own D_eff would give another centre)."""
    return dataclasses.replace(grains, walk_rate_um=q_um)

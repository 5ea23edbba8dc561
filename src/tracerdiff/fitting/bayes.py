"""Bayesian posterior of any fit with emcee (affine-invariant ensemble sampler).

Likelihood: Gaussian with the sigma the fit used (``result.yerr``); priors: flat in the fitted
coordinates inside the fit's bounds (log-uniform for log-scale parameters such as ``D_eff``).
Evolution fits that propagated the initial profile's noise (``extra["initial_noise"]``) have
their samples convolved with that (delta-method, fitted-coordinate) covariance: to first order
this marginalises the posterior over the initial profile.

The sampled result is checked (:func:`_posterior_findings`) and marked like every fit: status
``poor_mixing`` when the walkers are stuck (mean acceptance fraction below 0.05) or the chain
after burn-in is shorter than 50 integrated autocorrelation times; ``unconstrained`` when the
2.5 % or 97.5 % quantile of a parameter lies within 5 % of its prior range (fitted coordinates)
of a prior bound: that end of the interval is set by the prior, not by the data, and is reported
open (None).  The status is the more serious of this and the least-squares fit's status.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import FitError, InputError
from .core import Problem, _Space
from .result import FitResult, PosteriorResult
from .status import worst

MIN_ACCEPTANCE = 0.05  #: mean acceptance fraction below which the walkers are stuck
MIN_TAU_RATIO = 50  #: chain length after burn-in, in integrated autocorrelation times
PRIOR_EDGE = 0.05  #: a quantile this close to a prior bound (share of the range) is prior-bound

__all__ = ["sample_posterior"]


def _start_ball(
    space: _Space, result: FitResult, n_walkers: int, gen: np.random.Generator
) -> NDArray[np.float64]:
    t_hat = space.to_t(result.values)
    sd = []
    for j, p in enumerate(space.free):
        se = result.stderr.get(p)
        s = (se / abs(result.values[p]) if space.is_log[j] else se) if se else None
        sd.append(s if s is not None and math.isfinite(s) and s > 0 else 1e-3)
    ball = t_hat + 1e-2 * np.array(sd) * gen.standard_normal((n_walkers, t_hat.size))
    return np.clip(ball, space.lo + 1e-12, space.hi - 1e-12)


def _summary(
    result: FitResult, free: tuple[str, ...], samples: NDArray[np.float64]
) -> dict[str, Any]:
    """Fields of ``result`` with posterior medians, sds, quantile intervals and covariance."""
    med = np.median(samples, axis=0)
    lo, hi = np.percentile(samples, [2.5, 97.5], axis=0)
    values = dict(result.values)
    stderr = dict(result.stderr)
    ci95: dict[str, tuple[float | None, float | None]] = {}
    for j, p in enumerate(free):
        values[p] = float(med[j])
        stderr[p] = float(np.std(samples[:, j], ddof=1))
        ci95[p] = (float(lo[j]), float(hi[j]))
    base = {f.name: getattr(result, f.name) for f in dataclasses.fields(FitResult)}
    if "initial_noise" in result.extra:
        base["notes"] = (
            *result.notes,
            "posterior convolved with the initial-profile noise (delta-method covariance)",
        )
    if _usable(result.microstructure.get("covariance_fit_coordinates")):
        base["notes"] = (
            *base.get("notes", result.notes),
            "posterior convolved with the grain-sampling covariance",
        )
    base.update(
        values=values,
        stderr=stderr,
        ci95=ci95,
        ci_method={p: "posterior quantiles" for p in free},
        covariance=np.atleast_2d(np.cov(samples, rowvar=False)),
    )
    return base


def _mixing_findings(sampler: Any, burn: int) -> list[tuple[str, str]]:
    """Stuck walkers and chains too short for their autocorrelation time."""
    out = []
    acc = float(np.mean(sampler.acceptance_fraction))
    if not acc >= MIN_ACCEPTANCE:
        out.append(
            (
                "poor_mixing",
                f"posterior walkers stuck: mean acceptance fraction {acc:.3g} "
                f"(< {MIN_ACCEPTANCE:g}); the samples do not describe the posterior",
            )
        )
    kept = sampler.iteration - burn
    with np.errstate(all="ignore"):
        tau = np.asarray(sampler.get_autocorr_time(discard=burn, tol=0), dtype=float)
    worst_tau = float(np.max(tau)) if tau.size and np.all(np.isfinite(tau)) else math.inf
    if not kept >= MIN_TAU_RATIO * worst_tau:
        tau_txt = f"{worst_tau:.3g}" if math.isfinite(worst_tau) else "undefined"
        out.append(
            (
                "poor_mixing",
                f"posterior chain too short: {kept} steps after burn-in for an integrated "
                f"autocorrelation time of {tau_txt} steps (need {MIN_TAU_RATIO} times it); "
                "run more --posterior steps",
            )
        )
    return out


def _prior_findings(
    space: _Space,
    samples_t: NDArray[np.float64],
    ci95: dict[str, tuple[float | None, float | None]],
) -> list[tuple[str, str]]:
    """Interval ends that reach a prior bound: set to None in ``ci95``, one note each."""
    out = []
    q_lo, q_hi = np.percentile(samples_t, [2.5, 97.5], axis=0)
    for j, p in enumerate(space.free):
        lo_b, hi_b = float(space.lo[j]), float(space.hi[j])
        edge = PRIOR_EDGE * (hi_b - lo_b)
        lo, hi = ci95[p]
        nat = np.exp([lo_b, hi_b]) if space.is_log[j] else np.array([lo_b, hi_b])
        for side, reached, bound in (
            ("lower", q_lo[j] - lo_b < edge, nat[0]),
            ("upper", hi_b - q_hi[j] < edge, nat[1]),
        ):
            if reached:
                lo, hi = (None, hi) if side == "lower" else (lo, None)
                out.append(
                    (
                        "unconstrained",
                        f"the posterior of {p} spreads to its {side} prior bound ({bound:.3g}): "
                        "that end of the 95 % interval is bounded by the prior, not by the "
                        "data, and is reported open",
                    )
                )
        ci95[p] = (lo, hi)
    return out


def _checked(
    base: dict[str, Any], sampler: Any, burn: int, space: _Space, samples_t: NDArray[np.float64]
) -> dict[str, Any]:
    """``base`` with the posterior findings in ``status`` and ``notes``."""
    ci95 = dict(base["ci95"])
    found = _mixing_findings(sampler, burn) + _prior_findings(space, samples_t, ci95)
    notes = tuple(dict.fromkeys((*base["notes"], *(n for _, n in found))))
    status = worst(base["status"], *(s for s, _ in found))
    return dict(base, ci95=ci95, notes=notes, status=status)


def _usable(cov: object) -> bool:
    """A finite, non-zero added covariance (grain sampling) to convolve the samples with."""
    if cov is None:
        return False
    a = np.asarray(cov, dtype=float)
    return bool(np.all(np.isfinite(a)) and np.any(a != 0))


def sample_posterior(
    result: FitResult,
    *,
    n_walkers: int = 32,
    n_steps: int = 2000,
    burn: int | None = None,
    rng: np.random.Generator | int | None = None,
) -> PosteriorResult:
    """Sample the posterior of ``result``'s free parameters; return a :class:`PosteriorResult`.

    ``values`` become posterior medians, ``stderr`` standard deviations, ``ci95`` the 2.5 % and
    97.5 % quantiles; ``burn`` steps (default ``n_steps // 4``) are discarded per walker.
    """
    import emcee

    prob = result.problem
    if not isinstance(prob, Problem):
        raise FitError("this result carries no fit problem to sample from")
    space = _Space(prob)
    ndim = len(space.free)
    if n_walkers < 2 * ndim or n_steps < 10:
        raise InputError(f"need n_walkers >= {2 * ndim} and n_steps >= 10")
    burn = n_steps // 4 if burn is None else int(burn)
    if not 0 <= burn < n_steps:
        raise InputError("burn must be in [0, n_steps)")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    sigma = result.yerr

    def log_prob(t: NDArray[np.float64]) -> float:
        if np.any(t <= space.lo) or np.any(t >= space.hi):
            return -np.inf
        r = (prob.predict(space.values(t)) - prob.y) / sigma
        c2 = float(np.sum(r**2))
        return -0.5 * c2 if math.isfinite(c2) else -np.inf

    sampler = emcee.EnsembleSampler(n_walkers, ndim, log_prob)
    sampler.random_state = np.random.RandomState(int(gen.integers(2**31 - 1))).get_state()
    sampler.run_mcmc(_start_ball(space, result, n_walkers, gen), n_steps, progress=False)
    samples = np.array(sampler.get_chain(discard=burn, flat=True), dtype=float)
    cov_init = result.extra.get("initial_noise", {}).get("covariance_fit_coordinates")
    if cov_init is not None:  # marginalise over the initial profile (linear-Gaussian)
        cov_arr = np.asarray(cov_init, dtype=float)
        samples += gen.multivariate_normal(np.zeros(ndim), cov_arr, size=samples.shape[0])
    cov_micro = result.microstructure.get("covariance_fit_coordinates")
    if _usable(cov_micro):  # grain sampling, likewise
        cov_arr = np.asarray(cov_micro, dtype=float)
        samples += gen.multivariate_normal(np.zeros(ndim), cov_arr, size=samples.shape[0])
    samples_t, samples[:, space.is_log] = samples.copy(), np.exp(samples[:, space.is_log])
    base = _checked(_summary(result, space.free, samples), sampler, burn, space, samples_t)
    base["method"] = f"{result.method}; posterior by emcee ({n_walkers} walkers x {n_steps} steps)"
    return PosteriorResult(
        **base, samples=samples, acceptance_fraction=float(np.mean(sampler.acceptance_fraction))
    )

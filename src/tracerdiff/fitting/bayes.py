"""Bayesian posterior of any fit with emcee (affine-invariant ensemble sampler).

Likelihood: Gaussian with the sigma the fit used (``result.yerr``); priors: flat in the fitted
coordinates inside the fit's bounds (log-uniform for log-scale parameters such as ``D_eff``).
Evolution fits that propagated the initial profile's noise (``extra["initial_noise"]``) have
their samples convolved with that (delta-method, fitted-coordinate) covariance: to first order
this marginalises the posterior over the initial profile.
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
    base.update(
        values=values,
        stderr=stderr,
        ci95=ci95,
        ci_method={p: "posterior quantiles" for p in free},
        covariance=np.atleast_2d(np.cov(samples, rowvar=False)),
    )
    return base


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
    samples[:, space.is_log] = np.exp(samples[:, space.is_log])
    base = _summary(result, space.free, samples)
    base["method"] = f"{result.method}; posterior by emcee ({n_walkers} walkers x {n_steps} steps)"
    return PosteriorResult(
        **base, samples=samples, acceptance_fraction=float(np.mean(sampler.acceptance_fraction))
    )

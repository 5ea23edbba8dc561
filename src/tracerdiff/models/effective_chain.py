"""The chain convention of the effective diffusivity: the spread of the long-range D_eff of
profiles that each cross N grains, by Monte Carlo over lognormal grain sizes (mean, sd) and a
lognormal spread of k: D_chain = sum(l) / (sum(l)/D_b + sum(1/k)).

The given k is the arithmetic, geometric or harmonic mean of that lognormal (``k_mean``;
default harmonic, the mean a long-range D_eff measures, so a harmonic-mean k does not count its
spread twice).  Units: D in cm^2/s, k in cm/s, grain sizes in um.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError
from ..quantities import quantity

__all__ = ["K_MEANS", "ChainEstimate", "chain_d_eff"]

UM = 1e-4  # cm per um


@dataclass(frozen=True)
class ChainEstimate:
    """Monte Carlo D_eff of chains of ``n_grains`` grains (cm^2/s): mean and sd over chains."""

    mean: float
    sd: float
    q025: float
    q975: float
    n_grains: int
    n_samples: int
    k_rel_sd: float
    k_mean: str = "harmonic"

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain form; ``D_eff_chain.stderr`` is the sd of one profile's D_eff."""
        return {
            "D_eff_chain": quantity(
                self.mean,
                self.sd,
                "cm^2/s",
                note="stderr: sd of the D_eff of one profile that crosses n_grains grains",
            ),
            "interval_95": [self.q025, self.q975],
            "n_grains": self.n_grains,
            "n_samples": self.n_samples,
            "k_rel_sd": self.k_rel_sd,
            "k_mean": self.k_mean,
            "convention": "long-range D_eff over a chain of grains (Monte Carlo); the "
            f"given k is the {self.k_mean} mean of the lognormal k",
        }


def _lognormal(mean: float, sd: float) -> tuple[float, float]:
    s2 = math.log1p((sd / mean) ** 2)
    return math.log(mean) - s2 / 2, math.sqrt(s2)


K_MEANS = ("harmonic", "geometric", "arithmetic")


def _k_log_params(k: float, k_rel_sd: float, k_mean: str) -> tuple[float, float]:
    """(mu, sigma) of ln k for a lognormal whose ``k_mean`` mean is ``k`` (relative sd)."""
    s = math.sqrt(math.log1p(k_rel_sd**2))
    shift = {"harmonic": s * s / 2, "geometric": 0.0, "arithmetic": -s * s / 2}[k_mean]
    return math.log(k) + shift, s


def chain_d_eff(
    d_bulk: float,
    k: float,
    grain_um: float,
    grain_sd_um: float,
    *,
    n_grains: int,
    k_rel_sd: float = 0.0,
    k_mean: str = "harmonic",
    n_samples: int = 4000,
    rng: np.random.Generator | int | None = None,
) -> ChainEstimate:
    """Long-range D_eff = sum l / (sum l / D_b + sum 1/k) over chains of ``n_grains`` grains.

    Grain sizes lognormal with mean ``grain_um`` and sd ``grain_sd_um`` (um); k lognormal
    with relative sd ``k_rel_sd`` (0: every GB has the same k) whose ``k_mean`` mean
    ("harmonic", "geometric" = median, or "arithmetic") is ``k`` (cm/s).
    """
    if k_mean not in K_MEANS:
        raise InputError(f"k_mean must be one of {', '.join(K_MEANS)}; got {k_mean!r}")
    if n_grains < 1 or n_samples < 2:
        raise InputError("n_grains must be >= 1 and n_samples >= 2")
    if grain_um <= 0 or grain_sd_um < 0 or d_bulk <= 0 or k <= 0 or k_rel_sd < 0:
        raise InputError("grain size, D_bulk and k must be > 0; spreads >= 0")
    gen = np.random.default_rng(rng)
    mu, s = _lognormal(grain_um, grain_sd_um) if grain_sd_um > 0 else (math.log(grain_um), 0.0)
    sizes = np.exp(gen.normal(mu, s, size=(n_samples, n_grains))) * UM
    if k_rel_sd > 0:
        km, ks = _k_log_params(k, k_rel_sd, k_mean)
        ks_arr = np.exp(gen.normal(km, ks, size=(n_samples, n_grains)))
    else:
        ks_arr = np.full((n_samples, n_grains), k)
    total = sizes.sum(axis=1)
    d = total / (total / d_bulk + (1.0 / ks_arr).sum(axis=1))
    return ChainEstimate(
        float(d.mean()),
        float(d.std(ddof=1)),
        float(np.quantile(d, 0.025)),
        float(np.quantile(d, 0.975)),
        int(n_grains),
        int(n_samples),
        float(k_rel_sd),
        k_mean,
    )

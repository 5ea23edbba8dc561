"""The result of an effective-medium calculation (:func:`tracerdiff.models.effective_medium`):
D_eff with its standard error and the study's single-grain spread, the chain estimate and the
model's validity condition.  Units: D in cm^2/s, k in cm/s, grain sizes in um, delta in nm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..quantities import quantity
from ..results import Quantity, ResultMixin
from .effective_chain import ChainEstimate

__all__ = ["VALIDITY_RATIO", "EffectiveMediumResult"]

UM = 1e-4  # cm per um
NM = 1e-7  # cm per nm
VALIDITY_RATIO = 3.0  # sqrt(D_eff t) / l at or above which ">>" counts as met

_CONDITIONS = {
    "series": "sqrt(D_eff t) >> l (profile averages many grains); l >> delta; length: grain size "
    "along the profile",
    "brick": "sqrt(D_eff t) >> l; cubic grains of edge l; parallel GB path 2 delta/l",
    "mg1": "sqrt(D_eff t) >> l; 1D layers of thickness l (= series)",
    "mg2": "sqrt(D_eff t) >> l; square grains of edge l, phi = (l/(l+delta))^2",
    "mg3": "sqrt(D_eff t) >> l; cubic grains of edge l, phi = (l/(l+delta))^3",
    "hs": "sqrt(D_eff t) >> l; bounds for any isotropic microstructure (d = 3)",
    "hex": "sqrt(D_eff t) >> l; 2D hexagonal grains, slow GBs (Bi << 1); length: mean intercept",
}


@dataclass(frozen=True)
class EffectiveMediumResult(ResultMixin):
    """D_eff of one model: standard error, the study's single-grain spread, chain, validity."""

    model: str
    d_eff: float
    d_eff_spread: float | None
    d_bulk: float
    k: float
    grain_um: float
    grain_sd_um: float | None
    delta_nm: float
    components: dict[str, float] = field(default_factory=dict)
    chain: ChainEstimate | None = None
    time_s: float | None = None
    solved_for: str = "D_eff"
    k_err: float | None = None
    notes: tuple[str, ...] = ()
    d_eff_err: float | None = None  #: standard error of D_eff (cm^2/s), from input errors
    k_spread: float | None = None  #: inverse only: k spread from sd(l) alone (cm/s)
    d_bulk_err: float | None = None  #: the given standard error of D_b (cm^2/s)
    grain_se_um: float | None = None  #: the given standard error of the mean grain size (um)

    @property
    def D_eff(self) -> Quantity:
        """D_eff (cm^2/s) with its standard error (None without input standard errors); the
        single-grain spread is ``d_eff_spread``."""
        return Quantity(self.d_eff, self.d_eff_err, "cm^2/s")

    @property
    def D_gb_over_delta(self) -> Quantity:
        """k = D_gb/delta (cm/s) with its standard error (None when not known)."""
        return Quantity(self.k, self.k_err, "cm/s")

    @property
    def biot(self) -> float:
        """Bi = l k / D_b (slow GBs dominate when Bi << 1)."""
        return self.grain_um * UM * self.k / self.d_bulk

    def validity(self) -> dict[str, Any]:
        """The model's validity condition and whether the given time meets it."""
        out: dict[str, Any] = {"condition": _CONDITIONS[self.model]}
        if self.time_s is None:
            out.update(met=None, note="give a time to check sqrt(D_eff t) >> l")
            return out
        ratio = math.sqrt(self.d_eff * self.time_s) / (self.grain_um * UM)
        met = ratio >= VALIDITY_RATIO
        if self.model == "hex":  # the geometric factor is a slow-GB (Bi << 1) result
            met = met and self.biot < 0.3
        out.update(ratio_sqrtDt_over_l=ratio, met=bool(met), threshold=VALIDITY_RATIO)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON keys: model, D_eff (stderr: standard error; ``spread``: the study's single-grain
        spread), D_gb_over_delta, Bi, chain, validity."""
        d_eff = quantity(
            self.d_eff,
            self.d_eff_err,
            "cm^2/s",
            note=None
            if self.d_eff_err is not None
            else "no standard error: no input standard errors given",
        )
        d_eff["spread"] = self.d_eff_spread
        k = quantity(self.k, self.k_err, "cm/s")
        if self.solved_for == "D_gb_over_delta":
            k["spread"] = self.k_spread
        nm = self.delta_nm * NM
        return {
            "model": self.model,
            "solved_for": self.solved_for,
            "D_eff": d_eff,
            "spread_convention": "spread: |dD/dl| sd(l), the spread of single-grain values "
            "(the study's '+-'), not an uncertainty; stderr: standard "
            "error from the inputs' standard errors",
            "D_gb_over_delta": k,
            "D_gb": quantity(
                self.k * nm, None if self.k_err is None else self.k_err * nm, "cm^2/s"
            ),
            "D_bulk": quantity(self.d_bulk, self.d_bulk_err, "cm^2/s"),
            "grain_size": quantity(
                self.grain_um,
                self.grain_se_um,
                "um",
                note=None
                if self.grain_sd_um is None
                else f"sd of single grains {self.grain_sd_um:.3g} um",
            ),
            "delta": quantity(self.delta_nm, None, "nm"),
            "Bi": self.biot,
            "components": {n: quantity(v, None, "cm^2/s") for n, v in self.components.items()},
            "chain": None if self.chain is None else self.chain.to_dict(),
            "validity": self.validity(),
            "notes": list(self.notes),
        }

    def __str__(self) -> str:
        from .text import effective_text

        return effective_text(self)

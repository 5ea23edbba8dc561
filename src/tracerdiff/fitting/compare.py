"""Model comparison on one profile: erfc, surface exchange and thin film by chi-square and AIC."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import FitError
from ..quantities import finite_or_none
from ..results import ResultMixin
from .profiles import ProfileData, fit_profile
from .result import FitResult

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["ModelComparison", "compare_models"]


@dataclass(frozen=True, eq=False)
class ModelComparison(ResultMixin):
    """Fits of several models to one profile, ranked by AIC (converged fits only).

    ``weights`` are Akaike weights; ``best`` the lowest-AIC model; ``verdict`` one sentence;
    ``errors`` models that could not be fitted, with the reason.
    """

    fits: dict[str, FitResult]
    best: str
    delta_aic: dict[str, float]
    weights: dict[str, float]
    verdict: str
    errors: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain: ``best``, ``verdict``, ``models`` (one entry per model name), ``errors``."""
        rows: dict[str, Any] = {}
        for name, r in self.fits.items():
            row = {k: v for k, v in r.to_dict().items() if k != "data"}
            row["delta_aic"] = finite_or_none(self.delta_aic.get(name))
            row["akaike_weight"] = finite_or_none(self.weights.get(name))
            rows[name] = row
        return {"best": self.best, "verdict": self.verdict, "models": rows, "errors": self.errors}

    def __str__(self) -> str:
        lines = [f"ModelComparison: {self.verdict}"]
        lines.append(
            f"  {'model':<10} {'D_eff (cm^2/s)':>22} {'chi2_red':>9} {'AIC':>10} {'dAIC':>8}"
            "  status"
        )
        for name, r in self.fits.items():
            d, se = r.values.get("D_eff"), r.stderr.get("D_eff")
            dtxt = f"{d:.3g} ± {se:.2g}" if d is not None and se is not None else f"{d:.3g}"
            da = self.delta_aic.get(name)
            datxt = f"{da:8.3g}" if da is not None else "   n/a"
            ok = "" if r.converged else "  (not converged)"
            lines.append(
                f"  {name:<10} {dtxt:>22} {r.chi2_red:9.3g} {r.aic:10.4g} {datxt}  {r.status}{ok}"
            )
        for name, why in self.errors.items():
            lines.append(f"  {name:<10} not fitted: {why}")
        for name, r in self.fits.items():
            lines.extend(f"warning: {name}: {n}" for n in r.notes)
        return "\n".join(lines)


def compare_models(
    profile: ProfileData | xr.Dataset,
    *,
    time_s: float,
    models: Sequence[str] = ("erfc", "exchange", "thin-film"),
    fix: Mapping[str, Mapping[str, float]] | None = None,
) -> ModelComparison:
    """Fit each of ``models`` to ``profile`` (``fix`` per model name) and rank them by AIC.

    ``profile`` is a :class:`ProfileData` or the dataset :func:`tracerdiff.io.read_profile_csv`
    returns, as for :func:`fit_profile`.

    >>> import numpy as np
    >>> from tracerdiff import erfc_profile
    >>> x = np.arange(0.0, 30.0)
    >>> c = erfc_profile(x, C_s=0.9, C_0=0.076, D=1e-10, time_s=3600.0)
    >>> c += np.random.default_rng(3).normal(0.0, 0.005, x.size)
    >>> cmp = compare_models(ProfileData.from_arrays(x, c, np.full(x.size, 0.005)), time_s=3600.0)
    >>> print(cmp.to_dict()["best"])
    erfc
    """
    fits: dict[str, FitResult] = {}
    errors: dict[str, str] = {}
    for name in models:
        try:
            fits[name] = fit_profile(name, profile, time_s=time_s, fix=(fix or {}).get(name))
        except FitError as exc:
            errors[name] = str(exc)
    ok = {k: r for k, r in fits.items() if r.converged and math.isfinite(r.aic)}
    if not ok:
        raise FitError("no model could be fitted to this profile: " + "; ".join(errors.values()))
    best = min(ok, key=lambda k: ok[k].aic)
    delta = {k: r.aic - ok[best].aic for k, r in ok.items()}
    z = sum(math.exp(-0.5 * d) for d in delta.values())
    weights = {k: math.exp(-0.5 * d) / z for k, d in delta.items()}
    others = sorted((d, k) for k, d in delta.items() if k != best)
    if not others:
        verdict = f"{best} is the only model that converged"
    elif others[0][0] < 2:
        verdict = (
            f"the data do not distinguish {best} and {others[0][1]} (delta AIC {others[0][0]:.2g})"
        )
    else:
        strength = "strongly" if others[0][0] > 10 else "moderately"
        verdict = (
            f"the data {strength} support {best} (delta AIC {others[0][0]:.3g} to "
            f"{others[0][1]}, chi2_red {ok[best].chi2_red:.3g})"
        )
    unconverged = [k for k in fits if k not in ok]
    if unconverged:
        verdict += f"; not converged: {', '.join(unconverged)}"
    return ModelComparison(fits, best, delta, weights, verdict, errors)

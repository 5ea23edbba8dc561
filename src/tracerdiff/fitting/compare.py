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
from .status import determination_notes

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["ModelComparison", "compare_models"]


@dataclass(frozen=True, eq=False)
class ModelComparison(ResultMixin):
    """Fits of several models to one profile, ranked by AIC (converged fits only).

    ``weights`` are Akaike weights; ``best`` the lowest-AIC model among the well-determined
    fits (no parameter at a bound or unconstrained; the lowest-AIC fit when none is);
    ``verdict`` one sentence, saying why the lowest-AIC model is not recommended when it is
    not well determined; ``errors`` models that could not be fitted, with the reason.
    ``delta_aic`` and ``weights`` are over every converged fit.
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
        lines = [f"model comparison: {self.verdict}"]
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
            ok += "  <- recommended" if name == self.best else ""
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
    lowest = min(ok, key=lambda k: ok[k].aic)
    delta = {k: r.aic - ok[lowest].aic for k, r in ok.items()}
    z = sum(math.exp(-0.5 * d) for d in delta.values())
    weights = {k: math.exp(-0.5 * d) / z for k, d in delta.items()}
    undetermined = {k: determination_notes(r) for k, r in ok.items()}
    determined = [k for k in ok if not undetermined[k]]
    best = min(determined, key=lambda k: ok[k].aic) if determined else lowest
    verdict = _verdict(ok, delta, best, determined)
    if determined:  # each lower-AIC fit passed over, with its reasons
        for k in sorted((k for k in ok if delta[k] < delta[best]), key=lambda k: delta[k]):
            verdict += _passed_over(k, ok[k], delta[best] - delta[k], best, undetermined[k])
    unconverged = [k for k in fits if k not in ok]
    if unconverged:
        verdict += f"; not converged: {', '.join(unconverged)}"
    return ModelComparison(fits, best, delta, weights, verdict, errors)


def _passed_over(name: str, r: FitResult, gap: float, best: str, notes: Sequence[str]) -> str:
    """Why a fit with a lower AIC than ``best`` is not recommended (its first clauses)."""
    why = ", ".join(n.split(":")[0] for n in notes)
    hint = " (e.g. the known source fraction C_s)" if "C_s" in r.free else ""
    return (
        f"; {name} has a lower AIC ({gap:.3g} below {best}) but is not recommended: {why} "
        f"(see warnings); hold what the data cannot fix{hint} to compare it"
    )


def _verdict(
    ok: Mapping[str, FitResult], delta: Mapping[str, float], best: str, determined: Sequence[str]
) -> str:
    """One sentence: which model the data support among the fits whose parameters they fix."""
    if not determined:
        return (
            f"no model is well determined (each has a parameter at a bound or unconstrained, "
            f"see the warnings); lowest AIC: {best}, chi2_red {ok[best].chi2_red:.3g}"
        )
    others = sorted((delta[k] - delta[best], k) for k in determined if k != best)
    among = "" if len(determined) == len(ok) else " among the well-determined fits"
    if not others:
        only = "the only model that converged" if len(ok) == 1 else "the only well-determined model"
        return f"{best} is {only} (chi2_red {ok[best].chi2_red:.3g})"
    gap, second = others[0]
    if gap < 2:
        return f"the data do not distinguish {best} and {second}{among} (delta AIC {gap:.2g})"
    strength = "strongly" if gap > 10 else "moderately"
    return (
        f"the data {strength} support {best}{among} (delta AIC {gap:.3g} to {second}, "
        f"chi2_red {ok[best].chi2_red:.3g})"
    )

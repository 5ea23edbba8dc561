"""Effective diffusivity of a polycrystal: models, the two uncertainty conventions, inverse.

Units: D in cm^2/s, k = D_gb/delta in cm/s, grain sizes in um (as users state them), delta in
nm, time in s.  Conventions (science.md section 5):

- ``spread`` (``D_eff.spread``, the study's "+- 1.4e-9"): |dD_eff/dl| x sd(l), the spread of
  single-grain values; for the series model D^2 sd(l) / (k l^2), which reproduces the study's
  2.2e-9 +- 1.4e-9 cm^2/s.  Not an uncertainty of D_eff.
- ``stderr`` of ``D_eff``: always a standard error, propagated (first order) from the standard
  errors of the inputs (k, D_b, the mean grain size); null when none is given.
- ``chain``: the spread of the long-range D_eff of profiles that each cross N grains, by Monte
  Carlo over lognormal grain sizes (mean, sd) and a lognormal spread of k:
  D_chain = sum(l) / (sum(l)/D_b + sum(1/k)).  The given k is the arithmetic, geometric or
  harmonic mean of that lognormal (``k_mean``; default harmonic, the mean a long-range D_eff
  measures, so a harmonic-mean k does not count its spread twice).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InputError
from .effective_chain import K_MEANS, ChainEstimate, chain_d_eff
from .effective_result import VALIDITY_RATIO, EffectiveMediumResult
from .media import brick_layer, geometric_d_eff, hashin_shtrikman, maxwell_garnett, series_d_eff

__all__ = [
    "K_MEANS",
    "MODELS",
    "VALIDITY_RATIO",
    "ChainEstimate",
    "EffectiveMediumResult",
    "chain_d_eff",
    "effective_medium",
    "model_d_eff",
    "solve_gb_over_delta",
]

UM = 1e-4  # cm per um
NM = 1e-7  # cm per nm
MODELS = ("series", "brick", "mg1", "mg2", "mg3", "hs", "hex")


def model_d_eff(
    model: str, *, d_bulk: float, k: float, grain_cm: float, delta_cm: float
) -> tuple[float, dict[str, float]]:
    """D_eff (cm^2/s) of ``model`` and its named components (cm^2/s)."""
    if model == "series":
        return series_d_eff(d_bulk, k, grain_cm), {}
    if model == "brick":
        b = brick_layer(d_bulk, k, grain_cm, delta_cm)
        return b.total, {"perpendicular": b.perpendicular, "parallel": b.parallel}
    if model in ("mg1", "mg2", "mg3"):
        return maxwell_garnett(d_bulk, k * delta_cm, grain_cm, delta_cm, dim=int(model[2])), {}
    if model == "hs":
        hs = hashin_shtrikman(d_bulk, k * delta_cm, grain_cm, delta_cm, dim=3)
        return hs.lower, {"lower": hs.lower, "upper": hs.upper}
    if model == "hex":
        return geometric_d_eff(d_bulk, k, grain_cm, shape="hex2d", length_kind="intercept"), {}
    raise InputError(f"unknown model {model!r}; expected one of {', '.join(MODELS)}")


def _gradient(
    model: str, d_bulk: float, k: float, l_cm: float, delta_cm: float
) -> tuple[float, float, float]:
    """(dD/dk, dD/dD_b, dD/dl) of ``model`` by central differences."""

    def g(kk: float, db: float, ll: float) -> float:
        return model_d_eff(model, d_bulk=db, k=kk, grain_cm=ll, delta_cm=delta_cm)[0]

    hk, hd, hl = 1e-5 * k, 1e-5 * d_bulk, 1e-5 * l_cm
    return (
        (g(k + hk, d_bulk, l_cm) - g(k - hk, d_bulk, l_cm)) / (2 * hk),
        (g(k, d_bulk + hd, l_cm) - g(k, d_bulk - hd, l_cm)) / (2 * hd),
        (g(k, d_bulk, l_cm + hl) - g(k, d_bulk, l_cm - hl)) / (2 * hl),
    )


def _root_sum(*terms: float | None) -> float | None:
    vals = [t for t in terms if t is not None]
    return math.sqrt(sum(v * v for v in vals)) if vals else None


def solve_gb_over_delta(
    model: str, *, d_eff: float, d_bulk: float, grain_cm: float, delta_cm: float
) -> float:
    """k = D_gb/delta (cm/s) that makes ``model`` give ``d_eff`` (root in log k)."""
    if not (d_eff > 0 and d_bulk > 0 and grain_cm > 0):
        raise InputError("D_eff, D_bulk and the grain size must be > 0")
    if d_eff >= d_bulk:
        raise InputError(f"D_eff = {d_eff:.3g} >= D_bulk = {d_bulk:.3g} cm^2/s: not slow GBs")

    def f(lk: float) -> float:
        return math.log(
            model_d_eff(model, d_bulk=d_bulk, k=math.exp(lk), grain_cm=grain_cm, delta_cm=delta_cm)[
                0
            ]
            / d_eff
        )

    lo, hi = math.log(d_eff / grain_cm) - 30, math.log(d_bulk / grain_cm) + 30
    if f(lo) * f(hi) > 0:
        raise InputError(f"model {model!r} cannot reach D_eff = {d_eff:.3g} cm^2/s")
    from scipy import optimize  # imported here: the forward models need no scipy

    return math.exp(optimize.brentq(f, lo, hi, xtol=1e-12))


def _chain(
    d_bulk: float,
    k: float,
    grain_um: float,
    grain_sd_um: float | None,
    d_eff: float,
    time_s: float | None,
    n_grains: int | None,
    k_rel_sd: float,
    k_mean: str,
    rng: np.random.Generator | int | None,
) -> ChainEstimate | None:
    if n_grains is None and time_s is not None:
        n_grains = max(1, round(math.sqrt(d_eff * time_s) / (grain_um * UM)))
    if n_grains is None:
        return None
    return chain_d_eff(
        d_bulk,
        k,
        grain_um,
        grain_sd_um or 0.0,
        n_grains=n_grains,
        k_rel_sd=k_rel_sd,
        k_mean=k_mean,
        rng=rng,
    )


def effective_medium(
    *,
    d_bulk: float,
    grain_um: float,
    k: float | None = None,
    d_eff: float | None = None,
    grain_sd_um: float | None = None,
    delta_nm: float = 0.5,
    model: str = "series",
    time_s: float | None = None,
    n_grains: int | None = None,
    k_rel_sd: float = 0.0,
    d_eff_err: float | None = None,
    k_err: float | None = None,
    d_bulk_err: float | None = None,
    grain_se_um: float | None = None,
    k_mean: str = "harmonic",
    rng: np.random.Generator | int | None = None,
) -> EffectiveMediumResult:
    """D_eff of ``model`` from k (cm/s), or k from ``d_eff`` (cm^2/s) when k is None.

    ``grain_sd_um`` is the spread of single grains (gives ``spread``); ``grain_se_um`` the
    standard error of the mean grain size; with ``k_err``, ``d_bulk_err`` and ``d_eff_err``
    (standard errors) they give the standard errors.  ``time_s`` (s) checks sqrt(D_eff t) >> l
    and sets the number of grains of the chain estimate (or give ``n_grains``); ``k_mean``
    says which mean of the lognormal k the given (or solved) k is; ``rng`` seeds it.

    >>> r = effective_medium(d_bulk=2.6e-8, grain_um=16.0, k=1e-5, k_err=1e-6, grain_sd_um=11.0)
    >>> print(f"D_eff = {r.d_eff:.3g} +- {r.d_eff_err:.2g} cm^2/s, Bi = {r.biot:.2f}")
    D_eff = 9.9e-09 +- 6.1e-10 cm^2/s, Bi = 0.62
    >>> d = r.to_dict()["D_eff"]  # JSON form: value, stderr, unit and the single-grain spread
    >>> print(f"{d['value']:.3g} {d['unit']}, spread {d['spread']:.2g}")
    9.9e-09 cm^2/s, spread 4.2e-09
    >>> inverse = effective_medium(d_bulk=2.6e-8, grain_um=16.0, d_eff=r.d_eff)
    >>> print(f"k = {inverse.k:.3g} cm/s")
    k = 1e-05 cm/s
    """
    _check_inputs(model, grain_um, grain_sd_um, delta_nm, k, d_eff)
    _check_options(time_s, n_grains, d_eff_err, k_rel_sd)
    _check_errors(k_mean, k_err, d_bulk_err, grain_se_um)
    l_cm, sd_cm, delta_cm = grain_um * UM, (grain_sd_um or 0.0) * UM, delta_nm * NM
    se_cm = None if grain_se_um is None else grain_se_um * UM
    k_spread, solved_for = None, "D_eff"
    if k is None:
        assert d_eff is not None
        k, k_err, k_spread = _invert(
            model, d_eff, d_eff_err, d_bulk, d_bulk_err, l_cm, sd_cm, se_cm, delta_cm
        )
        solved_for = "D_gb_over_delta"
    value, comps = model_d_eff(model, d_bulk=d_bulk, k=k, grain_cm=l_cm, delta_cm=delta_cm)
    gk, gd, gl = _gradient(model, d_bulk, k, l_cm, delta_cm)
    if solved_for == "D_eff":
        d_eff_err = _root_sum(
            *(None if e is None else g * e for g, e in ((gk, k_err), (gd, d_bulk_err), (gl, se_cm)))
        )
    chain = _chain(d_bulk, k, grain_um, grain_sd_um, value, time_s, n_grains, k_rel_sd, k_mean, rng)
    return EffectiveMediumResult(
        model=model,
        d_eff=value,
        d_eff_spread=abs(gl) * sd_cm if sd_cm else None,
        d_bulk=d_bulk,
        k=k,
        grain_um=grain_um,
        grain_sd_um=grain_sd_um,
        delta_nm=delta_nm,
        components=comps,
        chain=chain,
        time_s=time_s,
        solved_for=solved_for,
        k_err=k_err,
        notes=_notes(model, solved_for, chain, (d_eff_err, grain_se_um, d_bulk_err)),
        d_eff_err=d_eff_err,
        k_spread=k_spread,
        d_bulk_err=d_bulk_err,
        grain_se_um=grain_se_um,
    )


def _notes(
    model: str,
    solved_for: str,
    chain: ChainEstimate | None,
    errs: tuple[float | None, float | None, float | None],
) -> tuple[str, ...]:
    """What the reader of an effective-medium result should know about its numbers; ``errs``
    the given standard errors of D_eff, the mean grain size and D_b (None: not given)."""
    notes: list[str] = []
    if solved_for == "D_gb_over_delta":
        errors = dict(zip(("D_eff", "the mean grain size", "D_b"), errs, strict=True))
        given = [name for name, e in errors.items() if e is not None]
        missing = [name for name, e in errors.items() if e is None]
        notes.append(
            (f"k stderr from the standard errors of {', '.join(given)}" if given else "no k stderr")
            + (f"; not given, so not included: {', '.join(missing)}" if missing else "")
            + "; k spread from sd(l) alone"
        )
    if model == "hs":
        notes.append("D_eff is the HS lower bound (= MG3, grains enclosed by GBs)")
    if chain is None:
        notes.append("chain convention (long-range D_eff over N grains) needs a time or n_grains")
    elif model != "series":
        notes.append(
            f"the chain estimate is a 1D chain of grains in series, not the {model} model: "
            "it differs from D_eff by the model's geometry"
        )
    return tuple(notes)


def _invert(
    model: str,
    d_eff: float,
    d_eff_err: float | None,
    d_bulk: float,
    d_bulk_err: float | None,
    l_cm: float,
    sd_cm: float,
    se_cm: float | None,
    delta_cm: float,
) -> tuple[float, float | None, float | None]:
    """k, its standard error and its single-grain spread (cm/s) from a measured D_eff."""
    k = solve_gb_over_delta(model, d_eff=d_eff, d_bulk=d_bulk, grain_cm=l_cm, delta_cm=delta_cm)
    gk, gd, gl = _gradient(model, d_bulk, k, l_cm, delta_cm)
    k_err = _root_sum(
        *(
            None if e is None else g * e / gk
            for g, e in ((1.0, d_eff_err), (gl, se_cm), (gd, d_bulk_err))
        )
    )
    return k, k_err, (abs(gl * sd_cm / gk) if sd_cm else None)


def _check_inputs(
    model: str,
    grain_um: float,
    grain_sd_um: float | None,
    delta_nm: float,
    k: float | None,
    d_eff: float | None,
) -> None:
    if model not in MODELS:
        raise InputError(f"unknown model {model!r}; expected one of {', '.join(MODELS)}")
    if not grain_um > 0:
        raise InputError(f"the grain size must be > 0 um; got {grain_um:g}")
    if grain_sd_um is not None and grain_sd_um < 0:
        raise InputError("the grain-size spread must be >= 0")
    if not delta_nm > 0:
        raise InputError(f"delta must be > 0 nm; got {delta_nm:g}")
    if (k is None) == (d_eff is None):
        raise InputError("give exactly one of D_gb/delta (k) and D_eff")


def _check_errors(k_mean: str, *errors: float | None) -> None:
    """The k-mean kind and the standard errors of k, D_b and the mean grain size."""
    if k_mean not in K_MEANS:
        raise InputError(f"k_mean must be one of {', '.join(K_MEANS)}; got {k_mean!r}")
    for name, v in zip(("k", "D_bulk", "grain-size"), errors, strict=True):
        if v is not None and not (math.isfinite(v) and v >= 0):
            raise InputError(f"the {name} standard error must be finite and >= 0; got {v:g}")


def _check_options(
    time_s: float | None, n_grains: int | None, d_eff_err: float | None, k_rel_sd: float
) -> None:
    """One-line InputErrors for the optional inputs (time in s, counts, spreads)."""
    if time_s is not None and not (math.isfinite(time_s) and time_s > 0):
        raise InputError(f"the diffusion time must be finite and > 0 s; got {time_s:g}")
    if n_grains is not None and n_grains < 1:
        raise InputError(f"the number of grains must be >= 1; got {n_grains}")
    if d_eff_err is not None and not (math.isfinite(d_eff_err) and d_eff_err >= 0):
        raise InputError(f"the D_eff error must be finite and >= 0; got {d_eff_err:g}")
    if not (math.isfinite(k_rel_sd) and k_rel_sd >= 0):
        raise InputError(f"the relative spread of k must be >= 0; got {k_rel_sd:g}")

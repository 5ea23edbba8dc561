"""``HavenOptions``: the one options object of the Haven ratio (``tracerdiff haven`` and a study's
``haven_ratio``) and :func:`haven_analysis`, the one function both call.

Two modes: two values at one temperature (``d_tracer``, ``d_sigma``: a diffusivity, or a
conductivity turned into D_sigma by Nernst-Einstein at ``temperature`` with ``density``; or two
prefactors D0 with ``prefactors``), or two Arrhenius fits (tracer, conductivity: ``shared_ea``
joint fit with one Ea, else H_R(T) at ``temperature``). File keys carry units and may carry a
standard error (``d_tracer = "3.0e-9+-0.3e-9 cm^2/s"``, ``d_sigma = "1e-3 S/cm"``,
``temperature = "22 degC"``, ``density = "5e21 cm^-3"``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, model_validator

from ..errors import InputError, UnitError
from ..options_base import GBOptionsModel
from ..units import parse_quantity_with_error
from .arrhenius_options import Kelvin, PerCm3

__all__ = ["HavenOptions", "haven_analysis"]


class HavenOptions(GBOptionsModel):
    """``d_tracer`` / ``d_sigma`` (cm^2/s, with ``_err``) or ``d_sigma`` given as a
    conductivity (``sigma_S_cm``, with ``sigma_err``); ``prefactors`` (the two values are D0);
    ``temperature_K``; ``shared_ea``; ``density_cm3`` for conductivities; ``allow_cold``."""

    QUANTITY_KEYS: ClassVar[tuple[str, ...]] = ("d_tracer", "d_sigma", "temperature", "density")
    WITH_ERRORS: ClassVar[dict[str, str]] = {"d_tracer": "diffusivity", "d_sigma": "diffusivity"}

    d_tracer: float | None = None
    d_tracer_err: float | None = None
    d_sigma: float | None = None
    d_sigma_err: float | None = None
    sigma_S_cm: float | None = None
    sigma_err: float | None = None
    prefactors: bool = False
    temperature_K: Kelvin | None = Field(default=None, gt=0, alias="temperature")
    shared_ea: bool = False
    density_cm3: PerCm3 | None = Field(default=None, gt=0, alias="density")
    allow_cold: bool = False

    @model_validator(mode="before")
    @classmethod
    def _sigma_text(cls, data: Any) -> Any:
        """``d_sigma`` as text: a diffusivity (D_sigma) or a conductivity (sigma, S/cm)."""
        if not isinstance(data, dict) or not isinstance(data.get("d_sigma"), str):
            return data
        text = data["d_sigma"]
        try:
            v, e = parse_quantity_with_error(text, "diffusivity")
            return {**data, "d_sigma": v, "d_sigma_err": e}
        except UnitError:
            pass
        except InputError as exc:
            raise ValueError(f"d_sigma: {exc}") from None
        try:
            s, e = parse_quantity_with_error(text, "conductivity")
        except InputError as exc:
            raise ValueError(
                f"d_sigma: {exc}; expected a diffusivity or a conductivity such as "
                "'0.2 cm^2/s' or '1e-3 S/cm'"
            ) from None
        if data.get("prefactors"):
            raise ValueError(
                "d_sigma: with prefactors it is D0 of D_sigma (cm^2/s), not a conductivity"
            )
        out = {k: v for k, v in data.items() if k != "d_sigma"}
        return {**out, "sigma_S_cm": s, "sigma_err": e}


def haven_analysis(
    options: HavenOptions, *, tracer_fit: Any = None, conductivity_fit: Any = None
) -> Any:
    """H_R = D*/D_sigma: from two Arrhenius fits when given
    (:func:`tracerdiff.models.haven_from_arrhenius`), else from the two values of ``options``
    (:func:`tracerdiff.models.haven_ratio`). The :class:`~tracerdiff.models.HavenResult`."""
    from .transport import haven_from_arrhenius, haven_ratio, nernst_einstein_d

    o = options
    if tracer_fit is not None or conductivity_fit is not None:
        if tracer_fit is None or conductivity_fit is None:
            raise InputError("the Haven ratio of two Arrhenius fits needs both")
        return haven_from_arrhenius(
            tracer_fit, conductivity_fit, shared_ea=o.shared_ea, temperature_K=o.temperature_K
        )
    if o.shared_ea:
        raise InputError("shared_ea needs two Arrhenius data sets (tracer and conductivity)")
    d2, e2 = o.d_sigma, o.d_sigma_err
    if o.sigma_S_cm is not None:
        if o.temperature_K is None or o.density_cm3 is None:
            raise InputError("d_sigma as a conductivity needs the temperature and the density")
        d2 = nernst_einstein_d(o.sigma_S_cm, o.temperature_K, density_cm3=o.density_cm3)
        e2 = None if o.sigma_err is None else o.sigma_err * d2 / o.sigma_S_cm
    if o.d_tracer is None or d2 is None:
        raise InputError("the Haven ratio needs d_tracer and d_sigma (or two Arrhenius fits)")
    return haven_ratio(
        o.d_tracer,
        d2,
        d_tracer_err=o.d_tracer_err,
        d_sigma_err=e2,
        prefactors=o.prefactors,
        temperature_K=o.temperature_K,
    )

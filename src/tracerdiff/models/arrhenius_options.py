"""``ArrheniusOptions``: the one options object of an Arrhenius fit (``tracerdiff arrhenius`` and
a study's ``arrhenius``), :func:`arrhenius_analysis` (points) and :func:`arrhenius_of_table` (a
table read first), the functions both call, and :func:`extrapolation`.

File keys carry units: ``reference_T = "22 degC"``, ``density = "5e21 cm^-3"``,
``extrapolate = ["-110 degC"]``; Python names ``reference_T_K``, ``density_cm3``,
``extrapolate_K``.
"""

from __future__ import annotations

import os
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from numpy.typing import ArrayLike
from pydantic import Field

from ..errors import DataError
from ..options_base import GBOptionsModel, quantity_field
from ..quantities import quantity

__all__ = ["ArrheniusOptions", "arrhenius_analysis", "arrhenius_of_table", "extrapolation"]


Kelvin = Annotated[float, quantity_field("temperature", "22 degC")]
PerCm3 = Annotated[float, quantity_field("number_density", "5e21 cm^-3")]


class ArrheniusOptions(GBOptionsModel):
    """``reference_T_K`` for D_ref (None: the weighted centre of 1/T); for conductivity tables
    the carrier ``density_cm3`` and ``charge``; ``allow_cold`` accepts T below 50 K;
    ``excess_scatter`` random_effects | birge | none (how errors grow when the scatter exceeds
    them); ``extrapolate_K`` temperatures to extrapolate D to (with 95 % bands); ``label``."""

    QUANTITY_KEYS: ClassVar[tuple[str, ...]] = ("reference_T", "density", "extrapolate")

    reference_T_K: Kelvin | None = Field(default=None, gt=0, alias="reference_T")
    density_cm3: PerCm3 | None = Field(default=None, gt=0, alias="density")
    charge: int = Field(default=1, ge=1)
    allow_cold: bool = False
    excess_scatter: Literal["random_effects", "birge", "none"] = "random_effects"
    extrapolate_K: list[Kelvin] = Field(default_factory=list, alias="extrapolate")
    label: str = ""


def arrhenius_analysis(
    temperature_K: ArrayLike,
    d: ArrayLike,
    d_err: ArrayLike | None,
    options: ArrheniusOptions,
    *,
    unit: str = "cm^2/s",
    label: str = "",
) -> Any:
    """:func:`tracerdiff.models.fit_arrhenius` of the points (K; ``unit``; one standard error per
    point, or None) with ``options``; the :class:`~tracerdiff.models.ArrheniusResult`."""
    from .arrhenius import fit_arrhenius

    return fit_arrhenius(
        temperature_K,
        d,
        d_err,
        reference_T_K=options.reference_T_K,
        unit=unit,
        label=options.label or label,
        excess_scatter=options.excess_scatter,
    )


def arrhenius_of_table(path: str | os.PathLike[str], options: ArrheniusOptions) -> Any:
    """Read an Arrhenius table (:func:`tracerdiff.models.read_arrhenius_table`: T_K or T_C; D,
    sigma or the tables tracerdiff writes) and fit it by :func:`arrhenius_analysis`; the label
    is the file name."""
    from pathlib import Path

    from .table import read_arrhenius_table

    tab = read_arrhenius_table(
        Path(path),
        density_cm3=options.density_cm3,
        charge=options.charge,
        allow_cold=options.allow_cold,
    )
    if tab.D_err is not None and np.any(tab.D_err <= 0):
        bad = int(np.sum(tab.D_err <= 0))
        raise DataError(f"{Path(path).name}: {bad} error value(s) <= 0; errors must be > 0")
    label = Path(path).stem + (" (D_sigma)" if tab.source.startswith("sigma") else "")
    return arrhenius_analysis(
        tab.temperature_K, tab.D, tab.D_err, options, unit=tab.unit, label=label
    )


def extrapolation(result: Any, temperatures_K: list[float]) -> list[dict[str, Any]]:
    """D with its 95 % band at each temperature (K), JSON-plain."""
    if not temperatures_K:
        return []
    p = result.predict(temperatures_K)
    return [
        {
            "temperature": quantity(t, None, "K"),
            "D": quantity(float(dv), None, result.unit),
            "lower95": quantity(float(lo), None, result.unit),
            "upper95": quantity(float(hi), None, result.unit),
        }
        for t, dv, lo, hi in zip(temperatures_K, p.D, p.lower, p.upper, strict=True)
    ]

"""``GrainSamplingOptions``: the grain-sampling keys of a fit's options (``homogeneous``,
``grain_size``, ``k_spread``, ``d_bulk``) and the ``microstructure=`` they give the fit
functions (:mod:`tracerdiff.fitting.microstructure_error`).

File keys carry units (``grain_size = "16+-11 um"``, ``d_bulk = "2.6e-8 cm^2/s"``); Python code
may pass the floats by name (``grain_size_um`` (mean, sd), ``d_bulk`` in cm^2/s).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field, model_validator

from ..errors import InputError
from ..options_base import GBOptionsModel, quantity_field
from ..units import parse_quantity_with_error

__all__ = ["GrainSamplingOptions"]


def _grain_size(v: Any) -> Any:
    """``"16+-11 um"`` (mean +- sd): (mean, sd) in um."""
    if v is None or not isinstance(v, str):
        return v
    try:
        mean, sd = parse_quantity_with_error(v, "length")
    except InputError as exc:
        raise ValueError(f"grain_size: {exc}; expected mean+-sd such as '16+-11 um'") from None
    if sd is None:
        raise ValueError(f"grain_size: expected mean+-sd such as '16+-11 um', got {v!r}")
    return mean, sd


class GrainSamplingOptions(GBOptionsModel):
    """The grain-sampling error of D_eff: ``homogeneous`` (none), or ``grain_size_um`` (key
    ``grain_size``, mean and sd of the grain length along the profile) with optional
    ``k_spread`` (sigma of ln k between boundaries) and ``d_bulk`` (cm^2/s); none of them: the
    term is estimated from the residuals."""

    QUANTITY_KEYS: ClassVar[tuple[str, ...]] = ("grain_size", "d_bulk", "profile_width")

    homogeneous: bool = False
    grain_size_um: Annotated[tuple[float, float] | None, BeforeValidator(_grain_size)] = Field(
        default=None, alias="grain_size"
    )
    k_spread: float | None = Field(default=None, ge=0)
    d_bulk: Annotated[float | None, quantity_field("diffusivity", "2.6e-8 cm^2/s")] = Field(
        default=None, gt=0
    )
    profile_width_um: Annotated[float | None, quantity_field("length", "100 um")] = Field(
        default=None, gt=0, alias="profile_width"
    )

    @model_validator(mode="after")
    def _grain_keys_consistent(self) -> GrainSamplingOptions:
        if self.homogeneous and (
            self.grain_size_um is not None or self.k_spread is not None or self.d_bulk is not None
        ):
            raise ValueError("homogeneous takes no grain_size, k_spread or d_bulk")
        if self.grain_size_um is None and (self.k_spread is not None or self.d_bulk is not None):
            raise ValueError("k_spread and d_bulk need grain_size (e.g. '16+-11 um')")
        if self.profile_width_um is not None and self.grain_size_um is None:
            raise ValueError("profile_width needs grain_size (e.g. '16+-11 um')")
        if self.grain_size_um is not None and not (
            self.grain_size_um[0] > 0 and self.grain_size_um[1] >= 0
        ):
            raise ValueError("grain_size: expected mean+-sd with mean > 0, e.g. '16+-11 um'")
        return self

    @property
    def microstructure(self) -> Any:
        """The ``microstructure=`` of the fit functions: "homogeneous", "estimate" or a
        :class:`~tracerdiff.fitting.GrainStatistics`."""
        from .microstructure_error import GrainStatistics

        if self.homogeneous:
            return "homogeneous"
        if self.grain_size_um is None:
            return "estimate"
        mean, sd = self.grain_size_um
        return GrainStatistics(
            mean_um=mean,
            sd_um=sd,
            k_sigma_ln=self.k_spread,
            d_bulk=self.d_bulk,
            width_um=self.profile_width_um,
        )

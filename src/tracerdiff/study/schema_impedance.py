"""The ``impedance`` analysis of a study file: spectra to conductivities, D_sigma, their
Arrhenius fits and the Haven ratios against tracer Arrhenius analyses (docs/study.md).

The spec builds the library's own :class:`~tracerdiff.impedance.ImpedanceOptions` (the options
object of ``tracerdiff impedance fit``), so a study and the command run the same analysis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from ..errors import InputError
from ..units import parse_quantity_with_error
from ._base import ID_PATTERN, Model
from .fields import InputFile, Length, LengthNm, NumberDensity, Temperature, ValueErr

if TYPE_CHECKING:
    from ..impedance import ImpedanceOptions
    from .schema import Sample

__all__ = ["ImpedanceFormat", "ImpedanceSpec"]

#: the ``format`` values :func:`tracerdiff.impedance.read_spectra` takes (checked in the tests)
ImpedanceFormat = Literal[
    "auto",
    "csv",
    "gamry",
    "zplot",
    "chinstruments",
    "versastudio",
    "parstat",
    "zview",
    "autolab",
    "powersuite",
    "tsv",
    "txt",
]


def _with_error(kind: str, example: str) -> Any:
    def check(v: Any) -> ValueErr:
        if isinstance(v, ValueErr):
            return v
        if not isinstance(v, str):
            raise ValueError(f"expected a quantity string such as {example!r}, got {v!r}")
        try:
            parse_quantity_with_error(v, "dimensionless")
        except InputError:
            pass
        else:
            raise ValueError(f"expected a quantity with units such as {example!r}, got {v!r}")
        try:
            value, err = parse_quantity_with_error(v, kind)
        except InputError as exc:
            raise ValueError(f"{exc} (e.g. {example!r})") from None
        if not value > 0:
            raise ValueError(f"must be > 0, got {v!r}")
        return ValueErr(value, err)

    return BeforeValidator(check)


#: pellet thickness (cm) and electrode area (cm^2), each with an optional error ('1.00+-0.01 mm')
ThicknessCm = Annotated[ValueErr, _with_error("length_cm", "1.0 mm")]
AreaCm2 = Annotated[ValueErr, _with_error("area", "0.2 cm^2")]


class ImpedanceSpec(Model):
    """Impedance spectra of a pellet at one or several temperatures."""

    id: str = Field(pattern=ID_PATTERN)
    title: str = ""
    type: Literal["impedance"]
    files: list[InputFile] = Field(min_length=1)
    temperatures: list[Temperature] = Field(default_factory=list)
    format: ImpedanceFormat = "auto"
    imag_sign: Literal["auto", "z", "minus_z"] = "auto"
    thickness: ThicknessCm | None = None
    area: AreaCm2 | None = None
    density: NumberDensity | None = None
    charge: int = Field(default=1, ge=1)
    circuit: str | None = None
    arcs: int = Field(default=2, ge=1, le=3)
    electrode: bool = True
    series_r: bool = False
    inductance: bool = False
    weighting: Literal["modulus", "unit"] = "modulus"
    delta: LengthNm | None = Field(default=None, gt=0)
    grain_size: Length | None = Field(default=None, gt=0)
    roles: dict[Literal["bulk", "gb"], str] | None = None
    kk_tolerance: float = Field(default=0.02, gt=0)
    tracer: str | None = None
    tracer_gb: str | None = None
    shared_ea: bool = False

    @field_validator("circuit")
    @classmethod
    def _circuit(cls, v: str | None) -> str | None:
        if v is None:
            return v
        from ..impedance import parse_circuit

        try:
            parse_circuit(v)
        except InputError as exc:
            raise ValueError(str(exc)) from None
        return v

    @model_validator(mode="after")
    def _geometry_pair(self) -> ImpedanceSpec:
        if (self.thickness is None) != (self.area is None):
            raise ValueError("thickness and area go together (both or neither)")
        if (self.tracer or self.tracer_gb) and self.thickness is None:
            raise ValueError("Haven ratios (tracer, tracer_gb) need thickness and area")
        return self

    def depends_on(self) -> list[str]:
        """Ids of the tracer Arrhenius analyses this one uses."""
        return [a for a in (self.tracer, self.tracer_gb) if a]

    def measurements(self) -> list[str]:
        """Spectra are files of the analysis itself, not measurements."""
        return []

    def options(self, sample: Sample | None = None) -> ImpedanceOptions:
        """The library's options; the carrier density defaults to ``[sample] li_density``."""
        from ..impedance import Geometry, ImpedanceOptions

        geometry = None
        if self.thickness is not None and self.area is not None:
            geometry = Geometry(
                self.thickness.value, self.area.value, self.thickness.stderr, self.area.stderr
            )
        density = self.density
        if density is None and sample is not None:
            density = sample.li_density
        return ImpedanceOptions(
            circuit=self.circuit,
            arcs=self.arcs,
            electrode=self.electrode,
            series_r=self.series_r,
            inductance=self.inductance,
            weighting=self.weighting,
            geometry=geometry,
            density_cm3=density,
            charge=self.charge,
            delta_nm=self.delta,
            grain_size_um=self.grain_size,
            roles=dict(self.roles) if self.roles else None,
            kk_tolerance=self.kk_tolerance,
        )

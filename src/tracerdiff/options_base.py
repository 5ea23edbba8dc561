"""The base of tracerdiff's options models (one per analysis, shared by the Python API, the CLI
and study files): frozen, unknown keys forbidden, file keys with units or Python names in
internal units; :func:`quantity_field` turns quantity text into internal-unit floats.  Light on
imports, so that every analysis package can use it without loading the others."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, model_validator

from .errors import InputError
from .units import parse_quantity, parse_quantity_with_error

__all__ = [
    "MAX_K_SIGMA_LN",
    "GBOptionsModel",
    "LengthNm",
    "LengthUm",
    "OptionsModel",
    "Seconds",
    "options_message",
    "quantity_field",
]

#: the largest lognormal spread of k between boundaries (sigma of ln k) any analysis takes:
#: a factor e^3 = 20 at one sd (a relative sd of 90); beyond, exp(sigma^2) overflows
MAX_K_SIGMA_LN = 3.0


def quantity_field(kind: str, example: str) -> Any:
    """A pydantic validator: a float in internal units from a quantity string (with its unit), a
    number, or a list of them; ``example`` is named when the text is not such a quantity."""

    def check(v: Any) -> Any:
        if isinstance(v, list):
            return [check(t) for t in v]
        if v is None or isinstance(v, bool) or not isinstance(v, str):
            return v
        try:
            return parse_quantity(v, kind)
        except InputError as exc:
            raise ValueError(f"{exc}; expected e.g. {example!r}") from None

    return BeforeValidator(check)


LengthUm = Annotated[float, quantity_field("length", "12 um")]
LengthNm = Annotated[float, quantity_field("length_nm", "0.5 nm")]
Seconds = Annotated[float, quantity_field("time", "16 d")]


def options_message(exc: ValidationError, model: type[BaseModel]) -> str:
    """One line from the first error of a validation: ``key: what was expected``."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        known = ", ".join(sorted(f.alias or n for n, f in model.model_fields.items()))
        return f"unknown option {loc!r}; expected one of {known}"
    return f"{loc}: {msg}" if loc else msg


class GBOptionsModel(BaseModel):
    """Base of the options models: frozen, unknown keys forbidden, file keys or Python names; a
    bad value raises :class:`~tracerdiff.errors.InputError` naming the option (from Python) or
    a validation error with the key and line (in a study file)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_by_name=True, validate_by_alias=True
    )

    #: the file keys that hold a quantity and need their unit in a file
    QUANTITY_KEYS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise InputError(options_message(exc, type(self))) from None

    # validation inside other models (a study file) keeps pydantic's own path and context
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @model_validator(mode="before")
    @classmethod
    def _units_under_file_keys(cls, data: Any) -> Any:
        """Under a file key (``window``) a quantity needs its unit; the float goes by its name
        (``window_um``)."""
        if isinstance(data, dict):
            for key in cls.QUANTITY_KEYS:
                v = data.get(key)
                items = v if isinstance(v, (list, tuple)) else [v]
                if (
                    key not in cls.WITH_ERRORS
                    and v is not None
                    and not all(isinstance(t, str) for t in items)
                ):
                    name = next((n for n, f in cls.model_fields.items() if f.alias == key), key)
                    raise ValueError(
                        f"{key}: expected a quantity with its unit (e.g. "
                        f"{_EXAMPLES.get(key, '1 um')!r}) or {name} in internal "
                        f"units, got {v!r}"
                    )
        return data

    #: file keys whose text may carry a standard error ("V+-E unit"), with their kind; the
    #: error goes to the field ``<key>_err``
    WITH_ERRORS: ClassVar[dict[str, str]] = {"d_bulk": "diffusivity"}

    @model_validator(mode="before")
    @classmethod
    def _error_text(cls, data: Any) -> Any:
        """``d_bulk = "2.6e-8+-0.3e-8 cm^2/s"``: the value and its standard error."""
        if not isinstance(data, dict):
            return data
        for key, kind in cls.WITH_ERRORS.items():
            if not isinstance(data.get(key), str) or f"{key}_err" not in cls.model_fields:
                continue
            if data.get(f"{key}_err") is not None:
                raise ValueError(
                    f"{key}: give its error in the text ('2.6e-8+-0.3e-8 "
                    f"{'cm^2/s' if kind == 'diffusivity' else 'cm/s'}'), not also "
                    f"as {key}_err"
                )
            try:
                v, e = parse_quantity_with_error(data[key], kind)
            except InputError as exc:
                raise ValueError(f"{key}: {exc}") from None
            data = {**data, key: v, f"{key}_err": e}
        return data

    @classmethod
    def check_file_units(cls, data: Any) -> Any:
        """In a file, quantities are strings with units and Python names are not keys."""
        if not isinstance(data, dict):
            return data
        for key in cls.QUANTITY_KEYS:
            v = data.get(key)
            items = v if isinstance(v, list) else [v]
            if v is not None and not all(isinstance(t, str) for t in items):
                raise ValueError(
                    f"{key}: expected a quantity with its unit (e.g. "
                    f"{_EXAMPLES.get(key, '1 um')!r}), got {v!r}"
                )
        for name, f in cls.model_fields.items():
            errs = {f"{k}_err": k for k in cls.WITH_ERRORS}
            if name in data and (f.alias not in (None, name) or name in errs):
                key = f.alias or errs[name]
                raise ValueError(f"{name}: not a study key; use {key!r} with its unit")
        return data


#: the options models share one base
OptionsModel = GBOptionsModel


_EXAMPLES = {
    "d_bulk": "2.6e-8 cm^2/s",
    "delta": "0.5 nm",
    "window": "12 um",
    "guard": "1.5 um",
    "resolution": "1 um",
    "width": "20 um",
    "dt": "16 d",
    "time": "110 h",
    "min_length": "5 um",
    "pixel_size": "0.5 um",
    "field_of_view": "256 um",
    "line_width": "1 um",
    "min_grain": "2 um",
    "reference_T": "22 degC",
    "density": "5e21 cm^-3",
    "extrapolate": "-110 degC",
    "k": "1.5e-6 cm/s",
    "d_eff": "2.2e-9 cm^2/s",
    "grain_size": "16+-11 um",
    "grain_size_error": "0.6 um",
}

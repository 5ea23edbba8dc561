"""tracerdiff: isotope-tracer SIMS measurements to diffusion coefficients.

Public API re-exported here; see ``docs/`` for the user guide.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from .errors import (
    ConfigError,
    DataError,
    FileFormatError,
    FitError,
    InputError,
    OutputExistsError,
    SaturationError,
    ShapeMismatchError,
    SolverError,
    TracerdiffError,
    UnitError,
)
from .quantities import quantity
from .units import parse_quantity, parse_quantity_with_error

try:
    __version__ = _version("tracerdiff")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "ConfigError",
    "DataError",
    "FileFormatError",
    "FitError",
    "InputError",
    "OutputExistsError",
    "SaturationError",
    "ShapeMismatchError",
    "SolverError",
    "TracerdiffError",
    "UnitError",
    "__version__",
    "parse_quantity",
    "parse_quantity_with_error",
    "quantity",
]

"""The one error hierarchy of tracerdiff.

Every error raised on bad input derives from :class:`TracerdiffError`; the CLI turns it into a
one-line message and exit code 2.  Messages are single lines that say what was expected.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DataError",
    "FileFormatError",
    "FitError",
    "InputError",
    "OutputExistsError",
    "OutputWriteError",
    "SaturationError",
    "ShapeMismatchError",
    "SolverError",
    "TracerdiffError",
    "UnitError",
]


class TracerdiffError(Exception):
    """Base class of every error tracerdiff raises on purpose."""

    def __init__(self, message: str) -> None:
        # keep messages on one line: the CLI prints them as they are
        super().__init__(" ".join(str(message).split()))


class InputError(TracerdiffError, ValueError):
    """An argument or option has a value outside what is accepted."""


class UnitError(InputError):
    """A quantity string cannot be parsed or has the wrong dimension."""


class FileFormatError(InputError):
    """A file is missing, unreadable, of unknown format or corrupt."""


class DataError(InputError):
    """Data are physically impossible or unusable (negative counts, NaN-only, ...)."""


class ShapeMismatchError(DataError):
    """Arrays that must share a shape do not."""


class SaturationError(DataError):
    """Counts reach or exceed the number of primary pulses under dead-time correction."""


class ConfigError(InputError):
    """A study file or configuration is invalid."""


class OutputExistsError(TracerdiffError):
    """An output path exists and ``force`` was not given."""


class OutputWriteError(TracerdiffError):
    """An output could not be written (full disk, no permission, ...); nothing was left behind."""


class FitError(TracerdiffError):
    """A fit cannot be set up (too few points, all parameters fixed, ...)."""


class SolverError(TracerdiffError):
    """A numerical solver cannot be set up or did not reach its tolerance."""

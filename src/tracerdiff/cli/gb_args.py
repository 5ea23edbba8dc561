"""Help texts and option values shared by the grain-boundary commands (``gb-step``,
``gb-map``)."""

from __future__ import annotations

from ..errors import InputError
from .common import parse_q_with_error

__all__ = ["FLUX_ANGLE_HELP", "GUARD_HELP", "RES_HELP", "d_bulk_option", "one_or_many"]

GUARD_HELP = "Guard band left out each side of a GB (default 2.5 x --resolution)."
RES_HELP = "Lateral resolution of the image; sets the default guard band (2.5 x)."
FLUX_ANGLE_HELP = (
    "Signed angle (deg) of the long-range diffusion direction from the line: 0 (default) when"
    " the line runs along it, the GB angle when diffusion runs along the GB normal."
)


def one_or_many(values: list[float] | None) -> float | list[float]:
    """CLI angle list -> one angle (deg, default 0) or one per item."""
    return (values[0] if len(values) == 1 else list(values)) if values else 0.0


def d_bulk_option(text: str) -> tuple[float, float | None]:
    """``--d-bulk`` as (D_b, standard error or None) in cm^2/s; D_b > 0."""
    v, e = parse_q_with_error(text, "diffusivity", option="--d-bulk")
    if not v > 0 or (e is not None and e < 0):
        raise InputError(f"--d-bulk must be positive, got {text!r}")
    return v, e

"""The command-line flags of the fraction corrections as the library's one options object
(:class:`~tracerdiff.imaging.options.FractionOptions`), and the reader and output checks shared
by ``fraction``, ``profile`` and the other commands that read count data."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..outputs import check_writable
from .common import parse_q

if TYPE_CHECKING:
    from ..imaging.options import FractionOptions

__all__ = ["check_outputs", "check_png", "fraction_options_from_flags", "reader_options"]


#: CLI flag of each FractionOptions field (so a validation error names the flag)
_FLAGS = {
    "shots_per_pixel": "--shots-per-pixel", "scans": "--scans", "dead_time": "--dead-time",
    "saturated": "--saturated", "bin": "--bin", "background": "--background",
    "source": "--source", "mass_resolution": "--mass-resolution", "em_tau_s": "--em-dead-time",
    "dwell_time_s": "--dwell-time", "imf_alpha": "--imf-alpha", "systematic": "--systematic",
    "drift": "--drift", "min_counts": "--min-counts",
}  # fmt: skip


def fraction_options_from_flags(given: dict[str, Any]) -> FractionOptions:
    """The one :class:`FractionOptions` from the parsed flags (times with units checked here);
    flags left at None take the library defaults."""
    from pydantic import ValidationError

    from ..imaging.options import FractionOptions

    opts = {k: v for k, v in given.items() if v is not None and k in _FLAGS}
    for key, flag, unit in (
        ("em_tau_s", "--em-dead-time", "ns"),
        ("dwell_time_s", "--dwell-time", "s"),
    ):
        if isinstance(opts.get(key), str):
            opts[key] = parse_q(opts[key], "time", option=flag, default_unit=unit)
    try:
        return FractionOptions(**opts)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = str(err["loc"][0]) if err["loc"] else ""
        msg = str(err["msg"]).removeprefix("Value error, ").removeprefix(f"{key} ")
        raise InputError(f"{_FLAGS.get(key, key) + ': ' if key else ''}{msg}") from None


def check_outputs(paths: list[str | None], force: bool) -> list[str]:
    """Refuse existing outputs (unless force) and unknown suffixes before any work is done."""
    out = []
    for p in paths:
        if p is None:
            continue
        check_writable(p, force=force)
        out.append(str(p))
    return out


def check_png(png: str | None) -> None:
    """``--png`` must name a .png file."""
    if png is not None and Path(png).suffix.lower() != ".png":
        raise InputError(f"--png {png}: expected a file name ending in .png")


def reader_options(species: str | None, kind: str | None) -> dict[str, Any]:
    """The reader keywords of ``--species`` ('18O,16O' or '18O/16O') and ``--kind``."""
    out: dict[str, Any] = {}
    if species is not None:
        out["species"] = [t.strip() for t in species.replace("/", ",").split(",") if t.strip()]
    if kind is not None:
        out["kind"] = kind
    return out

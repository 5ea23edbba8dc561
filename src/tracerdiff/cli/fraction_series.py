"""``tracerdiff fraction`` on count series (Cameca ``.is``/``.dp``/``.asc`` cycles, IONTOF and
Cameca depth profiles): the options that apply, the library call and the output.

The command calls :func:`series_fraction` when the file holds cycles or a depth profile
instead of images; the JSON keys are those of a map where they apply (``pair``, ``C``,
``C_sys_stderr``, ``systematic_errors``, ``corrections``, ``warnings``, ``outputs``) plus
``kind``, ``dim``, ``n_points``, ``counts`` and ``points`` (C per record).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["SERIES_OPTIONS", "series_fraction", "series_payload", "series_text"]

#: fraction_map options that also apply to count series (the others are about pixels)
SERIES_OPTIONS = ("dead_time", "saturated", "em_tau_s", "background", "source", "imf_alpha",
                  "systematic")  # fmt: skip
_IMAGE_DEFAULTS: dict[str, Any] = {"bin": 1, "drift": True, "min_counts": 1.0}
_FLAGS = {"bin": "--bin", "drift": "--no-drift", "min_counts": "--min-counts",
          "shots_per_pixel": "--shots-per-pixel", "scans": "--scans",
          "dwell_time_s": "--dwell-time", "mass_resolution": "--mass-resolution"}  # fmt: skip


def _series_options(options: dict[str, Any], what: str) -> dict[str, Any]:
    """The count-series options; an image-only option that was set is refused by name."""
    for key, value in options.items():
        if key in SERIES_OPTIONS or value is None:
            continue
        if key in _IMAGE_DEFAULTS and value == _IMAGE_DEFAULTS[key]:
            continue
        flag = _FLAGS.get(key, key)
        raise InputError(f"{flag} applies to images; the file holds {what}")
    out = {k: options[k] for k in SERIES_OPTIONS if options.get(k) is not None}
    if out.get("dead_time") == "tof":
        raise InputError(f"--dead-time tof applies to ToF images; the file holds {what}")
    return out


def series_fraction(
    ds: xr.Dataset, *, pair: str, options: dict[str, Any], output: str | None, force: bool
) -> dict[str, Any]:
    """C per record and from the summed counts of a count series; writes ``output`` (``.nc``,
    the per-record C) when given. Returns the JSON payload."""
    from ..imaging.count_fraction import count_fraction

    what = str(ds.attrs.get("kind", "count series")).replace("_", " ")
    if output is not None and Path(output).suffix.lower() != ".nc":
        raise InputError(f"-o {output}: a count series is written as NetCDF (.nc)")
    res = count_fraction(ds, pair=pair, **_series_options(options, what))
    outputs = []
    if output is not None:
        from ..io import write_dataset

        write_dataset(res.to_dataset(), output, force=force)
        outputs.append(output)
    return series_payload(ds, res, outputs)


def series_payload(ds: xr.Dataset, res: Any, outputs: list[str]) -> dict[str, Any]:
    """The JSON form of a series fraction (see the module docstring)."""
    return {**res.to_dict(), "kind": str(ds.attrs.get("kind", "")), "outputs": outputs}


def series_text(d: dict[str, Any]) -> str:
    """Human output: pair, records, C of the sums with its errors, the per-record range."""
    c = d["C"]
    val = "n/a" if c["value"] is None else f"{c['value']:.6g} ± {c['stderr']:.2g}"
    if c["value"] is not None and d["C_sys_stderr"] > 0:
        val += f" (stat.), ± {d['C_sys_stderr']:.2g} (syst.)"
    per = [p["C"]["value"] for p in d.get("points", []) if p["C"]["value"] is not None]
    applied = [r["name"] for r in d["corrections"] if r.get("applied")]
    lines = [
        f"pair {d['pair']}, {d['n_points']} {'depth points' if d['dim'] == 'time_s' else 'cycles'}"
        f" ({d['kind'].replace('_', ' ')})",
        f"C (summed counts) = {val}" + (" (normalised)" if d["normalised"] else ""),
    ]
    if per:
        lines.append(f"C per record: {min(per):.6g} .. {max(per):.6g}")
    lines.append(f"corrections: {', '.join(applied) or 'none'}")
    lines += [f"warning: {w}" for w in d["warnings"]]
    lines += [f"wrote {p}" for p in d["outputs"]]
    return "\n".join(lines)

"""Cameca IMS (e.g. IMS-1280) ``.asc`` text reports of spot analyses.

The report holds acquisition parameters per mass (count time, detector), detector parameters
(yield, background in c/s, dead time in ns), which corrections the instrument applied to its
ratios, the ratio definitions (``R0=1.000000 *18O [H1] / 1.000000 *16O [L'2]``), the cumulated
ratio results and the raw data per block and cycle. The raw numbers are secondary-ion count
rates (counts/s) as the detectors report them, before yield/background/dead-time corrections.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import FileFormatError
from ._checks import MAX_PIXELS, check_max_pixels
from ._common import PathLike, check_counts, existing_file, normalize_species, source_attrs

__all__ = [
    "ims_corrected_counts",
    "ims_corrected_rates",
    "is_cameca_ims_asc",
    "read_cameca_ims_asc",
]

_RATIO = re.compile(
    r"^(R\d+)=\s*([\d.]+)\s*\*(\S+)\s*\[([^\]]+)\]\s*/\s*([\d.]+)\s*\*(\S*)\s*"
    r"(?:\[([^\]]+)\])?"
)


def is_cameca_ims_asc(path: PathLike) -> bool:
    """True when the file starts with the ``CAMECA`` banner and holds a RAW DATA section."""
    try:
        with open(path, encoding="latin-1") as fh:
            text = fh.read(200_000)
    except OSError:
        return False
    return text.lstrip().startswith("CAMECA") and "RAW DATA" in text


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.split("\t")]


def _section(lines: list[str], title: str) -> int:
    for i, ln in enumerate(lines):
        if ln.startswith(title):
            return i
    raise FileFormatError(f"missing section {title!r}")


def _acquisition(lines: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    i = _section(lines, "ACQUISITION PARAMETERS")
    species: list[str] = []
    rows: dict[str, list[str]] = {}
    for ln in lines[i + 1 :]:
        if ln.startswith("ANALYTICAL PARAMETERS"):
            break
        c = _cells(ln)
        if len(c) < 2 or not any(c[1:]):
            continue
        if not species and not c[0]:
            species = [s for s in c[1:] if s]
        elif c[0]:
            rows[c[0]] = c[1 : 1 + len(species)]
    return species, rows


def _detectors(lines: list[str]) -> dict[str, dict[str, float]]:
    i = _section(lines, "DETECTOR PARAMETERS")
    cols: list[str] = []
    out: dict[str, dict[str, float]] = {}
    for ln in lines[i + 1 :]:
        if ln.startswith("CORRECTION FACTORS"):
            break
        c = _cells(ln)
        if len(c) > 3 and not c[0] and not cols:
            cols = c[1:]
        elif len(c) > 3 and c[0] and cols:
            vals: dict[str, float] = {}
            for k, v in zip(cols, c[1:], strict=False):
                try:
                    vals[k] = float(v)
                except ValueError:
                    continue
            out[c[0]] = vals
    return out


def _keyed(lines: list[str], start: str, stop: str) -> dict[str, str]:
    i = _section(lines, start)
    out: dict[str, str] = {}
    for ln in lines[i + 1 :]:
        if ln.startswith(stop):
            break
        if ":" in ln and "\t" not in ln.split(":", 1)[0]:
            k, v = ln.split(":", 1)
            out[" ".join(k.split())] = v.strip()
        else:
            c = [x for x in _cells(ln) if x]
            if len(c) >= 2:
                out[" ".join(c[0].split())] = c[1]
    return out


def _ratios(lines: list[str]) -> dict[str, dict[str, Any]]:
    defs: dict[str, dict[str, Any]] = {}
    for ln in lines:
        m = _RATIO.match(ln.strip())
        if m:
            defs[m.group(1)] = {
                "definition": f"{m.group(3)}/{m.group(6)}" if m.group(6) else m.group(3),
                "numerator": m.group(3),
                "numerator_detector": m.group(4),
                "denominator": m.group(6),
                "denominator_detector": m.group(7) or "",
            }
    i = _section(lines, "CUMULATED RESULTS")
    head: list[str] = []
    for ln in lines[i + 1 :]:
        c = _cells(ln)
        if not head and any("Mean value" in x for x in c):
            head = [h for h in c[1:] if h]
        elif head and re.fullmatch(r"R\d+", c[0]) and c[0] in defs:
            for k, v in zip(head, c[1:], strict=False):
                if v:
                    defs[c[0]][_result_key(k)] = float(v)
        elif head and c[0]:
            break
    return defs


def _result_key(header: str) -> str:
    h = header.lower()
    table = [
        ("std err", "std_err_mean_percent"),
        ("std. dev", "std_dev"),
        ("poisson", "poisson_percent"),
        ("rejected", "n_rejected"),
        ("integrated", "integrated_mean"),
        ("delta", "delta_permil"),
        ("qsa", "qsa_corrected_mean"),
        ("mean", "mean"),
    ]
    return next((v for k, v in table if k in h), re.sub(r"\W+", "_", h).strip("_"))


def _table(lines: list[str], title: str, n_species: int) -> np.ndarray:
    i = _section(lines, title)
    rows = []
    for ln in lines[i + 1 :]:
        parts = ln.split()
        if len(parts) == 2 + n_species and parts[0].isdigit():
            rows.append([float(x) for x in parts])
        elif rows:
            break
    if not rows:
        raise FileFormatError(f"no rows in section {title!r}")
    return np.array(rows)


def _species_vars(
    species: list[str],
    acq: dict[str, list[str]],
    det: dict[str, dict[str, float]],
    raw: np.ndarray,
    *,
    source: str,
) -> dict[str, Any]:
    """One variable of count rates per species with its detector's parameters as attrs."""
    data_vars: dict[str, Any] = {}
    for j, label in enumerate(species):
        name = normalize_species(label)
        rate = raw[:, 2 + j]
        check_counts(name, rate, source=source)
        detector = acq.get("DETECTOR", [""] * len(species))[j]
        d = det.get(detector, {})
        va: dict[str, Any] = {
            "label": label,
            "species": name,
            "units": "counts/s",
            "detector": detector,
            "yield": d.get("Yield", 1.0),
            "background_cps": d.get("Bkg(c/s)", 0.0),
            "dead_time_ns": d.get("DT(ns)", 0.0),
        }
        for key, attr in (("MASSES", "mass"), ("C.TIME(s)", "count_time_s")):
            try:
                va[attr] = float(acq[key][j])
            except (KeyError, IndexError, ValueError):
                pass
        data_vars[name] = (("cycle",), rate, va)
    return data_vars


def read_cameca_ims_asc(path: PathLike, *, max_pixels: int = MAX_PIXELS) -> xr.Dataset:
    """Read a Cameca IMS ``.asc`` report: count rates per cycle for each mass.

    Dataset over a flat dim ``cycle`` with coords ``block``, ``cycle_in_block`` and ``time_s``
    (from the timing data); one variable per species (counts/s as recorded, var attrs ``mass``,
    ``detector``, ``count_time_s``, ``yield``, ``background_cps``, ``dead_time_ns``). Attrs:
    ``ratios`` (JSON: definition and the instrument's cumulated results per ratio),
    ``corrections_applied`` (JSON: what the instrument applied to its ratios),
    ``analytical_parameters`` (JSON) and ``sample``. A report larger than ``max_pixels`` bytes
    (far above any real report, which is tens of kB) is refused before it is read.
    """
    p = existing_file(path)
    _check_size(p, max_pixels)
    if not is_cameca_ims_asc(p):
        raise FileFormatError(
            f"{p}: not a Cameca IMS .asc report (expected a 'CAMECA' banner "
            "and a 'RAW DATA' section)"
        )
    lines = p.read_text(encoding="latin-1").splitlines()
    try:
        species, acq = _acquisition(lines)
        det = _detectors(lines)
        raw = _table(lines, "RAW DATA", len(species))
        timing = _table(lines, "TIMING", len(species))
        ratios = _ratios(lines)
        corr = _keyed(lines, "CORRECTION FACTORS", "ACQUISITION CONTROL")
        analytical = _keyed(lines, "ANALYTICAL PARAMETERS", "COMMENTS")
    except FileFormatError as exc:
        raise FileFormatError(f"{p}: {exc}") from None
    data_vars = _species_vars(species, acq, det, raw, source=str(p))
    coords = {
        "cycle": ("cycle", np.arange(raw.shape[0])),
        "block": ("cycle", raw[:, 0].astype(int)),
        "cycle_in_block": ("cycle", raw[:, 1].astype(int)),
        "time_s": ("cycle", timing[: raw.shape[0], 2], {"units": "s"}),
    }
    sample = next((_cells(ln)[1] for ln in lines if ln.startswith("SAMPLE NAME")), "")
    attrs: dict[str, Any] = {
        "instrument": "Cameca IMS",
        "format": "cameca_ims_asc",
        "kind": "isotope_cycles",
        "n_cycles": int(raw.shape[0]),
        "n_blocks": int(raw[:, 0].max()) + 1,
        "dead_time_corrected": 0,
        "sample": sample,
        "ratios": json.dumps(ratios),
        "corrections_applied": json.dumps(corr),
        "analytical_parameters": json.dumps(analytical),
        **source_attrs(p),
    }
    mrp = _float_or_none(analytical.get("MRP(mono)"))
    if mrp is not None:
        attrs["mass_resolution"] = mrp
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def _check_size(p: Path, max_pixels: int) -> None:
    size, limit = p.stat().st_size, check_max_pixels(max_pixels)
    if size > limit:
        raise FileFormatError(
            f"{p}: the report has {size} bytes, more than max_pixels={limit}; pass a larger "
            "max_pixels (--max-pixels) if this is intended"
        )


def _float_or_none(v: str | None) -> float | None:
    try:
        return float(v) if v is not None else None
    except ValueError:
        return None


def ims_corrected_rates(ds: xr.Dataset) -> xr.Dataset:
    """Apply each detector's dead time, background and yield as the IMS software does.

    r_dt = r / (1 - r tau) (tau = dead time; 0 for Faraday cups), then
    r_corr = (r_dt - background) / yield, in counts/s. Returns a new dataset.
    """
    out = ds.copy()
    for name, da in ds.data_vars.items():
        tau = float(da.attrs.get("dead_time_ns", 0.0)) * 1e-9
        r = da.values / (1.0 - da.values * tau) if tau > 0 else da.values
        corr = (r - float(da.attrs.get("background_cps", 0.0))) / float(da.attrs.get("yield", 1.0))
        out[name] = (da.dims, corr, {**da.attrs, "corrected": "dead time, background, yield"})
    return out


def ims_corrected_counts(ds: xr.Dataset, name: str) -> tuple[np.ndarray, np.ndarray, float]:
    """(counts, variance, count time in s) per cycle of one species, corrected as
    :func:`ims_corrected_rates` does: ``n = t (r / (1 - r tau) - bkg) / yield``.

    The measured counts ``r t`` are Poisson, so by the delta method
    ``var(n) = r t / (yield^2 (1 - r tau)^4)``. FileFormatError without a count time.
    """
    da = ds[name]
    t = float(da.attrs.get("count_time_s", np.nan))
    if not (np.isfinite(t) and t > 0):
        raise FileFormatError(f"{name}: no counting time (C.TIME) in the report")
    tau = float(da.attrs.get("dead_time_ns", 0.0)) * 1e-9
    y = float(da.attrs.get("yield", 1.0))
    r = np.asarray(da.values, dtype=np.float64)
    live = 1.0 - r * tau
    if np.any(live <= 0):
        raise FileFormatError(f"{name}: a count rate reaches 1/dead time; the detector saturated")
    rate = (r / live - float(da.attrs.get("background_cps", 0.0))) / y
    return rate * t, r * t / (y * y * live**4), t

"""Pixel sizes stated inside TIFF files: ImageJ (``unit=`` in the ImageDescription with the
XResolution/YResolution tags, ``spacing`` for the step between pages), OME-TIFF (``Pixels``
``PhysicalSizeX``/``PhysicalSizeY`` with their units) and plain TIFF resolution tags in
centimetres. Lengths are returned in um; an unknown unit is an error, never a guess."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from typing import Any

from ..errors import FileFormatError

__all__ = ["LENGTH_TO_UM", "length_unit_um", "tiff_calibration"]

LENGTH_TO_UM: dict[str, float] = {
    "um": 1.0, "µm": 1.0, "μm": 1.0, "micron": 1.0, "microns": 1.0, "micrometer": 1.0,
    "micrometre": 1.0, "nm": 1e-3, "nanometer": 1e-3, "nanometre": 1e-3, "pm": 1e-6,
    "å": 1e-4, "angstrom": 1e-4, "mm": 1e3, "millimeter": 1e3, "millimetre": 1e3, "cm": 1e4,
    "centimeter": 1e4, "centimetre": 1e4, "m": 1e6, "meter": 1e6, "metre": 1e6,
}  # fmt: skip
_UNCALIBRATED = {"", "pixel", "pixels", "px", "none"}
_RES_CENTIMETER = 3


def length_unit_um(unit: str, *, source: str, where: str) -> float | None:
    """um per ``unit``; None for uncalibrated (``pixel``, empty); FileFormatError otherwise."""
    u = unit.strip().replace("\\u00B5", "µ").replace("\\u00b5", "µ")
    if u.lower() in _UNCALIBRATED:
        return None
    scale = LENGTH_TO_UM.get(u, LENGTH_TO_UM.get(u.lower()))
    if scale is None:
        raise FileFormatError(
            f"{source}: {where}: unknown length unit; expected um/micron, nm, mm, cm or m"
        )
    return scale


def _rational(tag: Any) -> float | None:
    value = getattr(tag, "value", None)
    try:
        if isinstance(value, tuple) and len(value) == 2:
            v = float(value[0]) / float(value[1]) if float(value[1]) else math.nan
        else:
            v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return v if math.isfinite(v) and v > 0 else None


def _resolution(page: Any) -> tuple[float, float] | None:
    """Pixels per unit along x and y from the XResolution/YResolution tags."""
    rx, ry = _rational(page.tags.get("XResolution")), _rational(page.tags.get("YResolution"))
    if rx is None:
        return None
    return rx, ry if ry is not None else rx


def _imagej(tf: Any, source: str) -> dict[str, Any] | None:
    meta = tf.imagej_metadata
    if not meta:
        return None
    out: dict[str, Any] = {}
    scale = length_unit_um(str(meta.get("unit", "")), source=source, where="ImageJ unit")
    yunit = meta.get("yunit")
    yscale = (
        scale if yunit is None else length_unit_um(str(yunit), source=source, where="ImageJ yunit")
    )
    res = _resolution(tf.pages[0])
    if scale is not None and yscale is not None and res is not None:
        out["pixel_size_um"] = (scale / res[0], yscale / res[1])
        out["pixel_size_from"] = "imagej"
    spacing = meta.get("spacing")
    if scale is not None and spacing is not None:
        try:
            z = float(spacing) * scale
        except (TypeError, ValueError):
            z = math.nan
        if math.isfinite(z) and z > 0:
            out["spacing_um"] = z
    return out


def _ome(tf: Any, source: str) -> dict[str, Any] | None:
    xml = tf.ome_metadata
    if not xml:
        return None
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        raise FileFormatError(f"{source}: OME-TIFF metadata is not valid XML") from None
    pixels = next((el for el in root.iter() if re.sub(r"^\{.*\}", "", el.tag) == "Pixels"), None)
    if pixels is None or "PhysicalSizeX" not in pixels.attrib:
        return {}
    sizes = []
    for ax in ("X", "Y"):
        text = pixels.attrib.get(f"PhysicalSize{ax}", pixels.attrib["PhysicalSizeX"])
        unit = pixels.attrib.get(f"PhysicalSize{ax}Unit", "µm")
        scale = length_unit_um(unit, source=source, where=f"OME PhysicalSize{ax}Unit")
        try:
            v = float(text) * (scale or math.nan)
        except ValueError:
            v = math.nan
        if not (math.isfinite(v) and v > 0):
            raise FileFormatError(
                f"{source}: OME PhysicalSize{ax} is not a length > 0; expected a positive number"
            )
        sizes.append(v)
    return {"pixel_size_um": (sizes[0], sizes[1]), "pixel_size_from": "ome"}


def _plain(tf: Any) -> dict[str, Any]:
    """Resolution tags in pixels per centimetre (inch resolutions are print settings: ignored)."""
    page = tf.pages[0]
    unit = getattr(page.tags.get("ResolutionUnit"), "value", None)
    res = _resolution(page)
    if res is None or int(unit or 0) != _RES_CENTIMETER:
        return {}
    return {"pixel_size_um": (1e4 / res[0], 1e4 / res[1]), "pixel_size_from": "tiff_resolution"}


def tiff_calibration(tf: Any, source: str) -> dict[str, Any]:
    """``{"pixel_size_um": (px, py), "pixel_size_from": ..., "spacing_um": ...}`` as far as
    the open ``tifffile.TiffFile`` states them (empty when it states none)."""
    for reader in (_ome, _imagej):
        got = reader(tf, source)
        if got is not None:
            return got
    return _plain(tf)

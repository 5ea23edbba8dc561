"""The simulation configuration (``sim.toml``, keys in docs/simulate.md): reading it with its
known keys, and its sections as numbers in the internal units (quantities are strings with units,
"59 h", "22 degC", "2.6e-8 cm^2/s")."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from ..errors import ConfigError, InputError
from ..history import Stage
from ..units import parse_quantity
from .materials import MaterialLaw, llto_material

__all__ = [
    "config_material",
    "config_number",
    "config_pair",
    "config_shape",
    "config_stages",
    "read_config",
]

_TOP_KEYS = {
    "grid",
    "grains",
    "material",
    "stage",
    "sims",
    "c_initial",
    "c_source",
    "gb_faces",
    "rtol",
    "seed",
}


_SECTION_KEYS = {
    "grid": {"nx", "ny", "cell_um"},
    "grains": {"mean_um", "sd_um", "k_sigma_ln", "yield_sigma_ln"},
    "material": {"preset", "d_bulk_22C", "ea_bulk", "k_22C", "ea_k"},
    "sims": {"field_um", "pixels", "mean_counts", "shots_per_pixel", "scans", "psf_sigma_px"},
    "stage": {"temperature", "duration", "boundary", "end_temperature", "measure"},
}


def _quantity(cfg: dict[str, Any], key: str, kind: str, default: str | None = None) -> float:
    v = cfg.get(key, default)
    if v is None:
        raise ConfigError(f"sim config: missing {key!r}")
    try:
        return parse_quantity(str(v), kind)
    except InputError as exc:
        raise ConfigError(f"sim config {key!r}: {exc}") from None


def config_material(cfg: dict[str, Any]) -> MaterialLaw:
    """The material law of ``[material]`` (the LLTO preset with its four parameters)."""
    if cfg.get("preset", "llto") != "llto":
        raise ConfigError("sim config material.preset: only 'llto' is known")
    return llto_material(
        d_bulk_22C=_quantity(cfg, "d_bulk_22C", "diffusivity", "2.6e-8 cm^2/s"),
        ea_bulk_eV=_quantity(cfg, "ea_bulk", "energy", "0.35 eV"),
        k_22C=_quantity(cfg, "k_22C", "velocity", "1.5e-6 cm/s"),
        ea_k_eV=_quantity(cfg, "ea_k", "energy", "0.43 eV"),
    )


def config_stages(cfg: list[dict[str, Any]]) -> tuple[list[Stage], list[bool]]:
    """The ``[[stage]]`` list as stages and, per stage, whether it is measured."""
    if not cfg:
        raise ConfigError("sim config: at least one [[stage]] is needed")
    stages, measure = [], []
    for s in cfg:
        end = s.get("end_temperature")
        stages.append(
            Stage(
                _quantity(s, "temperature", "temperature"),
                _quantity(s, "duration", "time"),
                str(s.get("boundary", "closed")),
                None if end is None else _quantity(s, "end_temperature", "temperature"),
            )
        )
        measure.append(bool(s.get("measure", True)))
    return stages, measure


def read_config(path: str | Path) -> dict[str, Any]:
    """Parse a ``sim.toml`` (keys documented in docs/simulate.md)."""
    p = Path(path)
    try:
        cfg = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"sim config {p}: {exc}") from None
    unknown = set(cfg) - _TOP_KEYS
    if unknown:
        raise ConfigError(f"sim config {p}: unknown keys {sorted(unknown)}")
    for name, keys in _SECTION_KEYS.items():
        sections = cfg.get(name, {})
        for sec in sections if isinstance(sections, list) else [sections]:
            if not isinstance(sec, dict):
                raise ConfigError(f"sim config {p}: [{name}] must be a table")
            bad = set(sec) - keys
            if bad:
                raise ConfigError(f"sim config {p}: unknown keys in [{name}]: {sorted(bad)}")
    return cfg


def config_number(section: dict[str, Any], key: str, default: float, cast: type = float) -> Any:
    """``section[key]`` (or ``default``) as ``cast``; a ConfigError naming the key otherwise."""
    try:
        return cast(section.get(key, default))
    except (TypeError, ValueError):
        raise ConfigError(
            f"sim config {key!r}: expected a number, got {section.get(key)!r}"
        ) from None


def config_shape(cfg: dict[str, Any]) -> tuple[int, int]:
    """The grid shape (ny, nx) in cells of ``[grid]``."""
    grid = cfg.get("grid", {})
    shape = (config_number(grid, "ny", 200, int), config_number(grid, "nx", 600, int))
    if shape[0] < 1 or shape[1] < 2:
        raise ConfigError(
            f"sim config grid: need ny >= 1 and nx >= 2, got ny={shape[0]}, nx={shape[1]}"
        )
    return shape


def config_pair(
    sims: dict[str, Any], key: str, default: tuple[float, float]
) -> tuple[float, float]:
    """Two numbers of ``[sims]`` (e.g. ``field_um``, ``pixels``)."""
    v = sims.get(key, default)
    try:
        a, b = (float(t) for t in v)
    except (TypeError, ValueError):
        raise ConfigError(f"sim config sims.{key}: expected two numbers, got {v!r}") from None
    return a, b

"""The registry of analysis types: which adapter runs each ``type`` of ``[[analyses]]``."""

from __future__ import annotations

from .adapters_data import (
    gb_parts,
    load_measurement,
    run_fraction_map,
    run_gb_combine,
    run_gb_part,
    run_line_profile,
)
from .adapters_fits import run_evolution_fit, run_profile_fit
from .adapters_grains import run_gb_map, run_grains
from .adapters_impedance import run_impedance
from .adapters_models import run_arrhenius, run_haven, run_nernst_einstein, run_quench, run_series
from .adapters_regions import run_regions
from .tasks import Runner

__all__ = ["RUNNERS", "load_measurement"]

RUNNERS: dict[str, Runner] = {
    "fraction_map": Runner(run=run_fraction_map),
    "line_profile": Runner(run=run_line_profile),
    "gb_steps": Runner(n_parts=gb_parts, run_part=run_gb_part, combine=run_gb_combine),
    "gb_map": Runner(run=run_gb_map),
    "profile_fit": Runner(run=run_profile_fit),
    "evolution_fit": Runner(run=run_evolution_fit),
    "grains": Runner(run=run_grains),
    "series_model": Runner(run=run_series),
    "arrhenius": Runner(run=run_arrhenius),
    "nernst_einstein": Runner(run=run_nernst_einstein),
    "haven_ratio": Runner(run=run_haven),
    "quench_check": Runner(run=run_quench),
    "impedance": Runner(run=run_impedance),
    "regions": Runner(run=run_regions),
}

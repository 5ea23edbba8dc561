"""Isotope-fraction maps, detector and isotope corrections, line profiles, regions and figures.

See ``docs/imaging.md``. Fractions are dimensionless, positions in um.
"""

from __future__ import annotations

from .binning import DriftResult, bin_pixels, estimate_drift, shift_image
from .corrections import (
    NATURAL_FRACTION,
    CorrectedFraction,
    IsotopePair,
    imf_alpha,
    imf_fraction,
    normalise_fraction,
    normalise_parts,
    parse_pair,
)
from .deadtime import EM_DEAD_TIME_S, CorrectedCounts, em_dead_time, tof_dead_time
from .fraction_map import fraction_map
from .interference import (
    Interference,
    InterferenceWarning,
    check_interferences,
    required_resolution,
)
from .kernels import FractionArrays, isotope_fraction
from .pipeline import MASK_REASONS
from .plot import plot_fraction_map, plot_profile
from .profile import line_profile
from .regions import RegionStats, region_stats

__all__ = [
    "EM_DEAD_TIME_S",
    "MASK_REASONS",
    "NATURAL_FRACTION",
    "CorrectedCounts",
    "CorrectedFraction",
    "DriftResult",
    "FractionArrays",
    "Interference",
    "InterferenceWarning",
    "IsotopePair",
    "RegionStats",
    "bin_pixels",
    "check_interferences",
    "em_dead_time",
    "estimate_drift",
    "fraction_map",
    "imf_alpha",
    "imf_fraction",
    "isotope_fraction",
    "line_profile",
    "normalise_fraction",
    "normalise_parts",
    "parse_pair",
    "plot_fraction_map",
    "plot_profile",
    "region_stats",
    "required_resolution",
    "shift_image",
    "tof_dead_time",
]

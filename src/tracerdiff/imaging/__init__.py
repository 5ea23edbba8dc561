"""Isotope-fraction maps, detector and isotope corrections, line profiles, regions and figures.

See ``docs/imaging.md``. Fractions are dimensionless, positions in um.
"""

from __future__ import annotations

from .binning import DriftResult, bin_pixels, estimate_drift, shift_image
from .calibration import UncalibratedError, calibrate, is_pixel_units, open_counts
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
from .field import FieldFraction, field_fraction
from .fraction_map import fraction_map
from .interference import (
    Interference,
    InterferenceWarning,
    check_interferences,
    required_resolution,
)
from .kernels import FractionArrays, isotope_fraction
from .options import FractionOptions, ProfileLine, fraction_options
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
    "FieldFraction",
    "FractionArrays",
    "FractionOptions",
    "Interference",
    "InterferenceWarning",
    "IsotopePair",
    "ProfileLine",
    "RegionStats",
    "UncalibratedError",
    "bin_pixels",
    "calibrate",
    "check_interferences",
    "em_dead_time",
    "estimate_drift",
    "field_fraction",
    "fraction_map",
    "fraction_options",
    "imf_alpha",
    "imf_fraction",
    "is_pixel_units",
    "isotope_fraction",
    "line_profile",
    "normalise_fraction",
    "normalise_parts",
    "open_counts",
    "parse_pair",
    "plot_fraction_map",
    "plot_profile",
    "region_stats",
    "required_resolution",
    "shift_image",
    "tof_dead_time",
]

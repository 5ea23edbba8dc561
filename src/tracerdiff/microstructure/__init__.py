"""Microstructure from micrographs: grains, GB network, statistics, registration to SIMS."""

from .fraction_segment import FractionSegmentation, segment_fraction_map
from .grains import GrainOptions, GrainsResult, analyze_grains
from .plot import grains_figure
from .register import Crossings, Registration, line_crossings, register_field, register_points
from .segment import GrainSegmentation, segment_micrograph, to_gray
from .stats import (
    GrainStatistics,
    LognormalFit,
    grain_statistics,
    lognormal_fit,
    mean_linear_intercept,
)

__all__ = [
    "Crossings",
    "FractionSegmentation",
    "GrainOptions",
    "GrainSegmentation",
    "GrainStatistics",
    "GrainsResult",
    "LognormalFit",
    "Registration",
    "analyze_grains",
    "grain_statistics",
    "grains_figure",
    "line_crossings",
    "lognormal_fit",
    "mean_linear_intercept",
    "register_field",
    "register_points",
    "segment_fraction_map",
    "segment_micrograph",
    "to_gray",
]

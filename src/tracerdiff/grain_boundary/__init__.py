"""Grain boundaries: the fraction step, k = D_gb/delta per boundary, tables, step detection."""

from .boundary_map import BoundaryMapOptions, BoundaryMapResult, analyze_boundary_map
from .boundary_map_plot import boundary_map_figure
from .detect import StepDetection, detect_steps, detect_steps_batch
from .flux import FluxProfile, flux_from_gradient, flux_from_two_profiles
from .gbmap import GBMapResult, analyze_map, boundary_mask_on, signed_angles
from .geometry import default_guard_um, normal_factor
from .intervals import RatioInterval, fieller_interval
from .map_analysis import GBMapOptions, analyze_gb_map
from .options import StepOptions
from .pipeline import analyze_detected
from .plot import plot_gb_map, plot_profile_steps, plot_step, step_figure
from .profile_steps import ProfileSteps, analyze_profile_steps
from .result import KEstimate, StepResult
from .step import analyze_profiles, analyze_steps
from .table import GBTable, summarize

__all__ = [
    "BoundaryMapOptions",
    "BoundaryMapResult",
    "FluxProfile",
    "GBMapOptions",
    "GBMapResult",
    "GBTable",
    "KEstimate",
    "ProfileSteps",
    "RatioInterval",
    "StepDetection",
    "StepOptions",
    "StepResult",
    "analyze_boundary_map",
    "analyze_detected",
    "analyze_gb_map",
    "analyze_map",
    "analyze_profile_steps",
    "analyze_profiles",
    "analyze_steps",
    "boundary_map_figure",
    "boundary_mask_on",
    "default_guard_um",
    "detect_steps",
    "detect_steps_batch",
    "fieller_interval",
    "flux_from_gradient",
    "flux_from_two_profiles",
    "normal_factor",
    "plot_gb_map",
    "plot_profile_steps",
    "plot_step",
    "signed_angles",
    "step_figure",
    "summarize",
]

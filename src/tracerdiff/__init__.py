"""tracerdiff: isotope-tracer SIMS measurements to diffusion coefficients.

Public API re-exported here; see ``docs/`` for the user guide.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from .errors import (
    ConfigError,
    DataError,
    FileFormatError,
    FitError,
    InputError,
    OutputExistsError,
    SaturationError,
    ShapeMismatchError,
    SolverError,
    TracerdiffError,
    UnitError,
)
from .fitting import (
    FitResult,
    compare_models,
    fit_arrhenius_evolution,
    fit_evolution,
    fit_profile,
    plot_fit,
    sample_posterior,
)
from .grain_boundary import (
    GBTable,
    StepResult,
    analyze_map,
    analyze_profiles,
    analyze_steps,
    detect_steps,
    fieller_interval,
    flux_from_two_profiles,
    plot_gb_map,
    plot_step,
    summarize,
)
from .history import Stage, ThermalHistory, arrhenius_D, evolve_profile
from .imaging import (
    InterferenceWarning,
    RegionStats,
    fraction_map,
    isotope_fraction,
    line_profile,
    normalise_fraction,
    plot_fraction_map,
    plot_profile,
    region_stats,
    tof_dead_time,
)
from .io import (
    open_dataset,
    open_images,
    read_profile_csv,
    read_spot_linescan,
    write_dataset,
    write_iontof_image,
    write_profile_csv,
)
from .microstructure import (
    grain_statistics,
    line_crossings,
    register_points,
    segment_micrograph,
)
from .models import (
    ArrheniusResult,
    EffectiveMediumResult,
    HavenResult,
    classify_regime,
    effective_medium,
    fit_arrhenius,
    fit_arrhenius_table,
    fit_type_b_tail,
    haven_from_arrhenius,
    haven_ratio,
    maxwell_garnett,
    nernst_einstein,
    plot_arrhenius,
    quench_check,
    series_d_eff,
    solve_gb_over_delta,
)
from .quantities import quantity
from .solutions import cosine_series, erfc_profile, exchange_profile, thin_film_profile
from .solvers import evolve_exact, evolve_fv1d
from .units import parse_quantity, parse_quantity_with_error

#: ``tracerdiff.open(path)``: read any supported SIMS file into an ``xarray.Dataset``
open = open_dataset

try:
    __version__ = _version("tracerdiff")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "ArrheniusResult",
    "ConfigError",
    "DataError",
    "EffectiveMediumResult",
    "FileFormatError",
    "FitError",
    "FitResult",
    "GBTable",
    "HavenResult",
    "InputError",
    "InterferenceWarning",
    "OutputExistsError",
    "RegionStats",
    "SaturationError",
    "ShapeMismatchError",
    "SolverError",
    "Stage",
    "StepResult",
    "ThermalHistory",
    "TracerdiffError",
    "UnitError",
    "__version__",
    "analyze_map",
    "analyze_profiles",
    "analyze_steps",
    "arrhenius_D",
    "classify_regime",
    "compare_models",
    "cosine_series",
    "detect_steps",
    "effective_medium",
    "erfc_profile",
    "evolve_exact",
    "evolve_fv1d",
    "evolve_profile",
    "exchange_profile",
    "fieller_interval",
    "fit_arrhenius",
    "fit_arrhenius_evolution",
    "fit_arrhenius_table",
    "fit_evolution",
    "fit_profile",
    "fit_type_b_tail",
    "flux_from_two_profiles",
    "fraction_map",
    "grain_statistics",
    "haven_from_arrhenius",
    "haven_ratio",
    "isotope_fraction",
    "line_crossings",
    "line_profile",
    "maxwell_garnett",
    "nernst_einstein",
    "normalise_fraction",
    "open",
    "open_dataset",
    "open_images",
    "parse_quantity",
    "parse_quantity_with_error",
    "plot_arrhenius",
    "plot_fit",
    "plot_fraction_map",
    "plot_gb_map",
    "plot_profile",
    "plot_step",
    "quantity",
    "quench_check",
    "read_profile_csv",
    "read_spot_linescan",
    "region_stats",
    "register_points",
    "sample_posterior",
    "segment_micrograph",
    "series_d_eff",
    "solve_gb_over_delta",
    "summarize",
    "thin_film_profile",
    "tof_dead_time",
    "write_dataset",
    "write_iontof_image",
    "write_profile_csv",
]

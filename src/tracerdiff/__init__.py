"""tracerdiff: isotope-tracer SIMS measurements to diffusion coefficients.

Public API re-exported here; see ``docs/`` for the user guide.  Everything but the error
classes is loaded on first use (PEP 562), so ``import tracerdiff`` and the command line start
fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

#: public name -> submodule that defines it
_LAZY: dict[str, str] = {
    "ArrheniusResult": "models",
    "EffectiveMediumResult": "models",
    "FitResult": "fitting",
    "ImpedanceResult": "impedance",
    "GBTable": "grain_boundary",
    "HavenResult": "models",
    "InterferenceWarning": "imaging",
    "RegionStats": "imaging",
    "Stage": "history",
    "StepResult": "grain_boundary",
    "ThermalHistory": "history",
    "analyze_map": "grain_boundary",
    "analyze_profiles": "grain_boundary",
    "analyze_steps": "grain_boundary",
    "arrhenius_D": "history",
    "classify_regime": "models",
    "compare_models": "fitting",
    "cosine_series": "solutions",
    "detect_steps": "grain_boundary",
    "effective_medium": "models",
    "erfc_profile": "solutions",
    "evolve_exact": "solvers",
    "evolve_fv1d": "solvers",
    "evolve_profile": "history",
    "exchange_profile": "solutions",
    "fieller_interval": "grain_boundary",
    "fit_arrhenius": "models",
    "fit_arrhenius_evolution": "fitting",
    "fit_arrhenius_table": "models",
    "fit_evolution": "fitting",
    "fit_profile": "fitting",
    "fit_type_b_tail": "models",
    "flux_from_two_profiles": "grain_boundary",
    "fraction_map": "imaging",
    "grain_statistics": "microstructure",
    "haven_from_arrhenius": "models",
    "haven_ratio": "models",
    "analyze_impedance_series": "impedance",
    "analyze_spectrum": "impedance",
    "fit_circuit": "impedance",
    "lin_kk": "impedance",
    "plot_nyquist": "impedance",
    "read_spectra": "impedance",
    "read_spectrum": "impedance",
    "isotope_fraction": "imaging",
    "line_crossings": "microstructure",
    "line_profile": "imaging",
    "maxwell_garnett": "models",
    "nernst_einstein": "models",
    "normalise_fraction": "imaging",
    "open_dataset": "io",
    "open_images": "io",
    "parse_quantity": "units",
    "parse_quantity_with_error": "units",
    "plot_arrhenius": "models",
    "plot_fit": "fitting",
    "plot_fraction_map": "imaging",
    "plot_gb_map": "grain_boundary",
    "plot_profile": "imaging",
    "plot_step": "grain_boundary",
    "quantity": "quantities",
    "quench_check": "models",
    "read_profile_csv": "io",
    "read_spot_linescan": "io",
    "region_stats": "imaging",
    "register_points": "microstructure",
    "sample_posterior": "fitting",
    "segment_micrograph": "microstructure",
    "series_d_eff": "models",
    "solve_gb_over_delta": "models",
    "summarize": "grain_boundary",
    "thin_film_profile": "solutions",
    "tof_dead_time": "imaging",
    "view": "view",  # the viewer page (Jupyter); the package is callable too
    "write_dataset": "io",
    "write_iontof_image": "io",
    "write_profile_csv": "io",
}

if TYPE_CHECKING:  # static checkers and IDEs see the real objects
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
    from .history import (
        Stage,
        ThermalHistory,
        arrhenius_D,
        evolve_profile,
    )
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
    from .impedance import (
        ImpedanceResult,
        analyze_spectrum,
        fit_circuit,
        lin_kk,
        plot_nyquist,
        read_spectra,
        read_spectrum,
    )
    from .impedance import analyze_series as analyze_impedance_series
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
    from .quantities import (
        quantity,
    )
    from .solutions import (
        cosine_series,
        erfc_profile,
        exchange_profile,
        thin_film_profile,
    )
    from .solvers import (
        evolve_exact,
        evolve_fv1d,
    )
    from .units import (
        parse_quantity,
        parse_quantity_with_error,
    )


def __getattr__(name: str) -> Any:
    """Import a public name's submodule on first access."""
    if name == "__version__":  # from the installed package's metadata (pyproject.toml)
        from importlib.metadata import version

        globals()[name] = value = version("tracerdiff")
        return value
    if name == "open":  # ``tracerdiff.open(path)``: short alias of :func:`open_dataset`
        name = "open_dataset"
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tracerdiff' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


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
    "ImpedanceResult",
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
    "analyze_impedance_series",
    "analyze_map",
    "analyze_profiles",
    "analyze_spectrum",
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
    "fit_circuit",
    "fit_evolution",
    "fit_profile",
    "fit_type_b_tail",
    "flux_from_two_profiles",
    "fraction_map",
    "grain_statistics",
    "haven_from_arrhenius",
    "haven_ratio",
    "isotope_fraction",
    "lin_kk",
    "line_crossings",
    "line_profile",
    "maxwell_garnett",
    "nernst_einstein",
    "normalise_fraction",
    "open_dataset",
    "open_images",
    "parse_quantity",
    "parse_quantity_with_error",
    "plot_arrhenius",
    "plot_fit",
    "plot_fraction_map",
    "plot_gb_map",
    "plot_nyquist",
    "plot_profile",
    "plot_step",
    "quantity",
    "quench_check",
    "read_profile_csv",
    "read_spectra",
    "read_spectrum",
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
    "view",
    "write_dataset",
    "write_iontof_image",
    "write_profile_csv",
]

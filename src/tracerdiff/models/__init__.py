"""Models: effective medium, grain-boundary regimes, Nernst-Einstein, Haven ratio, Arrhenius,
type-B tails and the cryo quench check.  Units: CGS (D cm^2/s, k cm/s, K, s, eV)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import attach

#: public name -> submodule that defines it (imported on first use)
_LAZY: dict[str, str] = {
    "ArrheniusPrediction": "arrhenius",
    "ArrheniusResult": "arrhenius",
    "ArrheniusTable": "table",
    "BiotResult": "regimes",
    "ChainEstimate": "effective",
    "EffectiveMediumResult": "effective",
    "GEOMETRIES": "media",
    "HavenResult": "transport",
    "MODELS": "effective",
    "NernstEinsteinResult": "transport",
    "QuenchResult": "quench",
    "RegimeResult": "regimes",
    "TypeBResult": "typeb",
    "biot_number": "regimes",
    "brick_layer": "media",
    "bulk_law": "quench",
    "chain_d_eff": "effective",
    "classify_regime": "regimes",
    "conductivity_prefactor_to_d0": "transport",
    "effective_medium": "effective",
    "fisher_profile": "regimes",
    "fit_arrhenius": "arrhenius",
    "fit_arrhenius_table": "table",
    "fit_type_b_tail": "typeb",
    "geometric_d_eff": "media",
    "hart_d_eff": "regimes",
    "hashin_shtrikman": "media",
    "haven_from_arrhenius": "transport",
    "haven_ratio": "transport",
    "haven_temperature": "transport",
    "maxwell_garnett": "media",
    "nernst_einstein": "transport",
    "nernst_einstein_d": "transport",
    "nernst_einstein_sigma": "transport",
    "plot_arrhenius": "plot",
    "quench_check": "quench",
    "read_arrhenius_table": "table",
    "series_d_eff": "media",
    "series_k": "media",
    "solve_gb_over_delta": "effective",
    "specific_from_apparent": "media",
    "type_c_profile": "regimes",
}

__getattr__, __dir__ = attach(__name__, _LAZY)

if TYPE_CHECKING:  # static checkers and IDEs see the real objects
    from .arrhenius import (
        ArrheniusPrediction,
        ArrheniusResult,
        fit_arrhenius,
    )
    from .effective import (
        MODELS,
        ChainEstimate,
        EffectiveMediumResult,
        chain_d_eff,
        effective_medium,
        solve_gb_over_delta,
    )
    from .media import (
        GEOMETRIES,
        brick_layer,
        geometric_d_eff,
        hashin_shtrikman,
        maxwell_garnett,
        series_d_eff,
        series_k,
        specific_from_apparent,
    )
    from .plot import (
        plot_arrhenius,
    )
    from .quench import (
        QuenchResult,
        bulk_law,
        quench_check,
    )
    from .regimes import (
        BiotResult,
        RegimeResult,
        biot_number,
        classify_regime,
        fisher_profile,
        hart_d_eff,
        type_c_profile,
    )
    from .table import (
        ArrheniusTable,
        fit_arrhenius_table,
        read_arrhenius_table,
    )
    from .transport import (
        HavenResult,
        NernstEinsteinResult,
        conductivity_prefactor_to_d0,
        haven_from_arrhenius,
        haven_ratio,
        haven_temperature,
        nernst_einstein,
        nernst_einstein_d,
        nernst_einstein_sigma,
    )
    from .typeb import (
        TypeBResult,
        fit_type_b_tail,
    )

__all__ = [
    "GEOMETRIES",
    "MODELS",
    "ArrheniusPrediction",
    "ArrheniusResult",
    "ArrheniusTable",
    "BiotResult",
    "ChainEstimate",
    "EffectiveMediumResult",
    "HavenResult",
    "NernstEinsteinResult",
    "QuenchResult",
    "RegimeResult",
    "TypeBResult",
    "biot_number",
    "brick_layer",
    "bulk_law",
    "chain_d_eff",
    "classify_regime",
    "conductivity_prefactor_to_d0",
    "effective_medium",
    "fisher_profile",
    "fit_arrhenius",
    "fit_arrhenius_table",
    "fit_type_b_tail",
    "geometric_d_eff",
    "hart_d_eff",
    "hashin_shtrikman",
    "haven_from_arrhenius",
    "haven_ratio",
    "haven_temperature",
    "maxwell_garnett",
    "nernst_einstein",
    "nernst_einstein_d",
    "nernst_einstein_sigma",
    "plot_arrhenius",
    "quench_check",
    "read_arrhenius_table",
    "series_d_eff",
    "series_k",
    "solve_gb_over_delta",
    "specific_from_apparent",
    "type_c_profile",
]

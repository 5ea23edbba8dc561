"""Forward simulation: polycrystals, 2D finite-volume diffusion, SIMS measurements, demo data."""

from __future__ import annotations

from .chain import chain_d_eff, evolve_chain
from .demo import DEMO_SEED, DemoResult, build_demo_dataset, bundled_demo_path
from .fv2d import (
    PolycrystalEvolution,
    StageReport,
    diffusion_operator,
    evolve_polycrystal,
    face_conductances_2d,
    gb_phase_mask,
    grid_geometry,
    homogenised_d_eff,
    integrate_stage,
)
from .materials import LLTO_REFERENCE, MaterialLaw, llto_material
from .microstructure import (
    GrainChain,
    Polycrystal,
    grain_pairs,
    lognormal_params,
    make_grain_chain,
    make_laminate,
    make_polycrystal,
    mean_intercept_um,
    measure_grain_sizes,
)
from .plan import PlanResult, plan_measurement
from .run import load_labels, polycrystal_from_labels, run_labels_diffusion, run_polycrystal_config
from .sims import SimsImage, simulate_line_scan, simulate_sims_image

__all__ = [
    "DEMO_SEED",
    "LLTO_REFERENCE",
    "DemoResult",
    "GrainChain",
    "MaterialLaw",
    "PlanResult",
    "Polycrystal",
    "PolycrystalEvolution",
    "SimsImage",
    "StageReport",
    "build_demo_dataset",
    "bundled_demo_path",
    "chain_d_eff",
    "diffusion_operator",
    "evolve_chain",
    "evolve_polycrystal",
    "face_conductances_2d",
    "gb_phase_mask",
    "grain_pairs",
    "grid_geometry",
    "homogenised_d_eff",
    "integrate_stage",
    "llto_material",
    "load_labels",
    "lognormal_params",
    "make_grain_chain",
    "make_laminate",
    "make_polycrystal",
    "mean_intercept_um",
    "measure_grain_sizes",
    "plan_measurement",
    "polycrystal_from_labels",
    "run_labels_diffusion",
    "run_polycrystal_config",
    "simulate_line_scan",
    "simulate_sims_image",
]

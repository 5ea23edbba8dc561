"""Fitting diffusion profiles: models, weighted least squares, evolution and global fits.

Plotting (:func:`plot_fit`) and the emcee posterior (:func:`sample_posterior`) import matplotlib
and emcee only when called.
"""

from __future__ import annotations

from .bayes import sample_posterior
from .compare import ModelComparison, compare_models
from .core import Problem, run_problem
from .evolution import fit_arrhenius_evolution, fit_evolution
from .models import MODELS, ErfcModel, ExchangeModel, ProfileModel, ThinFilmModel, get_model
from .plot import plot_fit
from .profiles import ProfileData, fit_profile, load_profile
from .result import FitResult, PosteriorResult

__all__ = [
    "MODELS",
    "ErfcModel",
    "ExchangeModel",
    "FitResult",
    "ModelComparison",
    "PosteriorResult",
    "Problem",
    "ProfileData",
    "ProfileModel",
    "ThinFilmModel",
    "compare_models",
    "fit_arrhenius_evolution",
    "fit_evolution",
    "fit_profile",
    "get_model",
    "load_profile",
    "plot_fit",
    "run_problem",
    "sample_posterior",
]

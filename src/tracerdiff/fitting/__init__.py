"""Fitting diffusion profiles: models, weighted least squares, evolution and global fits.

Plotting (:func:`plot_fit`) and the emcee posterior (:func:`sample_posterior`) import matplotlib
and emcee only when called.
"""

from __future__ import annotations

from .bayes import sample_posterior
from .compare import ModelComparison, compare_models
from .core import Problem, run_problem
from .evolution import (
    STAND_IN_TEMPERATURE_K,
    elapsed_histories,
    fit_arrhenius_evolution,
    fit_evolution,
)
from .microstructure_error import GrainStatistics
from .models import MODELS, ErfcModel, ExchangeModel, ProfileModel, ThinFilmModel, get_model
from .plot import plot_fit
from .profiles import ProfileData, as_profile_data, fit_profile, load_profile
from .result import FitResult, Parameter, PosteriorResult

__all__ = [
    "MODELS",
    "STAND_IN_TEMPERATURE_K",
    "ErfcModel",
    "ExchangeModel",
    "FitResult",
    "GrainStatistics",
    "ModelComparison",
    "Parameter",
    "PosteriorResult",
    "Problem",
    "ProfileData",
    "ProfileModel",
    "ThinFilmModel",
    "as_profile_data",
    "compare_models",
    "elapsed_histories",
    "fit_arrhenius_evolution",
    "fit_evolution",
    "fit_profile",
    "get_model",
    "load_profile",
    "plot_fit",
    "run_problem",
    "sample_posterior",
]

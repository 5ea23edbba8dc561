"""The examples in the docstrings of the public API run and print what they show.

Each module in :data:`MODULES` is run through :mod:`doctest` (ELLIPSIS and NORMALIZE_WHITESPACE;
examples print rounded numbers, never full floats). The current directory is a temporary one,
so that an example cannot leave files behind. :data:`WITH_EXAMPLE` lists the main functions
of ``tracerdiff.__all__`` that must carry an example.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

import tracerdiff

#: the modules whose docstring examples are run
MODULES = (
    "tracerdiff.fitting.compare",
    "tracerdiff.fitting.profiles",
    "tracerdiff.grain_boundary.detect",
    "tracerdiff.grain_boundary.gbmap",
    "tracerdiff.grain_boundary.step",
    "tracerdiff.history",
    "tracerdiff.imaging.fraction_map",
    "tracerdiff.imaging.kernels",
    "tracerdiff.imaging.profile",
    "tracerdiff.imaging.regions",
    "tracerdiff.impedance.fitting",
    "tracerdiff.io.dispatch",
    "tracerdiff.io.profile_csv",
    "tracerdiff.microstructure.segment",
    "tracerdiff.microstructure.stats",
    "tracerdiff.models.arrhenius",
    "tracerdiff.models.effective",
    "tracerdiff.models.media",
    "tracerdiff.models.regimes",
    "tracerdiff.models.table",
    "tracerdiff.models.transport",
    "tracerdiff.quantities",
    "tracerdiff.results",
    "tracerdiff.simulate.sims",
    "tracerdiff.solutions",
    "tracerdiff.units",
)

#: public functions (names in ``tracerdiff.__all__``) whose docstring holds an example
WITH_EXAMPLE = (
    "analyze_map",
    "analyze_steps",
    "arrhenius_D",
    "classify_regime",
    "compare_models",
    "detect_steps",
    "effective_medium",
    "erfc_profile",
    "evolve_profile",
    "exchange_profile",
    "fit_arrhenius",
    "fit_arrhenius_table",
    "fit_circuit",
    "fit_profile",
    "fraction_map",
    "grain_statistics",
    "haven_ratio",
    "isotope_fraction",
    "line_profile",
    "nernst_einstein",
    "open_dataset",
    "open_images",
    "parse_quantity",
    "quantity",
    "read_profile_csv",
    "region_stats",
    "segment_micrograph",
    "series_d_eff",
)

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    tests = [t for t in doctest.DocTestFinder().find(module, name) if t.examples]
    assert tests, f"{name} has no docstring examples"
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
    assert list(tmp_path.iterdir()) == [], "an example left files in the current directory"


@pytest.mark.parametrize("name", WITH_EXAMPLE)
def test_main_functions_have_examples(name: str) -> None:
    func = getattr(tracerdiff, name)
    assert name in tracerdiff.__all__
    assert ">>>" in (func.__doc__ or ""), f"{name} has no example in its docstring"
    assert func.__module__ in MODULES, f"the examples of {func.__module__} are not run"

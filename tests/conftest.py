"""Shared fixtures: where the real SIMS files live, seeded generators, headless plotting."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REAL_DATA = Path(
    os.environ.get("TRACERDIFF_REAL_DATA", PROJECT_ROOT.parent / "shared" / "data" / "real")
)
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def real_data() -> Path:
    """Folder of the real instrument files (``../shared/data/real``)."""
    if not REAL_DATA.is_dir():
        pytest.skip(f"real SIMS files not found at {REAL_DATA}")
    return REAL_DATA


@pytest.fixture(scope="session")
def test_data() -> Path:
    """Folder of the small fixtures shipped with the tests."""
    return TEST_DATA


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator; tests needing several streams spawn from it."""
    return np.random.default_rng(20241125)

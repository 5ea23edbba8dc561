"""The fixture study of tests/study, run once for the report tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "_study_fixture", Path(__file__).resolve().parents[1] / "study" / "conftest.py"
)
assert _SPEC is not None and _SPEC.loader is not None
_study_fixture = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_study_fixture)
build_fixture_study = _study_fixture.build_fixture_study


@pytest.fixture(scope="session")
def report_run(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A run of the fixture study with one analysis made to fail (so the report shows both)."""
    from tracerdiff.study import run_study

    folder = tmp_path_factory.mktemp("report_study")
    toml = _study_fixture.STUDY_TOML.replace(
        'id = "quench"\ntype = "quench_check"\narrhenius = "arr"',
        'id = "quench"\ntype = "quench_check"\ntable = "one_row.csv"',
    )
    study = build_fixture_study(folder, toml=toml)
    (folder / "one_row.csv").write_text("T_C,D\n22,1e-9\n")
    return run_study(study, folder / "out")

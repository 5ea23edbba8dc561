"""The command line starts fast: importing it loads none of the heavy scientific stack."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("scipy", "scipy.stats", "xarray", "dask", "distributed", "matplotlib", "pint", "skimage")


@pytest.mark.parametrize("module", ["tracerdiff", "tracerdiff.cli.app"])
def test_import_loads_no_heavy_module(module: str) -> None:
    code = (
        f"import sys, json, {module}\n"
        f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_public_names_still_resolve() -> None:
    import tracerdiff

    assert tracerdiff.open is tracerdiff.open_dataset
    assert "open" not in tracerdiff.__all__
    with pytest.raises(AttributeError):
        _ = tracerdiff.no_such_name  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "module",
    [
        "tracerdiff.models.series_options",
        "tracerdiff.models.haven_options",
        "tracerdiff.models.arrhenius_options",
    ],
)
def test_model_commands_do_not_load_the_map_analysis(module: str) -> None:
    """`series`, `haven`, `arrhenius` start in well under a second: their options do not pull
    in the grain-boundary map analysis (scipy.stats, xarray)."""
    banned = ["scipy.stats", "xarray", "tracerdiff.grain_boundary", "matplotlib"]
    code = (
        f"import sys, json, {module}\n"
        f"print(json.dumps([m for m in {banned!r} if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []

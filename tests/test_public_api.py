"""The public API: every re-exported name exists; version comes from package metadata."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import tracerdiff


def test_all_names_resolve() -> None:
    missing = [n for n in tracerdiff.__all__ if not hasattr(tracerdiff, n)]
    assert missing == []
    assert len(tracerdiff.__all__) == len(set(tracerdiff.__all__))


def test_version_from_metadata() -> None:
    assert tracerdiff.__version__ == version("tracerdiff")


def test_open_reads_a_real_file(real_data: Path) -> None:
    ds = tracerdiff.open(real_data / "cameca_sims" / "image_sun.im")
    assert {"16O", "18O"} <= set(ds.data_vars)
    assert ds["18O"].dims == ("frame", "y", "x")
    assert ds.attrs["pixel_size_x_um"] == ds.attrs["pixel_size_y_um"]
    assert abs(ds.attrs["field_of_view_x_um"] - 7.011) < 0.01

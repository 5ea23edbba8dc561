"""Synthetic count images for the imaging tests (seeded)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import xarray as xr

PX, PY = 500 / 512, 200 / 206  # the study's non-square pixels (um)


def image_dataset(
    a: np.ndarray,
    b: np.ndarray,
    *,
    names: tuple[str, str] = ("6Li", "7Li"),
    px: float = PX,
    py: float = PY,
    **attrs: Any,
) -> xr.Dataset:
    """An image dataset as docs/architecture.md describes it (dims (frame,) y, x; coords in um)."""
    dims = ("frame", "y", "x") if a.ndim == 3 else ("y", "x")
    ny, nx = a.shape[-2:]
    coords: dict[str, Any] = {
        "x": ("x", (np.arange(nx) + 0.5) * px, {"units": "um"}),
        "y": ("y", (np.arange(ny) + 0.5) * py, {"units": "um"}),
    }
    if a.ndim == 3:
        coords["frame"] = ("frame", np.arange(a.shape[0]))
    base = {
        "pixel_size_x_um": px,
        "pixel_size_y_um": py,
        "dead_time_corrected": 0,
        "n_frames": a.shape[0] if a.ndim == 3 else 1,
    }
    base.update(attrs)
    return xr.Dataset(
        {names[0]: (dims, a, {"species": names[0]}), names[1]: (dims, b, {"species": names[1]})},
        coords=coords,
        attrs=base,
    )


@pytest.fixture
def step_image(rng: np.random.Generator) -> Callable[..., xr.Dataset]:
    """Factory: C = c_left for x < x_step_px else c_right, Poisson totals of mean ``mean``."""

    def make(
        ny: int = 60,
        nx: int = 80,
        c_left: float = 0.6,
        c_right: float = 0.3,
        x_step_px: int = 40,
        mean: float = 400.0,
        **attrs: Any,
    ) -> xr.Dataset:
        C0 = np.where(np.arange(nx)[None, :] < x_step_px, c_left, c_right) * np.ones((ny, 1))
        tot = rng.poisson(mean, (ny, nx))
        a = rng.binomial(tot, C0)
        return image_dataset(a.astype(np.float64), (tot - a).astype(np.float64), **attrs)

    return make


@pytest.fixture
def make_ds() -> Callable[..., xr.Dataset]:
    """The :func:`image_dataset` builder."""
    return image_dataset

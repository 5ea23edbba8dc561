"""Synthetic micrographs: Voronoi grains with dark, slightly blurred grooves and shading."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import ndimage as ndi
from scipy.spatial import cKDTree
from skimage.segmentation import find_boundaries


@dataclass(frozen=True)
class Micrograph:
    image: NDArray[np.float64]
    labels: NDArray[np.int64]  # truth, no boundary pixels
    pixel_size_um: float


def make_micrograph(
    seed: int,
    *,
    shape: tuple[int, int] = (160, 240),
    n_grains: int = 60,
    pixel_size_um: float = 0.5,
) -> Micrograph:
    rng = np.random.default_rng(seed)
    rows, cols = shape
    pts = rng.uniform((0, 0), (rows, cols), size=(n_grains, 2))
    rr, cc = np.mgrid[0:rows, 0:cols]
    _, idx = cKDTree(pts).query(np.stack([rr.ravel(), cc.ravel()], axis=1))
    labels = idx.reshape(shape).astype(np.int64) + 1
    lines = find_boundaries(labels, mode="inner").astype(float)
    shade = rng.uniform(0.6, 0.9, n_grains + 1)[labels]
    img = shade - 0.45 * ndi.gaussian_filter(lines, 0.7) / 0.45
    img = img + rng.normal(0, 0.03, shape)
    return Micrograph(image=img, labels=labels, pixel_size_um=pixel_size_um)


@pytest.fixture
def micrograph_factory() -> Callable[..., Micrograph]:
    """``micrograph_factory(seed, **options)`` -> a :class:`Micrograph`."""
    return make_micrograph

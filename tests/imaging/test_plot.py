"""Map and profile figures."""

from __future__ import annotations

from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr

from tracerdiff.imaging import fraction_map, line_profile, plot_fraction_map, plot_profile


def test_map_figure_respects_non_square_pixels(step_image: Callable[..., xr.Dataset]) -> None:
    ds = step_image(ny=20, nx=30)
    fds = fraction_map(ds)
    lines = [((1.0, 5.0), (25.0, 5.0), 4.0)]
    gb = [np.array([[10.0, 0.0], [12.0, 19.0]])]
    ax = plot_fraction_map(fds, lines=lines, boundaries=gb, vmin=0.2, vmax=0.7)
    im = ax.get_images()[0]
    px, py = fds.attrs["pixel_size_x_um"], fds.attrs["pixel_size_y_um"]
    np.testing.assert_allclose(im.get_extent(), [0, 30 * px, 20 * py, 0])
    assert im.get_clim() == (0.2, 0.7)
    assert len(ax.lines) >= 3  # line, start marker, band, boundary
    assert len(ax.figure.axes) == 2  # colour bar
    plt.close(ax.figure)


def test_profile_figure_has_error_bars(step_image: Callable[..., xr.Dataset]) -> None:
    prof = line_profile(step_image(ny=20, nx=30), start_um=(1, 5), end_um=(25, 5), width_um=3)
    fig, ax = plt.subplots()
    out = plot_profile(prof, ax)
    assert out is ax and ax.containers
    assert ax.get_xlabel().startswith("distance")
    plt.close(fig)

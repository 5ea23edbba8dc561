"""Map and profile figures."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import xarray as xr
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

from tracerdiff.figures import new_axes
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
    assert len(ax.child_axes) == 1  # the colour bar, an inset of the image axes
    cax = ax.child_axes[0]
    assert cax.get_ylabel() == "C = 6Li/(6Li+7Li)"
    assert ax.get_xlabel() == "x (µm)" and ax.get_ylabel() == "y (µm)"
    ax.figure.canvas.draw()
    # the colour bar is as tall as the image (equal-aspect axes shrink to the data)
    box, cbox = ax.get_window_extent(), cax.get_window_extent()
    assert cbox.height == pytest.approx(box.height, rel=0.02) and cbox.x0 > box.x1
    bars = [a for a in ax.artists if isinstance(a, AnchoredSizeBar)]
    assert len(bars) == 1
    texts = [t.get_text() for t in bars[0].findobj(Text)]
    assert "5 µm" in texts  # 1-2-5 length near a fifth of the 29.3 um wide field


def test_scale_bar_length_is_in_um_on_non_square_pixels(
    step_image: Callable[..., xr.Dataset],
) -> None:
    fds = fraction_map(step_image(ny=206, nx=512, x_step_px=256, mean=50))
    ax = plot_fraction_map(fds)
    ax.figure.canvas.draw()
    bar = next(a for a in ax.artists if isinstance(a, AnchoredSizeBar))
    assert "100 µm" in [t.get_text() for t in bar.findobj(Text)]
    # the bar spans 100 um of data: its drawn width equals 100 um on the x axis
    rect = next(p for p in bar.findobj(Rectangle) if p.get_width() > 1)
    assert rect.get_width() == pytest.approx(100.0)
    x0, x1 = ax.get_xlim()
    assert (x0, x1) == pytest.approx((0.0, 500.0)) and ax.get_ylim() == pytest.approx((200.0, 0))
    assert ax.get_aspect() == 1.0  # equal um on x and y: non-square pixels drawn to scale


def test_profile_figure_has_error_bars(step_image: Callable[..., xr.Dataset]) -> None:
    prof = line_profile(step_image(ny=20, nx=30), start_um=(1, 5), end_um=(25, 5), width_um=3)
    ax = new_axes()
    out = plot_profile(prof, ax)
    assert out is ax and ax.containers
    assert ax.get_xlabel() == "distance along the line (µm)"
    # the error bars are C_err
    segs = ax.containers[0].lines[2][0].get_segments()
    half = [abs(s[1][1] - s[0][1]) / 2 for s in segs]
    np.testing.assert_allclose(half, prof["C_err"].values, rtol=1e-6)


def _colour_bar_drawn(png: bytes) -> None:
    """The rendered map has a colour bar with tick labels and its label."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("normalised", [False, True])
def test_report_map_colour_bar_has_ticks_and_label(
    step_image: Callable[..., xr.Dataset], normalised: bool
) -> None:
    """The report's constrained-layout figure keeps the colour bar's ticks and label."""
    from tracerdiff.figures import new_figure
    from tracerdiff.study.figures import render

    norm = {"background": 0.0759, "source": 0.95} if normalised else {}
    fds = fraction_map(step_image(ny=40, nx=80), **norm)
    fig = new_figure(width_in=7.0, height_in=3.6)
    ax = plot_fraction_map(fds, ax=fig.add_subplot())
    cax = ax.child_axes[0]
    fig.canvas.draw()
    ticks = [t for t in cax.get_yticklabels() if t.get_text() and t.get_visible()]
    assert len(ticks) >= 3
    label = cax.yaxis.label
    assert label.get_visible() and label.get_text() == (
        "C' (normalised 6Li fraction)" if normalised else "C = 6Li/(6Li+7Li)"
    )
    # tick labels and the label lie inside the figure (not squeezed or clipped by the layout)
    fig_box = fig.bbox
    for t in [*ticks, label]:
        bb = t.get_window_extent()
        assert bb.width > 0 and bb.x1 <= fig_box.x1 + 1 and bb.x0 >= fig_box.x0 - 1
    _colour_bar_drawn(render(fig, "map").png)


def test_uncalibrated_map_is_drawn_in_pixels(step_image: Callable[..., xr.Dataset]) -> None:
    from tracerdiff.imaging import calibrate

    ds = calibrate(step_image(ny=20, nx=30), pixel_size_um=1.0)
    ds.attrs["pixel_units"] = 1
    ax = plot_fraction_map(fraction_map(ds))
    assert ax.get_xlabel() == "x (px)" and ax.get_ylabel() == "y (px)"

"""Step detection and the batch table."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tracerdiff.errors import DataError, InputError, OutputExistsError
from tracerdiff.grain_boundary import (
    GBTable,
    analyze_profiles,
    detect_steps,
    detect_steps_batch,
    plot_step,
)


def test_detection_finds_every_gb_at_low_noise(chain_factory: Callable) -> None:
    chain = chain_factory(5)
    rng = np.random.default_rng(1)
    c = chain.profile(1e5) + rng.normal(0, 5e-4, chain.x_um.size)
    d = detect_steps(chain.x_um, c, np.full(c.size, 5e-4))
    # no false step; at most the last, tiny (~0.002) step is missed
    assert d.positions_um.size >= chain.gb_um.size - 1
    near = np.min(np.abs(d.positions_um[:, None] - chain.gb_um[None, :]), axis=1)
    assert np.all(near <= 1.0)
    assert np.all(d.position_err_um < 1.0) and np.all(d.jumps < 0)
    assert d.to_dict()["steps"][0]["position"]["unit"] == "um"


def test_detection_at_map_noise_is_mostly_right(chain_factory: Callable) -> None:
    chain = chain_factory(5)
    rng = np.random.default_rng(2)
    s = 0.03 / np.sqrt(20)
    C = chain.profile(1e5)[None, :] + rng.normal(0, s, (4, chain.x_um.size))
    found = detect_steps_batch(chain.x_um, C, np.full(C.shape, s))
    for d in found:
        near = np.min(np.abs(d.positions_um[:, None] - chain.gb_um[None, :]), axis=1)
        assert np.mean(near <= 2.0) >= 0.8  # few false steps
        near_source = chain.gb_um[chain.gb_um < 150]  # the large steps (>~0.03)
        dist = np.min(np.abs(near_source[:, None] - d.positions_um[None, :]), axis=1)
        assert np.mean(dist <= 2.0) >= 0.85
        assert 0.7 < d.noise_scale < 1.4


def test_detection_on_flat_noise_finds_nothing(rng: np.random.Generator) -> None:
    x = np.arange(300) + 0.5
    C = 0.3 + rng.normal(0, 0.01, (5, x.size))
    for d in detect_steps_batch(x, C, np.full(C.shape, 0.01)):
        assert d.positions_um.size == 0


def test_detection_bad_input() -> None:
    x = np.arange(50) + 0.5
    with pytest.raises(DataError):
        detect_steps(x, np.full(50, np.nan), np.full(50, 0.01))
    with pytest.raises(InputError):
        detect_steps(x, np.zeros(50), np.full(50, 0.01), min_size=2)


def test_table_summary_and_writers(chain_factory: Callable, tmp_path: Path) -> None:
    chains = [chain_factory(s) for s in (1, 2)]
    rng = np.random.default_rng(3)
    profiles = [
        (ch.x_um, ch.profile(1e5) + rng.normal(0, 1e-3, ch.x_um.size), np.full(ch.x_um.size, 1e-3))
        for ch in chains
    ]
    per = analyze_profiles(profiles, [ch.gb_um for ch in chains], d_bulk=2.6e-8)
    table = GBTable.from_profiles(per)
    s = table.summary
    k = np.array(
        [
            r.gradient_estimate.k
            for r in table.results
            if r.gradient_estimate.bounded
            and r.gradient_estimate.ci95.lower > 0
            and "uphill" not in r.flags
        ]
    )
    c = s["counts"]
    assert c["measured"] == k.size and 0 < k.size < c["total"]  # noise leaves some unmeasured
    assert c["not_significant"] > 0
    assert (
        sum(
            c[n]
            for n in ("measured", "bounded_only", "not_significant", "uphill", "not_analysable")
        )
        == c["total"]
        == len(table.results)
    )
    assert s["D_gb_over_delta"]["harmonic_mean"]["value"] == pytest.approx(k.size / np.sum(1 / k))
    assert s["D_gb_over_delta"]["geometric_mean"]["value"] == pytest.approx(
        np.exp(np.mean(np.log(k)))
    )
    assert s["D_gb"]["median"]["value"] == pytest.approx(np.median(k) * 0.5e-7)
    table.write_csv(tmp_path / "t.csv")
    table.write_json(tmp_path / "t.json")
    lines = (tmp_path / "t.csv").read_text().splitlines()
    assert len(lines) == 1 + len(table.results) and lines[0].startswith("profile,position_um")
    data = json.loads((tmp_path / "t.json").read_text())
    assert data["boundaries"][-1]["profile"] == 1
    with pytest.raises(OutputExistsError):
        table.write_csv(tmp_path / "t.csv")


def test_plot_step_draws_fig3de_elements() -> None:
    import matplotlib.pyplot as plt

    from tracerdiff.grain_boundary import step_figure

    x = np.arange(64) + 0.5
    c = 0.5 - 1.1e-4 * (x - 32) + np.where(x > 32, -0.02, 0)
    (r,) = analyze_profiles([(x, c, np.full(64, 5e-4))], [[32.0]], d_bulk=2.6e-8)[0]
    ax = plot_step(r)
    # two fits, two extrapolations to the GB, two gradient tangents; data with error bars
    assert len(ax.lines) >= 6 and len(ax.containers) >= 1
    fits = [ln for ln in ax.lines if ln.get_label().startswith("fit")]
    assert len(fits) == 2
    u = fits[0].get_xdata() - 32.0
    assert np.allclose(
        fits[0].get_ydata(), r.coef_left[0] + r.coef_left[1] * u + r.coef_left[2] * u**2
    )
    text = " ".join(t.get_text() for t in ax.texts)
    assert f"{r.gradient_estimate.k:.3g}" in text and "cm$^{-1}$" in text
    assert any(a.arrow_patch is not None for a in ax.texts if hasattr(a, "arrow_patch"))
    plt.close(ax.figure)
    fig = step_figure(x, c, np.full(64, 5e-4), [r, r])
    assert len(fig.axes) == 3  # overview + one panel per GB
    plt.close(fig)


def test_detection_robust_to_understated_errors(rng: np.random.Generator) -> None:
    # C_err states half the real counting noise: the robust scale finds ~2, no false steps
    x = np.arange(400) + 0.5
    truth = 0.5 - 1e-4 * x + np.where(x > 200, -0.04, 0.0)
    C = truth + rng.normal(0, 0.01, (3, x.size))
    for d in detect_steps_batch(x, C, np.full(C.shape, 0.005)):
        assert 1.6 < d.noise_scale < 2.5
        assert d.positions_um.size == 1 and abs(d.positions_um[0] - 200) <= 1.5
        assert abs(d.jumps[0] + 0.04) < 3 * d.jump_err[0]


def test_profiles_without_boundaries() -> None:
    x = np.arange(50) + 0.5
    per = analyze_profiles([(x, 0.5 - 1e-4 * x, np.full(50, 1e-3))], [[]], d_bulk=2.6e-8)
    assert per == [[]]
    table = GBTable.from_profiles(per)
    assert table.summary["counts"]["total"] == 0

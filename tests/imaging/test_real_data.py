"""fraction_map on a real NanoSIMS image (18O-enriched spots, 2 frames, electron multiplier)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tracerdiff.imaging import em_dead_time, fraction_map, line_profile, region_stats


def test_nanosims_18o_map(real_data: Path) -> None:
    from tracerdiff.io import open_dataset

    ds = open_dataset(real_data / "cameca_sims" / "image_sun.im")
    fds = fraction_map(ds, pair="18O/16O", drift=False)
    rec = {r["name"]: r for r in json.loads(fds.attrs["corrections"])}
    assert rec["dead_time"]["method"] == "em_nonparalysable" and rec["dead_time"]["per_frame"]
    dwell = float(ds.attrs["dwell_time_s"])
    n18 = em_dead_time(ds["18O"].values, dwell_time_s=dwell, dtype=np.float64).counts.sum(axis=0)
    n16 = em_dead_time(ds["16O"].values, dwell_time_s=dwell, dtype=np.float64).counts.sum(axis=0)
    whole = region_stats(fds)
    assert whole.C == pytest.approx(n18.sum() / (n18.sum() + n16.sum()), rel=1e-5)
    # 18O-enriched spots (C ~ 0.1) on a background near natural (0.2 %): 8 x 8 binned map
    c = fraction_map(ds, pair="18O/16O", drift=False, bin=8)["C"].values
    assert 0.001 < np.nanpercentile(c, 25) < 0.003 < np.nanmedian(c) < 0.005
    assert np.nanpercentile(c, 99) > 0.05
    prof = line_profile(fds, start_um=(0.5, 3.5), end_um=(6.5, 3.5), width_um=0.5)
    assert prof.sizes["x_um"] == int(6.0 / fds.attrs["pixel_size_x_um"] + 1e-9) + 1
    assert (prof["n_pixels"] > 0).all()

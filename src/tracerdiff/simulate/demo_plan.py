"""The demo data set's plan: the samples' thermal histories, the acquisitions, the sizes, and the
manifest entry every file gets (see :mod:`.demo`)."""

from __future__ import annotations

from typing import Any

from ..history import Stage
from .materials import LLTO_REFERENCE

__all__ = [
    "C_NAT",
    "C_SRC",
    "DEMO_SEED",
    "HAVEN_BULK",
    "HAVEN_GB",
    "LINE_SAMPLES",
    "MAP_ACQ",
    "MAP_LONG_ACQ",
    "MAP_LONG_STREAM",
    "MAP_SAMPLE",
    "SCAN_ACQ",
    "SIZES",
    "STRIPS",
    "T22",
    "entry",
]

DEMO_SEED = 2024
H, D = 3600.0, 86400.0
T22 = 295.15
C_NAT, C_SRC = LLTO_REFERENCE["c_natural"], LLTO_REFERENCE["c_source"]
#: line-scan samples: name -> list of (stage, label of the scan taken after it)
LINE_SAMPLES: dict[str, list[tuple[Stage, str]]] = {
    "B": [
        (Stage(T22, 110 * H, "source"), "exchanged"),
        (Stage(T22, 14 * D), "2 weeks"),
        (Stage(T22, 28 * D), "6 weeks"),
    ],
    "C": [(Stage(T22, 63 * H, "source"), "exchanged"), (Stage(473.15, 3.8 * H), "200 C 3.8 h")],
    "D": [(Stage(T22, 60 * H, "source"), "exchanged"), (Stage(373.15, 4 * H), "100 C 4 h")],
    "E": [(Stage(T22, 60 * H, "source"), "exchanged"), (Stage(523.15, 600.0), "250 C 10 min")],
}
MAP_SAMPLE: list[tuple[Stage, str]] = [
    (Stage(T22, 59 * H, "source"), "exchanged"),
    (Stage(T22, 16 * D), "16 days"),
]
#: the study's 5 h images: shots per pixel x scans = primary pulses per pixel (dead time not
#: corrected in the files); ~500 counts of 6Li + 7Li per pixel at yield 1 (science.md section 8)
MAP_ACQ = {
    "mean_counts": 500.0,
    "shots_per_pixel": 16,
    "scans": 150,
    "psf_sigma_px": 0.7,
    "yield_sigma_ln": 0.3,
    "duration_h": 5.0,
}
#: a long acquisition of the 59 h field (before the storage), for the boundaries' in-grain
#: gradients: 10 h, 16 x 900 = 14 400 pulses per pixel (a ~24 us cycle for the Li-only mass
#: range) at ~3x the pulse charge of the 5 h image, ~1e4 counts of 6Li + 7Li per pixel at
#: yield 1 before the single-stop dead time (which takes ~25 % of the 7Li counts)
MAP_LONG_ACQ = {
    "mean_counts": 1.0e4,
    "shots_per_pixel": 16,
    "scans": 900,
    "psf_sigma_px": 0.7,
    "yield_sigma_ln": 0.3,
    "duration_h": 10.0,
}
#: the long acquisition's counts come from their own stream, ``default_rng([seed, 17])``
MAP_LONG_STREAM = 17
SCAN_ACQ = {"raster_um": 50.0, "step_um": 50.0, "length_um": 8000.0, "counts_per_spot": 1.0e5}
HAVEN_BULK, HAVEN_GB = 0.8, 0.24  # assumptions: bulk H_R, GB H_R as the study's 0.048 / 0.20
SIZES: dict[str, tuple[tuple[int, int], float]] = {  # map cells (ny, nx), strip length um
    "full": ((200, 4000), 10000.0),
    "small": ((60, 400), 10000.0),
}
#: line-scan strips: (cells across, cell size um); 64 um wide in the full data set
STRIPS: dict[str, tuple[int, float]] = {"full": (32, 2.0), "small": (6, 4.0)}
#: map field of view (x, y) um and pixels (nx, ny) per size
FIELDS: dict[str, tuple[tuple[float, float], tuple[int, int]]] = {
    "full": ((500.0, 200.0), (512, 206)),
    "small": ((100.0, 40.0), (103, 41)),
}


def entry(
    name: str, sample: str, step: int, what: str, t_s: float, temps: list[float], **extra: Any
) -> dict[str, Any]:
    """The manifest entry of one file."""
    return {
        "file": name,
        "sample": sample,
        "step": step,
        "what": what,
        "time_since_exchange_s": t_s,
        "temperatures_K": temps,
        **extra,
    }

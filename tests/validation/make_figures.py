"""Figures and numbers of docs/validation.md (not a test).

Run: ``python tests/validation/make_figures.py``.

Writes docs/figures/validation_map_k.png: per-GB k from the realistic-noise map closed loop
(test_map_closed_loop.py, GBs normal to the profile and at 30 degrees), flux estimator with its
95 % sets against the true k; prints the summary numbers quoted in docs/validation.md.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_map_closed_loop import _closed_loop, _weighted_log_bias

ROOT = Path(__file__).resolve().parents[2]


def _summary(rows: list, label: str) -> None:
    n = len(rows)
    flagged = np.mean(["gradient_not_measurable" in r.flags for r, _ in rows])
    cov_f = np.mean([r.flux_estimate.ci95.contains(k) for r, k in rows])
    cov_g = np.mean([r.gradient_estimate.ci95.contains(k) for r, k in rows])
    good = [(r.preferred, k) for r, k in rows if r.well_measured]
    off = sum(abs(e.k - k) > 3 * e.k_err for e, k in good)
    print(
        f"{label}: {n} GBs, gradient not measurable {flagged:.0%}, flux coverage {cov_f:.0%}, "
        f"gradient coverage {cov_g:.0%}, well measured {len(good)} ({off} outside 3 errors), "
        f"weighted bias of ln k {_weighted_log_bias(rows):+.3f}"
    )


def main() -> None:
    fig, axes = plt.subplots(1, 2, figsize=(9, 4), constrained_layout=True, sharey=True)
    with tempfile.TemporaryDirectory() as tmp:
        for ax, (angle, seeds) in zip(axes, ((0.0, 3), (30.0, 10)), strict=True):
            rows = [
                row
                for s in range(seeds)
                for row in _closed_loop(s, angle, Path(tmp))
                if row[0].analysable
            ]
            _summary(rows, f"angle {angle:g} deg")
            for r, k in rows:
                est = r.flux_estimate
                lo = est.ci95.lower if est.ci95.lower is not None else 1e-9
                hi = est.ci95.upper if est.ci95.upper is not None else 1e-4
                inside = est.ci95.contains(k)
                ax.plot(
                    [k, k], [max(lo, 1e-8), min(hi, 1e-4)], color="0.6" if inside else "r", lw=0.8
                )
                ax.plot(k, est.k, "o", ms=3, color="k" if r.well_measured else "0.4")
            ax.plot([3e-7, 6e-6], [3e-7, 6e-6], "b--", lw=1, label="k = truth")
            ax.set(
                xscale="log",
                yscale="log",
                xlim=(3e-7, 6e-6),
                ylim=(1e-7, 3e-5),
                xlabel="true k (cm/s)",
                title=f"GBs at {angle:g} deg to the profile normal",
            )
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        axes[0].set_ylabel("flux estimate of k (cm/s), 95 % set")
        axes[0].legend(loc="upper left")
    out = ROOT / "docs" / "figures" / "validation_map_k.png"
    fig.savefig(out, dpi=90)
    print("wrote", out)


if __name__ == "__main__":
    main()

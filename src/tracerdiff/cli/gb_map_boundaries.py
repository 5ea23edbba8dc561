"""The boundary route of ``tracerdiff gb-map``: every boundary of a fraction map between the grains
of a label image (``--labels``) or of a segmentation of the map itself (no micrograph)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FileFormatError

__all__ = ["boundary_map_payload", "read_labels"]


def read_labels(path: str) -> np.ndarray:
    """An integer grain-label image (.npy or .tif/.tiff; rows y, columns x)."""
    from ..io.micrograph import read_micrograph

    if Path(path).suffix.lower() not in (".npy", ".tif", ".tiff"):
        raise FileFormatError(f"--labels {path}: expected an integer image as .npy or .tif")
    a = np.asarray(read_micrograph(path))
    if a.ndim != 2 or not np.issubdtype(a.dtype, np.integer):
        raise FileFormatError(
            f"--labels {path}: expected a 2D integer label image, got {a.dtype} of {a.ndim} dims"
        )
    return a.astype(np.int64)


def _fmt(q: dict[str, Any]) -> str:
    if q.get("value") is None:
        return "n/a" + (f" ({q['note']})" if q.get("note") else "")
    err = q.get("stderr")
    return f"{q['value']:.3g}" + (f" ± {err:.2g}" if err is not None else "") + f" {q['unit']}"


def boundary_text(payload: dict[str, Any]) -> str:
    """Human summary: counts, pooled means with errors, the best measured boundaries."""
    s = payload["summary"]
    lines = [
        f"{s['n_boundaries']} boundaries ({payload['labels']}); {s['n_analysed']} analysed, "
        f"{s['n_measured']} with k measured (bounded 95 % set above 0)",
        f"pooled (lognormal over every analysed boundary): geometric mean / median "
        f"{_fmt(s['D_gb_over_delta_gmean'])}, harmonic mean {_fmt(s['D_gb_over_delta_hmean'])}, "
        f"sigma_ln {_fmt(s['sigma_ln'])}".rstrip(),
    ]
    if s["n_boundaries"] == 0 and str(payload["labels"]).startswith("segmented"):
        lines.append(
            "no boundary was segmented from the fraction map: that needs grain contrast well "
            "above the counting noise (the closed loop: ~1e6 counts per pixel); give the grains "
            "as --labels LABELS (.npy/.tif on the map's pixel grid)"
        )
    best = sorted(
        (b for b in payload["boundaries"] if b["status"] == "measured"),
        key=lambda b: b["D_gb_over_delta"]["stderr"] / b["D_gb_over_delta"]["value"],
    )[:5]
    if best:
        lines.append("  most precise:  midpoint (um)      length  D_gb/delta (cm/s)")
        for b in best:
            x, y = b["midpoint_um"]
            lines.append(
                f"{'':16}({x:6.1f}, {y:6.1f})  {b['length_um']:5.1f}  {_fmt(b['D_gb_over_delta'])}"
            )
    return "\n".join(lines)


def boundary_map_payload(
    fds: Any,
    fraction_map: str,
    labels: str | None,
    *,
    options: Any,
    png: str | None,
    csv_out: str | None,
    force: bool,
) -> tuple[dict[str, Any], str]:
    """Run :func:`tracerdiff.grain_boundary.analyze_gb_map` (boundary route) on the map
    ``fds`` and write its outputs; returns the JSON payload and the human text."""
    from ..grain_boundary.boundary_map import BoundaryMapResult
    from ..grain_boundary.map_analysis import analyze_gb_map
    from .common import save_png

    lab = None if labels is None else read_labels(labels)
    res = analyze_gb_map(fds, options, labels=lab)
    assert isinstance(res, BoundaryMapResult)
    if csv_out is not None:
        res.write_csv(csv_out, force=force)
    if png is not None:
        from ..grain_boundary.boundary_map_plot import boundary_map_figure

        save_png(boundary_map_figure(fds, res), png, force=force)
    payload = {"fraction_map": fraction_map, "labels_file": labels, **res.to_dict()}
    return payload, boundary_text(payload)

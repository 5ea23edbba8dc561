"""A simulation on a given grain-label image: one isothermal source stage with uniform D_b and
GB k -> ``fraction.npy`` + ``truth.json`` (``tracerdiff simulate labels``).  D in cm^2/s, k in
cm/s, time in s, lengths in um.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import FileFormatError, InputError
from ..history import Stage
from ..outputs import atomic_dir, atomic_path, atomic_write_text, check_output_dir
from ..quantities import quantity, to_json
from .fv2d import evolve_polycrystal, homogenised_d_eff
from .materials import MaterialLaw
from .memory import check_solver_memory
from .microstructure import Polycrystal

__all__ = ["load_labels", "polycrystal_from_labels", "run_labels_diffusion"]


def load_labels(path: str | Path) -> NDArray[np.int64]:
    """An integer label image from ``.npy`` or TIFF (rows y, columns x).  The declared shape is
    checked (2D, integer, the 2D solve fits in memory) before the values are read."""
    p = Path(path)
    if not p.is_file():
        raise FileFormatError(f"label image {p} not found")
    if p.suffix.lower() not in (".npy", ".tif", ".tiff"):
        raise FileFormatError(f"label image {p}: expected .npy or .tif/.tiff")
    try:
        a = _declared_labels(p)
        if a.ndim != 2 or not np.issubdtype(a.dtype, np.integer) or a.shape[1] < 2:
            raise FileFormatError(
                f"label image {p}: expected a 2D integer image, got {a.dtype} {a.shape}"
            )
        check_solver_memory(a.shape)  # before anything of the size of the grid is read
        return np.asarray(a, dtype=np.int64)
    except (OSError, ValueError, EOFError) as exc:
        if isinstance(exc, FileFormatError):
            raise
        raise FileFormatError(f"label image {p} unreadable ({type(exc).__name__})") from None


def _declared_labels(p: Path) -> Any:
    """The label array without reading it: memory-mapped ``.npy``, or the TIFF's first series
    (read only when asked for)."""
    if p.suffix.lower() == ".npy":
        return np.load(p, mmap_mode="r", allow_pickle=False)
    import tifffile

    with tifffile.TiffFile(p) as tf:
        series = tf.series[0]
        if len(series.shape) != 2 or not np.issubdtype(series.dtype, np.integer):
            return np.empty(series.shape if len(series.shape) != 2 else (0, 0), series.dtype)
        check_solver_memory((int(series.shape[0]), int(series.shape[1])))
        return series.asarray()


def polycrystal_from_labels(labels: NDArray[Any], *, pixel_size_um: float) -> Polycrystal:
    """A :class:`Polycrystal` of given labels with every GB at the median k and yield 1."""
    from .microstructure import _relabel, grain_pairs

    lab = _relabel(np.asarray(labels, dtype=np.int64))
    pairs, _, _ = grain_pairs(lab)
    n = int(lab.max()) + 1
    return Polycrystal(
        labels=lab,
        pixel_size_um=float(pixel_size_um),
        pairs=pairs,
        k_factor=np.ones(pairs.shape[0]),
        yield_factor=np.ones(n),
        target_diameters_um=np.zeros(0),
        description="given labels",
    )


def _check_inputs(
    *, pixel_size_um: float, d_bulk: float, k: float, time_s: float, source: str
) -> None:
    """One-line InputErrors for the scalar inputs of :func:`run_labels_diffusion`."""
    for name, v in (("pixel size", pixel_size_um), ("D_b", d_bulk), ("k", k), ("time", time_s)):
        if not (v > 0 and np.isfinite(v)):
            raise InputError(f"{name} must be finite and > 0, got {v}")
    if source not in ("left", "right", "top", "bottom"):
        raise InputError(f"source must be left, right, top or bottom, got {source!r}")


def run_labels_diffusion(
    labels: NDArray[Any],
    out_dir: str | Path,
    *,
    pixel_size_um: float,
    d_bulk: float,
    k: float,
    c_initial: float,
    c_source: float,
    time_s: float,
    source: str = "left",
    steps: int | None = None,
    rtol: float | None = 1e-4,
    gb_faces: str = "pixel",
    temperature_K: float = 295.15,
    force: bool = False,
    inputs: Iterable[str | Path] = (),
) -> dict[str, Any]:
    """Diffuse from ``source`` for ``time_s`` with uniform ``d_bulk`` (cm^2/s) and GB ``k``
    (cm/s); writes ``fraction.npy`` and ``truth.json`` into ``out_dir`` (built in a temporary
    folder, renamed into place; ``inputs`` are never inside it); returns the truth."""
    inputs = tuple(inputs)
    check_output_dir(out_dir, force=force, inputs=inputs)  # refuse before any work
    _check_inputs(pixel_size_um=pixel_size_um, d_bulk=d_bulk, k=k, time_s=time_s, source=source)
    check_solver_memory(np.shape(labels))  # before the grid is built
    poly = polycrystal_from_labels(labels, pixel_size_um=pixel_size_um)
    mat = MaterialLaw(d0_bulk=d_bulk, ea_bulk_eV=0.0, k0=k, ea_k_eV=0.0)
    ev = evolve_polycrystal(
        poly,
        mat,
        [Stage(temperature_K, time_s, "source")],
        c_initial=c_initial,
        c_source=c_source,
        source_side=source,
        gb_faces=gb_faces,
        rtol=None if steps else rtol,
        steps=steps,
    )
    d_eff = homogenised_d_eff(
        poly,
        d_bulk=d_bulk,
        k_median=k,
        gb_faces=gb_faces,
        axis="x" if source in ("left", "right") else "y",
    )
    rep = ev.reports[0]
    truth = {
        "pixel_size": quantity(pixel_size_um, None, "um"),
        "D_bulk": quantity(d_bulk, None, "cm^2/s"),
        "k": quantity(k, None, "cm/s"),
        "c_initial": c_initial,
        "c_source": c_source,
        "source": source,
        "time": quantity(time_s, None, "s"),
        "gb_faces": gb_faces,
        "steps": rep.steps,
        "error_estimate": rep.error_estimate,
        "rtol": None if steps else rtol,
        "scheme": "TR-BDF2",
        "D_eff_homogenised": quantity(d_eff, None, "cm^2/s"),
        "shape": list(poly.shape),
        "n_grains": poly.n_grains,
    }
    with atomic_dir(out_dir, force=force, inputs=inputs) as out:
        with atomic_path(out / "fraction.npy") as tmp, open(tmp, "wb") as fh:
            np.save(fh, ev.fields[0].astype(np.float64))
        atomic_write_text(out / "truth.json", to_json(truth) + "\n")
    return truth

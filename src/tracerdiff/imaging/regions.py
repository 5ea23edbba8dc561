"""Region statistics: counts summed over a rectangle (um), a boolean mask or every region of a
ROI mask (label image, LANS CELLS, shapes in um), then the ratio of the sums."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import xarray as xr

from ..errors import InputError, ShapeMismatchError
from ..quantities import quantity
from ..results import ResultMixin
from .pipeline import pixel_sizes
from .summed import as_fraction_dataset, fraction_from_sums

__all__ = ["RegionStats", "RoiTable", "region_stats", "roi_stats"]


@dataclass(frozen=True)
class RegionStats(ResultMixin):
    """Summed counts over a region and the isotope fraction of the sums (dimensionless).

    ``n_pixels`` pixels contributed; ``n_excluded`` were in the region but masked (saturated or
    outside the frame overlap: NaN counts). ``C`` is normalised when the map was. ``C_err`` is the
    counting error (plus the systematic one for a map made with ``systematic="combined"``);
    ``C_err_sys`` the error shared by all pixels (alpha, C_bg, C_s).
    """

    pair: str
    label: str
    counts_a: float
    counts_b: float
    C: float
    C_err: float
    n_pixels: int
    n_excluded: int
    normalised: bool
    C_err_sys: float = 0.0

    @property
    def species(self) -> tuple[str, str]:
        """The two isotopes of the pair."""
        a, b = self.pair.split("/")
        return a, b

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain form (C as a quantity)."""
        a, b = self.species
        return {
            "pair": self.pair,
            "label": self.label,
            "counts": {a: self.counts_a, b: self.counts_b},
            "C": quantity(self.C, self.C_err, "", note="normalised" if self.normalised else None),
            "C_sys_stderr": self.C_err_sys,
            "n_pixels": self.n_pixels,
            "n_excluded": self.n_excluded,
        }


def _rect_mask(fds: xr.Dataset, rect_um: tuple[float, float, float, float]) -> np.ndarray:
    """Pixels whose centres lie in [x0, x1] x [y0, y1] (um)."""
    if len(rect_um) != 4:
        raise InputError(f"rect_um must be (x0, y0, x1, y1) in um, got {rect_um!r}")
    x0, y0, x1, y1 = (float(v) for v in rect_um)
    if not all(np.isfinite([x0, y0, x1, y1])):
        raise InputError(f"rect_um must be finite, got {rect_um!r}")
    x0, x1 = sorted((x0, x1))
    y0, y1 = sorted((y0, y1))
    px, py = pixel_sizes(fds)
    ny, nx = fds.sizes["y"], fds.sizes["x"]
    x = (np.arange(nx) + 0.5) * px
    y = (np.arange(ny) + 0.5) * py
    m = ((y >= y0) & (y <= y1))[:, None] & ((x >= x0) & (x <= x1))[None, :]
    if not m.any():
        raise InputError(f"rectangle {rect_um} um holds no pixel centre of the image")
    return np.asarray(m)


def _region_mask(
    fds: xr.Dataset,
    rect_um: tuple[float, float, float, float] | None,
    mask: npt.ArrayLike | None,
) -> np.ndarray:
    shape = (fds.sizes["y"], fds.sizes["x"])
    if rect_um is not None and mask is not None:
        raise InputError("give rect_um or mask, not both")
    if mask is not None:
        m = np.asarray(mask)
        if m.dtype != bool:
            raise InputError(f"mask must be boolean, got dtype {m.dtype}")
        if m.shape != shape:
            raise ShapeMismatchError(f"mask has shape {m.shape}, the map {shape}")
        return m
    if rect_um is not None:
        return _rect_mask(fds, rect_um)
    return np.ones(shape, dtype=bool)


def region_stats(
    data: xr.Dataset,
    *,
    rect_um: tuple[float, float, float, float] | None = None,
    mask: npt.ArrayLike | None = None,
    pair: str | None = None,
    label: str = "",
    **fraction_options: Any,
) -> RegionStats:
    """Sum the counts over a region (whole field when neither ``rect_um`` nor ``mask``), then C.

    ``data`` is a fraction dataset, or an image dataset (``fraction_map`` is run with ``pair`` and
    ``fraction_options``). Variances are summed too where the map has them.

    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from tracerdiff import open_dataset
    >>> counts = {"6Li": np.full((8, 40), 900), "7Li": np.full((8, 40), 100)}
    >>> counts["6Li"][:, 20:], counts["7Li"][:, 20:] = 300, 700  # C = 0.3 in the right half
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     np.savez(Path(tmp) / "map.npz", **counts)
    ...     images = open_dataset(Path(tmp) / "map.npz", pixel_size_um=0.5)
    >>> left = region_stats(images, rect_um=(0.0, 0.0, 10.0, 4.0), pair="6Li/7Li", label="left")
    >>> c = left.to_dict()["C"]
    >>> print(left.n_pixels, f"C = {c['value']:.2f} +- {c['stderr']:.2g}")
    160 C = 0.90 +- 0.00075
    """
    fds = as_fraction_dataset(data, pair=pair, **fraction_options)
    m = _region_mask(fds, rect_um, mask)
    na, nb = fds["n_a"].values, fds["n_b"].values
    ok = m & np.isfinite(na) & np.isfinite(nb)
    sa, sb = float(na[ok].sum(dtype=np.float64)), float(nb[ok].sum(dtype=np.float64))
    va = vb = None
    if "var_a" in fds and "var_b" in fds:
        va = float(fds["var_a"].values[ok].sum(dtype=np.float64))
        vb = float(fds["var_b"].values[ok].sum(dtype=np.float64))
    C, err, sys = fraction_from_sums(
        np.array([sa]),
        np.array([sb]),
        None if va is None else np.array([va]),
        None if vb is None else np.array([vb]),
        dict(fds.attrs),
    )
    return RegionStats(
        pair=str(fds.attrs.get("pair", "a/b")),
        label=label,
        counts_a=sa,
        counts_b=sb,
        C=float(C[0]),
        C_err=float(err[0]),
        n_pixels=int(ok.sum()),
        n_excluded=int((m & ~ok).sum()),
        normalised=int(fds.attrs.get("normalised", 0)) == 1,
        C_err_sys=float(sys[0]),
    )


@dataclass(frozen=True)
class RoiTable(ResultMixin):
    """Every region of a ROI mask: its :class:`RegionStats` (C of the pair from the corrected,
    summed counts) and the raw counts of every species summed over the region (and frames)."""

    pair: str
    mask: str
    regions: tuple[RegionStats, ...]
    species_counts: tuple[dict[str, float], ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain: ``regions[]`` with ``label``, ``n_pixels``, ``counts`` per species,
        ``C`` {value, stderr}, ``C_sys_stderr``, ``n_excluded``."""
        rows = []
        for r, counts in zip(self.regions, self.species_counts, strict=True):
            d = r.to_dict()
            rows.append(
                {
                    "label": int(r.label),
                    "n_pixels": r.n_pixels,
                    "n_excluded": r.n_excluded,
                    "counts": counts,
                    "counts_corrected": d["counts"],
                    "C": d["C"],
                    "C_sys_stderr": r.C_err_sys,
                }
            )
        return {"pair": self.pair, "mask": self.mask, "n_regions": len(rows), "regions": rows}

    def to_csv(self) -> str:
        """One row per region: label, n_pixels, n_excluded, counts per species, C, C_err,
        C_err_sys."""
        names = list(self.species_counts[0]) if self.species_counts else []
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["label", "n_pixels", "n_excluded", *names, "C", "C_err", "C_err_sys"])
        for r, counts in zip(self.regions, self.species_counts, strict=True):
            vals = [repr(float(counts[n])) for n in names]
            w.writerow([r.label, r.n_pixels, r.n_excluded, *vals, repr(r.C), repr(r.C_err),
                        repr(r.C_err_sys)])  # fmt: skip
        return buf.getvalue()

    def write_csv(self, path: str | Path, *, force: bool = False) -> Path:
        """Write :meth:`to_csv` atomically (an existing file only with ``force``)."""
        from ..outputs import atomic_path

        with atomic_path(path, force=force) as tmp:
            Path(tmp).write_text(self.to_csv(), encoding="utf-8")
        return Path(path)


def _species_sums(data: xr.Dataset, masks: list[tuple[int, np.ndarray]]) -> list[dict[str, float]]:
    """Raw counts of every image species summed over each region (frames summed first)."""
    images = {str(k): v for k, v in data.data_vars.items() if v.dims[-2:] == ("y", "x")}
    if "n_a" in images and "n_b" in images:  # a fraction map: its two corrected count images
        a, b = str(data.attrs.get("species_a", "a")), str(data.attrs.get("species_b", "b"))
        images = {a: data["n_a"], b: data["n_b"]}
    flat = {k: (v.sum("frame") if "frame" in v.dims else v).values for k, v in images.items()}
    return [
        {k: float(np.nansum(a[m], dtype=np.float64)) for k, a in flat.items()} for _, m in masks
    ]


def roi_stats(
    data: xr.Dataset,
    mask: Any = None,
    *,
    pair: str | None = None,
    images: xr.Dataset | None = None,
    max_pixels: int = 2**28,
    **fraction_options: Any,
) -> RoiTable:
    """Summed counts and C of every region of a ROI ``mask`` (see
    :func:`~tracerdiff.imaging.roi_masks.region_masks`: label image array or file, LANS
    ``.mat``, shapes in um, or None for the ``roi_label`` of a LANS export).

    ``data`` is an image dataset (``fraction_map`` is run with ``pair`` and
    ``fraction_options``) or a fraction map; ``images``, with a fraction map, are the count
    images it was made from (their species are summed per region too, and a LANS ``roi_label``
    is taken from them). C comes from the corrected counts summed over each region, as
    :func:`region_stats` does; overlapping shapes each get all their pixels.
    """
    from .roi_masks import region_masks

    fds = as_fraction_dataset(data, pair=pair, **fraction_options)
    if images is None:
        images = data
    shape = (int(fds.sizes["y"]), int(fds.sizes["x"]))
    raw_shape = (int(images.sizes["y"]), int(images.sizes["x"]))
    if raw_shape != shape:
        raise InputError(
            f"the fraction map is {shape} px but the images {raw_shape} px (binning?); a ROI "
            "mask needs the map at the images' pixels (bin 1)"
        )
    masks, what = region_masks(mask, images, shape, max_pixels=max_pixels)
    stats = tuple(region_stats(fds, mask=m, label=str(lb)) for lb, m in masks)
    return RoiTable(
        pair=str(fds.attrs.get("pair", "a/b")),
        mask=what,
        regions=stats,
        species_counts=tuple(_species_sums(images, masks)),
    )

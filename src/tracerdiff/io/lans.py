"""Look@NanoSIMS (LANS) ion-map exports: one ``.mat`` file per ion (e.g. ``mat/13C.mat``) holding
``IM`` (the drift-corrected, accumulated counts image), ``xyscale`` (the field of view, um) and,
when regions of interest were drawn, ``CELLS`` (an integer label image, 0 = outside every ROI).

MATLAB v5 files are read with :func:`scipy.io.loadmat`, v7.3 files (HDF5) with ``h5py``; the
declared array sizes are checked against ``max_pixels`` before any array is read.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import DataError, FileFormatError
from ._checks import MAX_PIXELS, check_length_um, check_max_pixels, check_pixels, check_real, quiet
from ._common import (
    PathLike,
    existing_file,
    image_dataset,
    normalize_species,
    pixel_sizes,
    source_attrs,
)

__all__ = ["is_mat_file", "read_lans_cells", "read_lans_mat"]

_V73 = b"MATLAB 7.3"
_WANTED = ("IM", "CELLS", "xyscale")


def is_mat_file(path: PathLike) -> bool:
    """True when the file starts with a MATLAB MAT-file banner (v5 or v7.3)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(6) == b"MATLAB"
    except OSError:
        return False


def _v73(p: Path) -> bool:
    with open(p, "rb") as fh:
        return fh.read(len(_V73)) == _V73


def _load_v5(p: Path, limit: int) -> dict[str, np.ndarray]:
    from scipy.io import loadmat, whosmat

    src = str(p)
    shapes = {name: shape for name, shape, _ in whosmat(p) if name in _WANTED}
    total = sum(math.prod(s) for s in shapes.values())
    check_pixels((total,), max_pixels=limit, source=src, what="the MAT-file arrays")
    got = loadmat(p, variable_names=list(shapes), squeeze_me=False)
    return {k: np.asarray(got[k]) for k in shapes}


def _load_v73(p: Path, limit: int) -> dict[str, np.ndarray]:
    import h5py

    src = str(p)
    with h5py.File(p, "r") as f:
        names = [k for k in _WANTED if k in f and isinstance(f[k], h5py.Dataset)]
        total = sum(math.prod(f[k].shape) for k in names)
        check_pixels((total,), max_pixels=limit, source=src, what="the MAT-file arrays")
        # MATLAB stores column-major: the HDF5 dataset is the transpose of the MATLAB array
        return {k: np.asarray(f[k][()]).T for k in names}


def _load(p: Path, max_pixels: int) -> dict[str, np.ndarray]:
    limit = check_max_pixels(max_pixels)
    try:
        with quiet():
            out = _load_v73(p, limit) if _v73(p) else _load_v5(p, limit)
    except (FileFormatError, DataError):
        raise
    # NotImplementedError: scipy's answer to MAT-file features it does not read (a broken file)
    except (ValueError, TypeError, OSError, KeyError, IndexError, NotImplementedError) as exc:
        raise FileFormatError(f"{p}: not a readable MAT-file ({type(exc).__name__})") from None
    for k, v in out.items():
        check_real(v, source=str(p), what=f"variable {k!r}")
    return out


def _cells(raw: np.ndarray, shape: tuple[int, ...], src: str) -> np.ndarray:
    c = np.asarray(raw)
    if c.shape != shape[-2:]:
        raise FileFormatError(
            f"{src}: CELLS has shape {c.shape}, the image {shape[-2:]}; expected one ROI "
            "label per pixel"
        )
    if not np.all(np.isfinite(c)) or np.any(c < 0) or np.any(c != np.round(c)):
        raise DataError(f"{src}: CELLS must hold whole numbers >= 0 (0 = outside every ROI)")
    return c.astype(np.int32)


def _field_of_view(raw: np.ndarray | None, src: str) -> float | tuple[float, float] | None:
    if raw is None:
        return None
    v = np.asarray(raw, dtype=float).ravel()
    if v.size not in (1, 2):
        raise FileFormatError(f"{src}: xyscale holds {v.size} values; expected the field of view")
    fx = check_length_um(v[0], name="xyscale (field of view)", source=src)
    fy = check_length_um(v[-1], name="xyscale (field of view)", source=src)
    return fx if v.size == 1 else (fx, fy)


def _image(raw: np.ndarray | None, src: str) -> np.ndarray:
    if raw is None:
        raise FileFormatError(f"{src}: no variable IM; expected a LANS ion-map export")
    im = np.asarray(raw, dtype=np.float64)
    if im.ndim == 3:  # MATLAB (y, x, plane) -> (frame, y, x)
        im = np.moveaxis(im, -1, 0)
    if im.ndim not in (2, 3):
        raise FileFormatError(f"{src}: IM has shape {im.shape}; expected a 2D image")
    return im


def read_lans_mat(
    path: PathLike,
    *,
    species: str | None = None,
    pixel_size_um: float | tuple[float, float] | None = None,
    field_of_view_um: float | tuple[float, float] | None = None,
    max_pixels: int = MAX_PIXELS,
) -> xr.Dataset:
    """Read a LANS ion-map ``.mat`` as an image dataset of one species.

    The species is ``species`` or the file name (``13C.mat`` -> ``13C``); the field of view is
    ``xyscale`` (um) unless ``field_of_view_um``/``pixel_size_um`` are given. ``CELLS``, when
    present, becomes the integer coordinate ``roi_label`` (y, x) (0 = no ROI), usable as the
    ROI mask of :func:`tracerdiff.imaging.roi_stats`.
    """
    p = existing_file(path)
    src = str(p)
    v = _load(p, max_pixels)
    im = _image(v.get("IM"), src)
    fov = field_of_view_um
    if fov is None and pixel_size_um is None:
        fov = _field_of_view(v.get("xyscale"), src)
        if fov is None:
            raise FileFormatError(
                f"{src}: no xyscale (field of view) in the file; pass field_of_view_um= or "
                "pixel_size_um="
            )
    px, py = pixel_sizes(
        im.shape[-1], im.shape[-2], field_of_view_um=fov, pixel_size_um=pixel_size_um, source=src
    )
    label = species or p.stem
    name = normalize_species(label)
    attrs: dict[str, Any] = {
        "instrument": "Cameca NanoSIMS (LANS export)",
        "format": "lans_mat",
        "dead_time_corrected": 0,
        **source_attrs(p),
    }
    ds = image_dataset(
        {name: im}, pixel_size_x_um=px, pixel_size_y_um=py, attrs=attrs,
        var_attrs={name: {"label": label}}, source=src,
    )  # fmt: skip
    if "CELLS" in v:
        ds = ds.assign_coords(roi_label=(("y", "x"), _cells(v["CELLS"], im.shape, src)))
        ds.attrs["n_rois"] = int(np.unique(ds["roi_label"].values[ds["roi_label"].values > 0]).size)
    return ds


def read_lans_cells(path: PathLike, *, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """The ``CELLS`` ROI label image of a LANS ``.mat`` (int32, 0 = outside every ROI)."""
    p = existing_file(path)
    v = _load(p, max_pixels)
    if "CELLS" not in v:
        raise FileFormatError(f"{p}: no variable CELLS; expected a LANS export with ROIs")
    shape = np.shape(v["IM"]) if "IM" in v else np.shape(v["CELLS"])
    if len(shape) == 3:
        shape = shape[:2]
    return _cells(v["CELLS"], tuple(shape), str(p))

"""Micrographs (optical / SEM images of the grain structure): PNG, JPEG, BMP and other formats
Pillow reads, TIFF (tifffile) and ``.npy`` (label images). The declared image size is checked
against ``max_pixels`` before any pixel is decoded (decompression bombs), and every failure is
one FileFormatError."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import FileFormatError
from ._checks import MAX_PIXELS, check_max_pixels, check_pixels, quiet
from ._common import PathLike, existing_file
from ._npy import load_npy

__all__ = ["read_micrograph"]


def read_micrograph(path: PathLike, *, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """The image as an array: ``(y, x)`` grey values, ``(y, x, channels)`` for colour images,
    or the integer labels of a ``.npy`` label image (dtype kept)."""
    p = existing_file(path)
    limit = check_max_pixels(max_pixels)
    suffix = p.suffix.lower()
    if suffix == ".npy":
        return load_npy(p, max_pixels=limit)
    if suffix in (".tif", ".tiff"):
        from .tiff import tiff_array

        return tiff_array(p, limit)[0]
    return _read_pillow(p, limit)


def _read_pillow(p: Path, limit: int) -> np.ndarray:
    from PIL import Image

    src = str(p)
    saved = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = limit  # Pillow's own bomb check follows our limit while we read
    try:
        with quiet(), Image.open(p) as im:
            w, h = im.size
            check_pixels((h, w), max_pixels=limit, source=src, what="the image")
            if im.mode == "P":
                return np.asarray(im.convert("RGBA" if "transparency" in im.info else "RGB"))
            return np.asarray(im)
    except FileFormatError:
        raise
    except Image.DecompressionBombError:
        raise FileFormatError(
            f"{src}: the image declares more than max_pixels={limit} pixels; pass a larger "
            "max_pixels if this is intended"
        ) from None
    except (OSError, ValueError, SyntaxError, EOFError, TypeError) as exc:
        # Pillow's UnidentifiedImageError is an OSError
        raise FileFormatError(f"{src}: not a readable image ({type(exc).__name__})") from None
    finally:
        Image.MAX_IMAGE_PIXELS = saved

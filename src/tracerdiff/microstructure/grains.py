"""Grain sizes of a micrograph, ``tracerdiff grains`` and a study's ``grains``: one options object
(:class:`GrainOptions`) and one function (:func:`analyze_grains`).

The image is a photograph of the etched surface (PNG, TIFF, float ``.npy``: grains segmented
from the grooves, :func:`.segment.segment_micrograph`) or a label image (an integer ``.npy``,
one label per grain, used as it is). Lengths in um.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, field_validator

from ..options_base import GBOptionsModel, LengthUm
from ..results import ResultMixin
from .segment import GrainSegmentation
from .stats import GrainStatistics

__all__ = [
    "GrainOptions",
    "GrainsResult",
    "analyze_grains",
    "label_segmentation",
    "read_image",
    "segmentation_of",
]


class GrainOptions(GBOptionsModel):
    """``pixel_size_um`` (key ``pixel_size``: one length or [x, y]) or ``field_of_view_um``
    (key ``field_of_view``) of the image; ``labels`` the image is a label image (None: an
    integer ``.npy`` file other than uint8/uint16 is); ``direction`` of the mean linear
    intercept (x | y); for photographs ``line_width_um`` (groove width), ``min_grain_um``
    (smallest grain, ECD) and ``bright_lines`` (boundaries brighter than the grains)."""

    QUANTITY_KEYS: ClassVar[tuple[str, ...]] = (
        "pixel_size",
        "field_of_view",
        "line_width",
        "min_grain",
    )

    pixel_size_um: tuple[LengthUm, LengthUm] | None = Field(default=None, alias="pixel_size")
    field_of_view_um: tuple[LengthUm, LengthUm] | None = Field(default=None, alias="field_of_view")
    labels: bool | None = None
    direction: Literal["x", "y"] = "x"
    line_width_um: LengthUm = Field(default=1.0, gt=0, alias="line_width")
    min_grain_um: LengthUm = Field(default=2.0, ge=0, alias="min_grain")
    bright_lines: bool = False

    @field_validator("pixel_size_um", "field_of_view_um", mode="before")
    @classmethod
    def _pair(cls, v: Any) -> Any:
        """One length for both axes, or (x, y)."""
        return (v, v) if v is not None and not isinstance(v, (list, tuple)) else v

    def pixel_size_for(self, shape: tuple[int, ...]) -> tuple[float, float]:
        """(p_x, p_y) in um of an image of ``shape`` (rows, cols)."""
        from ..imaging.calibration import UncalibratedError

        if self.pixel_size_um is not None and self.field_of_view_um is not None:
            raise UncalibratedError("give the pixel size or the field of view, not both")
        if self.pixel_size_um is not None:
            return float(self.pixel_size_um[0]), float(self.pixel_size_um[1])
        if self.field_of_view_um is not None:
            return self.field_of_view_um[0] / shape[1], self.field_of_view_um[1] / shape[0]
        raise UncalibratedError(
            "grain sizes need a physical length; give the pixel size or the field of view"
        )


@dataclass(frozen=True, eq=False)
class GrainsResult(ResultMixin):
    """The grain statistics, the segmentation (for a label image: its boundaries are the pixels
    next to another label), whether the image was a label image, and the pixel size."""

    statistics: GrainStatistics
    segmentation: GrainSegmentation
    is_labels: bool
    pixel_size_um: tuple[float, float]

    @property
    def how(self) -> str:
        """How the grains were found."""
        return (
            "used as a label image" if self.is_labels else "segmented (ridge filter on the grooves)"
        )

    def to_dict(self) -> dict[str, Any]:
        """Keys: labels, pixel_size_um, segmentation, then :class:`GrainStatistics` keys."""
        return {
            "labels": self.is_labels,
            "pixel_size_um": list(self.pixel_size_um),
            "segmentation": self.segmentation.to_dict(),
            **self.statistics.to_dict(),
        }


def label_segmentation(lab: NDArray[np.int64], ps: tuple[float, float]) -> GrainSegmentation:
    """The segmentation of a label image: its boundaries are the pixels next to another label."""
    edge = np.zeros(lab.shape, dtype=bool)
    edge[:, 1:] |= lab[:, 1:] != lab[:, :-1]
    edge[1:, :] |= lab[1:, :] != lab[:-1, :]
    return GrainSegmentation(
        labels=np.where(edge, 0, lab),
        boundaries=edge,
        skeleton=edge,
        ridge=edge.astype(float),
        pixel_size_x_um=ps[0],
        pixel_size_y_um=ps[1],
    )


#: integer types of photographs (8 and 16 bit gray levels); other integer arrays are labels
PHOTO_DTYPES = (np.uint8, np.uint16)


def read_image(source: str | os.PathLike[str] | NDArray[Any]) -> tuple[NDArray[Any], bool]:
    """The image and whether it is a label image by default: an integer ``.npy`` file that is
    not 8 or 16 bit gray levels (uint8/uint16 arrays are photographs)."""
    if isinstance(source, np.ndarray):
        return source, False
    from ..io.micrograph import read_micrograph

    image = np.asarray(read_micrograph(source))
    labels = (
        Path(source).suffix.lower() == ".npy"
        and np.issubdtype(image.dtype, np.integer)
        and image.dtype not in PHOTO_DTYPES
    )
    return image, bool(labels)


def analyze_grains(
    source: str | os.PathLike[str] | NDArray[Any], options: GrainOptions
) -> GrainsResult:
    """Grain statistics (ECDs, lognormal fit, mean linear intercept) of a micrograph file or
    image array ``source``, with ``options``."""
    from .segment import segment_micrograph
    from .stats import grain_statistics

    image, label_file = read_image(source)
    is_labels = label_file if options.labels is None else options.labels
    ps = options.pixel_size_for(image.shape)
    if is_labels:
        if image.ndim != 2 or not np.issubdtype(image.dtype, np.integer):
            from ..errors import DataError

            raise DataError("a label image must be a 2D integer image")
        labels = np.asarray(image, dtype=np.int64)
        seg = label_segmentation(labels, ps)
    else:
        seg = segment_micrograph(
            np.asarray(image, dtype=float),
            pixel_size_um=ps,
            line_width_um=options.line_width_um,
            min_grain_um=options.min_grain_um,
            dark_lines=not options.bright_lines,
        )
        labels = seg.labels
    st = grain_statistics(labels, pixel_size_um=ps, direction=options.direction)
    return GrainsResult(
        statistics=st, segmentation=seg, is_labels=bool(is_labels), pixel_size_um=ps
    )


def segmentation_of(
    source: str | os.PathLike[str] | NDArray[Any], pixel_size_um: Any, *, labels: bool | None = None
) -> GrainSegmentation:
    """The :class:`GrainSegmentation` of a micrograph (default options of
    :func:`.segment.segment_micrograph`) or of a label image (``labels``; None: an integer
    ``.npy`` file is one), for locating boundaries on a map."""
    from .segment import pixel_sizes, segment_micrograph

    image, label_file = read_image(source)
    if label_file if labels is None else labels:
        return label_segmentation(np.asarray(image, dtype=np.int64), pixel_sizes(pixel_size_um))
    return segment_micrograph(np.asarray(image, dtype=float), pixel_size_um=pixel_size_um)

"""The ``regions`` analysis of a study file: regions of interest of an image measurement, their
pixels, summed counts per species and C +- error, as ``tracerdiff fraction --roi`` gives them
(docs/study.md).  ``tracerdiff view`` saves the regions drawn on its map as one of these."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from ..errors import InputError
from ._base import ID_PATTERN, Model
from .fields import InputFile

__all__ = ["RegionsSpec"]


class RegionsSpec(Model):
    """Regions of an image measurement: ``shapes`` (the ``--roi`` text of one shape each,
    ``"rect x0 y0 x1 y1"`` or ``"poly x1 y1 x2 y2 ..."``, um) or ``roi`` (a label image
    ``.npy``/``.tif``, a LANS ``.mat`` or a shapes file), as ``tracerdiff fraction --roi``."""

    id: str = Field(pattern=ID_PATTERN)
    title: str = ""
    type: Literal["regions"]
    measurement: str
    shapes: list[str] = Field(default_factory=list)
    roi: InputFile | None = None

    @field_validator("shapes")
    @classmethod
    def _shapes(cls, v: list[str]) -> list[str]:
        from ..imaging.roi_masks import parse_shapes

        for text in v:
            try:
                if len(parse_shapes(text)) != 1:
                    raise InputError("one shape per entry of shapes (split them into entries)")
            except InputError as exc:
                raise ValueError(str(exc)) from None
        return v

    @model_validator(mode="after")
    def _one_source(self) -> RegionsSpec:
        if bool(self.shapes) == (self.roi is not None):
            raise ValueError("give the regions as shapes = [...] or as roi = FILE (one of them)")
        return self

    def depends_on(self) -> list[str]:
        """No other analysis is used."""
        return []

    def measurements(self) -> list[str]:
        """The image measurement the regions are drawn on."""
        return [self.measurement]

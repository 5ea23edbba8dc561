"""Figures of the report: re-exported from :mod:`tracerdiff.study.figures` (where the
analyses render them) and :mod:`tracerdiff.figures` (the one Agg ``Figure`` factory)."""

from __future__ import annotations

from ..figures import new_figure
from ..study.figures import render

__all__ = ["new_figure", "render"]

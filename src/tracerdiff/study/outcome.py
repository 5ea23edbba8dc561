"""What an analysis produces: numbers, tables, figures and methods text, or a failure reason.

The report's content types (:class:`Table`, :class:`FigureData`, :class:`AnalysisOutcome`) are
defined in :mod:`tracerdiff.report.content`, which renders them; an adapter returns an
:class:`AnalysisOutput`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..report.content import AnalysisOutcome, FigureData, Table

__all__ = ["AnalysisOutcome", "AnalysisOutput", "FigureData", "Table"]


@dataclass(frozen=True)
class AnalysisOutput:
    """What an analysis adapter returns on success."""

    results: dict[str, Any]
    tables: tuple[Table, ...] = ()
    figures: tuple[FigureData, ...] = ()
    methods: str = ""
    warnings: tuple[str, ...] = ()
    #: in-memory result objects later analyses use (not written to results.json)
    objects: dict[str, Any] = field(default_factory=dict)

"""The run's outputs: the self-contained HTML report, figures, results.json, provenance."""

from .content import AnalysisOutcome, FigureData, Table
from .figures import new_figure, render
from .html import ReportPage, render_report
from .provenance import is_tracerdiff_output, sha256_of
from .writer import write_run

__all__ = [
    "AnalysisOutcome",
    "FigureData",
    "ReportPage",
    "Table",
    "is_tracerdiff_output",
    "new_figure",
    "render",
    "render_report",
    "sha256_of",
    "write_run",
]

"""The run's outputs: the self-contained HTML report, figures, results.json, provenance."""

from .figures import new_figure, render
from .html import render_report
from .provenance import is_tracerdiff_output, provenance
from .writer import results_document, write_run

__all__ = [
    "is_tracerdiff_output",
    "new_figure",
    "provenance",
    "render",
    "render_report",
    "results_document",
    "write_run",
]

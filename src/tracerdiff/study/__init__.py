"""Study files (TOML), the plan, and the pipeline runner (``tracerdiff run``)."""

from .load import Study, load_study
from .outcome import AnalysisOutcome, AnalysisOutput, FigureData, Table
from .plan import Plan, make_plan
from .runner import RunResult, execute_plan, run_study

__all__ = [
    "AnalysisOutcome",
    "AnalysisOutput",
    "FigureData",
    "Plan",
    "RunResult",
    "Study",
    "Table",
    "execute_plan",
    "load_study",
    "make_plan",
    "run_study",
]

"""Reports as of any day: figures per task, per unit, the task x unit matrix, ageing and
progress over time. Every function runs a fixed number of queries whatever the data size;
statuses come from the assignments as they stood on the day (``history.assignments_as_of``).
"""

from tracker.services.reports.base import ReportScope, report_scope
from tracker.services.reports.figures import (
    completion_over_time,
    programme_figures,
    task_figures,
    task_units,
)
from tracker.services.reports.matrix import Matrix, matrix
from tracker.services.reports.units import UnitRanking, unit_scores

__all__ = [
    "Matrix",
    "ReportScope",
    "UnitRanking",
    "completion_over_time",
    "matrix",
    "programme_figures",
    "report_scope",
    "task_figures",
    "task_units",
    "unit_scores",
]

"""Report pages: the programme, one task, unit scorecards, the matrix and the narrative.

Every page takes ``as_of`` (dd/mm/yyyy, default today) and the task filters, renders in a
fixed number of queries, prints cleanly (``?print=1``) and exports (``?format=xlsx|csv``).
"""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from tracker.views.reports import narrative, pages  # noqa: E402, F401  (routes)

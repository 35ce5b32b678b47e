"""Counts kept current as assignments change (``AssignmentTally``), read in place of every
assignment by the dashboard, the task list and the reports of today; checked against a full
recount by ``tracker rollups check``."""

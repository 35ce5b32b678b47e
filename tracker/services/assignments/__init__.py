"""One task given to one unit, through its workflow: focal points start, note progress and
report completion with evidence, coordinators confirm or return it (``workflow``); due
dates move by extension or by a coordinator (``due_dates``); evidence files are checked,
stored and sent (``evidence``); the assignment page reads one (``pages``), the review queue
the reports and requests waiting for coordinators (``review``), lists show them with their
time status (``listing``)."""

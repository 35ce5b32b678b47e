"""One task given to one unit, through its workflow: focal points start, note progress and
report completion with evidence, coordinators confirm or return it (``workflow``); due
dates move by extension or by a coordinator (``due_dates``); evidence files are checked and
stored (``evidence``); the assignment page and the review queue read them (``pages``), lists
show them with their time status (``listing``)."""

"""Reports as of any day: the scope every report shares (``base``), figures per task, ageing
and progress over time (``figures``), unit scorecards (``units``), the task x unit matrix
(``matrix``) and the read models of the report pages (``pages``). Every function runs a
fixed number of queries whatever the data size; statuses come from the assignments as they
stood on the day (``history.assignments_as_of``).
"""

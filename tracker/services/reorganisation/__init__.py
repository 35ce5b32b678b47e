"""Unit reorganisation: units merge into a successor from a day on.

Open assignments of the merged units pass to the successor (moved, or merged with the
assignment it already has for the task); the old assignments keep their unit and history,
in the terminal state ``transferred``. Reports before the day count the old units, from the
day on the successor. See ``tracker.domain.reorganisation`` for how assignments combine.
"""

"""``python -m tracker.cli``: the ``tracker`` command, for a child process started with the
same interpreter (the scheduler's sender) whatever the PATH."""

from tracker.cli import main

main()

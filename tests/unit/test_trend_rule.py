"""The progress chart's shortcut classification agrees with the domain's time status."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from tracker.domain.calendar import WorkCalendar
from tracker.domain.status import AssignmentState, TimeStatus, time_status
from tracker.services.reports.figures import _trend_measure

EXPECTED = {
    TimeStatus.COMPLETED_ON_TIME: "on_time",
    TimeStatus.COMPLETED_LATE: "late",
    TimeStatus.OVERDUE: "overdue",
}


def test_trend_measure_matches_time_status_on_every_branch():
    day = date(2024, 5, 2)
    calendar = WorkCalendar()
    dues = [None, *(day + timedelta(days=d) for d in (-40, -1, 0, 1, 9))]
    reports = [None, *(day + timedelta(days=d) for d in (-50, -2, -1, 0))]
    states = [s for s in AssignmentState if s != AssignmentState.TRANSFERRED]
    for state, due, submitted in itertools.product(states, dues, reports):
        if state in (AssignmentState.ASSIGNED, AssignmentState.IN_PROGRESS) and submitted:
            continue  # only reported assignments carry a report date
        late = due is not None and submitted is not None and submitted > due
        if state in (AssignmentState.COMPLETED, AssignmentState.SUBMITTED) and submitted is None:
            continue
        status = time_status(state, due, submitted, day, calendar).status
        assert _trend_measure(state, due, late, day) == EXPECTED.get(status), (
            state,
            due,
            submitted,
        )

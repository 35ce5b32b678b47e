"""The task x unit matrix: one page of units against one page of tasks, coloured by status."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy import func, select

from tracker.domain.reports import UnitRef
from tracker.extensions import db
from tracker.models import Task, Unit
from tracker.services import id_lists, status_sql
from tracker.services.reports.base import ReportScope, task_rows, unit_ref


@dataclass(frozen=True)
class Matrix:
    """One page of tasks against one page of units, with each cell's time status."""

    tasks: list[Task]
    units: list[UnitRef]
    cells: dict[tuple[int, int], str]  # (unit id, task id) -> TimeStatus value
    unit_total: int  # units with any of these tasks, for paging
    task_total: int

    def cell(self, unit_id: int, task_id: int) -> str | None:
        """Return the unit's status on the task, or None where it has no assignment."""
        return self.cells.get((unit_id, task_id))


def matrix(
    scope: ReportScope, *, unit_page: int, unit_size: int, task_page: int, task_size: int
) -> Matrix:
    """Return one page of the matrix (four queries whatever the size of the programme)."""
    task_query = task_rows(scope)
    task_total = len(scope.task_ids or ())  # the report's tasks: those task_rows selects
    tasks = list(
        db.session.scalars(task_query.limit(task_size).offset((task_page - 1) * task_size))
    )
    task_ids = [t.id for t in tasks]
    scope = dataclasses.replace(scope, task_ids=tuple(task_ids))  # rebuild only this page's
    rows = scope.rows()
    present = [id_lists.among(rows.c.task_id, task_ids)]
    if scope.group:
        present.append(Unit.group == scope.group)
    unit_ids = select(rows.c.unit_id).join(Unit, Unit.id == rows.c.unit_id).where(*present)
    unit_ids = unit_ids.distinct().subquery()
    # The page of units and how many there are in one pass over the rows; a page past the
    # end has no row to carry the count, which is then taken alone.
    found = db.session.execute(
        select(Unit, func.count().over())
        .where(Unit.id.in_(select(unit_ids.c.unit_id)))
        .order_by(Unit.group, Unit.sort_name, Unit.id)
        .limit(unit_size)
        .offset((unit_page - 1) * unit_size)
    ).all()
    units = [unit for unit, _ in found]
    if found:
        unit_total = found[0][1]
    else:
        unit_total = db.session.scalar(select(func.count()).select_from(unit_ids))
    refs = [unit_ref(u) for u in units]
    cells = {}
    if units and tasks:
        rows = scope.rows()
        query = select(
            rows.c.unit_id, rows.c.task_id, status_sql.status_expression(scope.as_of, rows.c)
        )
        query = query.where(
            id_lists.among(rows.c.task_id, task_ids),
            id_lists.among(rows.c.unit_id, [u.id for u in units]),
        )
        cells = {(uid, tid): status for uid, tid, status in db.session.execute(query)}
    return Matrix(tasks, refs, cells, unit_total or 0, task_total or 0)

"""Two provinces about to merge and a neighbour, for the reorganisation tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from support.people import office
from tracker.models import AssignmentRole

# Every assignment last changed before the merger (the factory's default would be the real
# clock, later than any merger these tests record).
BEFORE = datetime(2024, 5, 2, 3, 0, tzinfo=UTC)
MERGER_DAY = date(2024, 7, 1)  # the tests' TODAY


def merger_world(make, staff: bool = False) -> dict[str, int]:
    """Return the ids of: An and Bình (to merge), Cường (a neighbour that already has the
    report task), their assignments, focal points and an admin.

    - "shared": An in progress (lead, due 30/09), Bình not started (support, due 15/09);
    - "report": Bình submitted on 20/06; Cường in progress, due 30/08;
    - "done": An completed (stays with An).

    ``staff`` adds a coordinator and a viewer (hashing passwords is slow: only if needed).
    """
    (admin,) = office(make, "admin", language="en")
    if staff:
        office(make, "coordinator", "viewer", language="en")
    an = make.unit(code="A1", name="Tỉnh An", head_email="lanhdao.an@example.org")
    binh = make.unit(code="B1", name="Tỉnh Bình")
    cuong = make.unit(code="C1", name="Tỉnh Cường")
    fa = make.user("focal_point", email="fa@example.org", unit_id=an.id, language="en")
    fb = make.user("focal_point", email="fb@example.org", unit_id=binh.id, language="en")
    fc = make.user("focal_point", email="fc@example.org", unit_id=cuong.id, language="en")
    shared = make.task(title="Kế hoạch chung", deadline=date(2024, 9, 30))
    report = make.task(title="Báo cáo 6 tháng", deadline=date(2024, 8, 15))
    done = make.task(title="Danh mục đã ban hành", deadline=date(2024, 3, 31))

    def assign(task, unit, **fields):
        return make.assignment(task, unit, created_at=BEFORE, updated_at=BEFORE, **fields)

    an_shared = assign(shared, an, state="in_progress", role=AssignmentRole.LEAD)
    binh_shared = assign(
        shared,
        binh,
        state="assigned",
        role=AssignmentRole.SUPPORT,
        due_date=date(2024, 9, 15),
        original_due_date=date(2024, 9, 10),
    )
    binh_report = assign(report, binh, state="submitted", submitted_on=date(2024, 6, 20))
    an_done = assign(done, an, state="completed", submitted_on=date(2024, 3, 20))
    cuong_report = assign(report, cuong, state="in_progress", due_date=date(2024, 8, 30))
    return {
        "admin": admin.id,
        "an": an.id,
        "binh": binh.id,
        "cuong": cuong.id,
        "fa": fa.id,
        "fb": fb.id,
        "fc": fc.id,
        "shared": shared.id,
        "report": report.id,
        "done": done.id,
        "an_shared": an_shared.id,
        "binh_shared": binh_shared.id,
        "binh_report": binh_report.id,
        "an_done": an_done.id,
        "cuong_report": cuong_report.id,
    }

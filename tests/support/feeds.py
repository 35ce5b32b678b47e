"""A small programme for the calendar feed tests, and a parser for what a feed returns."""

from __future__ import annotations

from datetime import UTC, date, datetime

from icalendar import Calendar

from support.people import office
from support.units import hanoi_city, hue_province

SOURCE = "Kế hoạch chuyển đổi số năm 2024"
TITLE = "Xây dựng cơ sở dữ liệu chuyên ngành"


def feed_world(make) -> dict:
    """Hà Nội with one assignment in every state (and one of a closed task, one without a due
    date), Huế with its own open assignment, and one user per role."""
    hanoi, hue = hanoi_city(make), hue_province(make)
    (coordinator,) = office(make, "coordinator", language="en", name="Điều phối")
    other = make.user("coordinator", email="other@example.org", language="en")
    main = make.task(
        title=TITLE,
        deadline=date(2024, 5, 2),
        deadline_wording="trước 03/5/2024",
        source_document=SOURCE,
        owner_id=coordinator.id,
        reminder_policy={"before": [7, 3, 1], "on_due_day": True},
    )
    ids = {"hanoi": hanoi.id, "hue": hue.id, "main": main.id, "open": {}, "closed": {}}
    states = {
        "assigned": main,
        "in_progress": make.task(title="Báo cáo an toàn thông tin", deadline=date(2024, 7, 15)),
        "submitted": make.task(title="Báo cáo quý II", deadline=date(2024, 6, 30)),
        "completed": make.task(title="Đã hoàn thành", deadline=date(2024, 6, 1)),
        "not_applicable": make.task(title="Không áp dụng", deadline=date(2024, 8, 1)),
        "transferred": make.task(title="Đã chuyển", deadline=date(2024, 8, 1)),
    }
    for state, task in states.items():
        a = make.assignment(task, hanoi, state=state, submitted_on=date(2024, 6, 20))
        ids["open" if state in ("assigned", "in_progress", "submitted") else "closed"][state] = a.id
    no_date = make.task(title="Không thời hạn", owner_id=coordinator.id)
    ids["closed"]["no_due_date"] = make.assignment(no_date, hanoi).id
    shut = make.task(title="Nhiệm vụ đã đóng", deadline=date(2024, 9, 1))
    shut.closed_at = datetime(2024, 6, 1, tzinfo=UTC)
    ids["closed"]["closed_task"] = make.assignment(shut, hanoi).id
    ids["hue_open"] = make.assignment(main, hue, state="in_progress").id
    theirs = make.task(title="Nhiệm vụ của người khác", deadline=date(2024, 8, 20))
    theirs.owner_id = other.id
    ids["theirs_open"] = make.assignment(theirs, hue).id
    office(make, "viewer", language="en")
    make.user("focal_point", email="hn@example.org", unit_id=hanoi.id, language="vi", name="Lan")
    make.user("focal_point", email="hue@example.org", unit_id=hue.id, language="en")
    office(make, "admin", language="en")
    ids["coordinator"] = coordinator.id
    ids["theirs"] = theirs.id
    return ids


def parse(body: bytes) -> Calendar:
    """Return the feed parsed by the icalendar package (raises if it does not parse)."""
    return Calendar.from_ical(body)


def uids(calendar: Calendar) -> list[str]:
    return [str(event["UID"]) for event in calendar.events]


def assignment_ids(calendar: Calendar) -> set[int]:
    return {int(uid.split("@")[0].removeprefix("assignment-")) for uid in uids(calendar)}

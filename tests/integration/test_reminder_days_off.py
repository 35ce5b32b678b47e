"""Reminders of deadlines on a day off, end to end: the sweep's emails delivered to a real SMTP
server. A Sunday deadline that rolls is due on the Monday; one that keeps its date is due on
the Friday before, as before the rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from support.outbox import deliver, point_at
from support.units import ha_giang_province, lao_cai_province

from tracker.extensions import db
from tracker.models import Reminder, User
from tracker.services.assignments import due_dates
from tracker.services.reminders.sweep import run_sweep

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SUNDAY = date(2024, 6, 30)


def at(day: date, hour: int = 7, minute: int = 30) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=VN).astimezone(UTC)


@pytest.fixture
def programme(make, smtp_server, app):
    """Two tasks due Sunday 30/06/2024, one following the rule (rolls), one keeping its
    written date, each given to a province with a focal point."""
    point_at(app, smtp_server)
    coordinator = make.user("coordinator", email="dieuphoi@example.org", language="en")
    rolls = make.task(title="Báo cáo 6 tháng", deadline=SUNDAY, owner_id=coordinator.id)
    keeps = make.task(
        title="Kế hoạch năm",
        deadline=SUNDAY,
        owner_id=coordinator.id,
        deadline_day_off_rolls=False,
    )
    lao_cai, ha_giang = lao_cai_province(make), ha_giang_province(make)
    make.user("focal_point", email="dm.laocai@example.org", unit_id=lao_cai.id)
    make.user("focal_point", email="dm.hagiang@example.org", unit_id=ha_giang.id)
    ids = {
        "rolls": make.assignment(rolls, lao_cai, state="in_progress").id,
        "keeps": make.assignment(keeps, ha_giang, state="in_progress").id,
        "coordinator": coordinator.id,
    }
    db.session.commit()
    return {**ids, "inbox": smtp_server, "app": app}


def _walk(app, settings, first: date, last: date) -> None:
    day = first
    while day <= last:
        run_sweep(at(day), settings)
        deliver(app, at(day))
        day += timedelta(days=1)


def _sent(recipient: str) -> list[tuple[date, str, date]]:
    rows = db.session.execute(
        select(Reminder.sent_at, Reminder.stage, Reminder.day)
        .where(Reminder.recipient == recipient, Reminder.state == "sent")
        .order_by(Reminder.sent_at, Reminder.stage)
    ).all()
    return [(sent_at.astimezone(VN).date(), stage, day) for sent_at, stage, day in rows]


def _bodies(inbox, recipient: str) -> list[tuple[date, str]]:
    return [
        (m["Date"].datetime.astimezone(VN).date(), m.get_body(("plain",)).get_content())
        for m in inbox.messages
        if m["To"].addresses[0].addr_spec == recipient
    ]


def test_a_sunday_deadline_that_rolls_is_due_on_the_monday(programme, settings):
    _walk(programme["app"], settings, date(2024, 6, 27), date(2024, 7, 4))
    # Counted from Monday 01/07: two working days left on the first sweep (before-3), then
    # before-1 on Friday, due on Monday, overdue-3 on Thursday; the ledger's anchor stays
    # the written Sunday.
    assert _sent("dm.laocai@example.org") == [
        (date(2024, 6, 27), "before-3", SUNDAY),
        (date(2024, 6, 28), "before-1", SUNDAY),
        (date(2024, 7, 1), "due", SUNDAY),
        (date(2024, 7, 4), "overdue-3", SUNDAY),
    ]
    # Kept on the Sunday: due on Friday 28/06 (the last working day), overdue-3 on Wednesday.
    assert _sent("dm.hagiang@example.org") == [
        (date(2024, 6, 27), "before-1", SUNDAY),
        (date(2024, 6, 28), "due", SUNDAY),
        (date(2024, 7, 3), "overdue-3", SUNDAY),
    ]
    bodies = dict(_bodies(programme["inbox"], "dm.laocai@example.org"))
    monday = bodies[date(2024, 7, 1)]
    assert "Đến hạn hôm nay" in monday, monday
    assert "30/06/2024 (Chủ nhật) → hạn thực tế 01/07/2024" in monday, monday
    thursday = bodies[date(2024, 7, 4)]
    assert "quá hạn 3 ngày" in thursday, thursday  # 04/07 counted from 01/07, not 30/06
    kept = dict(_bodies(programme["inbox"], "dm.hagiang@example.org"))[date(2024, 6, 28)]
    assert "30/06/2024" in kept and "hạn thực tế" not in kept, kept


def test_a_second_sweep_and_an_extension_keep_each_stage_once(programme, settings):
    app = programme["app"]
    _walk(app, settings, date(2024, 7, 1), date(2024, 7, 1))
    run_sweep(at(date(2024, 7, 1), 16), settings)  # again, the same day
    deliver(app, at(date(2024, 7, 1), 16))
    assert [s for _d, s, _a in _sent("dm.laocai@example.org")] == ["due"]
    # A new due date on another day off re-arms the reminders, counted from its own roll:
    # Saturday 06/07 ends on Monday 08/07.
    coordinator = db.session.get(User, programme["coordinator"])
    due_dates.change_due_date(
        programme["rolls"], coordinator, at(date(2024, 7, 2), 9), None, date(2024, 7, 6), "Lùi"
    )
    _walk(app, settings, date(2024, 7, 2), date(2024, 7, 8))
    assert _sent("dm.laocai@example.org")[1:] == [
        (date(2024, 7, 2), "before-7", date(2024, 7, 6)),  # 4 working days to Monday 08/07
        (date(2024, 7, 3), "before-3", date(2024, 7, 6)),
        (date(2024, 7, 5), "before-1", date(2024, 7, 6)),
        (date(2024, 7, 8), "due", date(2024, 7, 6)),
    ]

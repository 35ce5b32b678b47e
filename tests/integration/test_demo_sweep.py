"""The demo world swept on two days of September 2024, delivered to a real SMTP server: at
most one email per envelope recipient (To and Cc) per sweep, the weekly summary aside, and
the coordinators' digests list the units escalated that day."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from support.outbox import deliver, point_at

from tracker.extensions import db
from tracker.models import EmailMessage, Reminder, Task, Unit, User
from tracker.services.demo.load import load_demo
from tracker.services.reminders.sweep import run_sweep

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: date) -> datetime:
    return datetime.combine(day, time(7, 30), tzinfo=VN).astimezone(UTC)


def _escalated_today(now: datetime) -> dict[str, set[str]]:
    """Return, per coordinator's address, the units whose head was escalated to at ``now``."""
    rows = db.session.execute(
        select(User.email, Unit.name)
        .select_from(Reminder)
        .join(Task, Task.id == Reminder.task_id)
        .join(User, User.id == Task.owner_id)
        .join(Unit, Unit.id == Reminder.unit_id)
        .where(Reminder.stage == "escalation", Reminder.claimed_at == now)
    ).all()
    found: dict[str, set[str]] = {}
    for email, unit in rows:
        found.setdefault(email, set()).add(unit)
    return found


ESCALATED = ("Escalated to unit heads today", "Đã gửi cảnh báo đến lãnh đạo đơn vị hôm nay")


def _escalations_listed(text: str) -> list[str]:
    """Return the lines of a text digest's section of the day's escalations."""
    lines = text.splitlines()
    start = next(
        i for i, line in enumerate(lines) if line.startswith(tuple(f"== {t} (" for t in ESCALATED))
    )
    section = []
    for line in lines[start + 1 :]:
        if not line.startswith("- "):
            break
        section.append(line)
    return section


@pytest.mark.parametrize("days", [(date(2024, 9, 20), date(2024, 9, 25))])
def test_the_demo_swept_twice_sends_each_address_one_email_per_sweep(
    ctx, settings, smtp_server, days
):
    point_at(ctx, smtp_server)
    escalations = {}
    load_demo(password="mat-khau-demo", settings=settings)
    for day in days:
        now = at(day)
        before = len(smtp_server.envelopes)
        report = run_sweep(now, settings)
        assert report.queued > 0 and report.unreachable == 0
        kinds = dict(
            db.session.execute(
                select(EmailMessage.message_id, EmailMessage.kind).where(
                    EmailMessage.created_at == now
                )
            ).all()
        )
        sent = deliver(ctx, now + timedelta(minutes=1))
        assert (sent.sent, sent.retrying, sent.failed) == (len(kinds), 0, 0)
        arrived = list(
            zip(smtp_server.envelopes[before:], smtp_server.messages[before:], strict=True)
        )
        assert len(arrived) == len(kinds) == report.queued
        per_recipient = Counter(
            address.lower()
            for envelope, message in arrived
            if kinds[message["Message-ID"]] != "weekly"
            for address in envelope.rcpt_tos
        )
        assert per_recipient, day
        assert per_recipient.most_common(1)[0][1] == 1, per_recipient.most_common(3)
        assert all(m.get("Cc") is None for _, m in arrived)
        # Escalations reached unit heads; each task's coordinator reads them in the digest.
        escalated = _escalated_today(now)
        escalations[day] = sum(len(units) for units in escalated.values())
        digests = {
            m["To"].addresses[0].addr_spec: m.get_body(("plain",)).get_content()
            for _, m in arrived
            if kinds[m["Message-ID"]] == "digest"
        }
        for coordinator, units in escalated.items():
            lines = _escalations_listed(digests[coordinator])
            listed = {line[2:].split(": ", 1)[0] for line in lines}
            assert listed == units, (day, coordinator)
            assert all(re.search(r" - .*\d+", line) for line in lines)  # days overdue
        heads = {address for e, _ in arrived for address in e.rcpt_tos if "lanhdao" in address}
        assert len(heads) == len(set().union(*escalated.values()))
    print("escalated units per sweep:", escalations)
    assert escalations[days[0]] > 50  # 20/09/2024: scores of units, one digest line each

"""Rendered reminder emails, in Vietnamese and English, compared with reviewed snapshots.

After an intended change, run with TRACKER_UPDATE_SNAPSHOTS=1 and read the diff.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from tracker import mail
from tracker.domain.reminders.planning import Audience, Notice
from tracker.domain.reminders.routing import group_notices
from tracker.mail import Recipient
from tracker.models import Task, Unit
from tracker.services.reminders.compose import ReminderSubject

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("TRACKER_UPDATE_SNAPSHOTS") == "1"


def _check(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE or not path.exists():
        path.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"new snapshot {name} written: review it and run again")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed"


def _notice(aid, stage, due, **numbers):
    audience = Audience.HEAD if stage == "escalation" else Audience.FOCAL
    over, left, returned = numbers.get("over"), numbers.get("left"), numbers.get("returned")
    return Notice(aid, 7, 3, stage, audience, due, over, left, returned)


TASK = Task(id=7, title="Ban hành danh mục cơ sở dữ liệu dùng chung", field="data",
            deadline=date(2024, 6, 30), deadline_wording="Quý II/2024",
            source_document="Kế hoạch chuyển đổi số năm 2024")  # fmt: skip
UNIT = Unit(id=3, code="10", name="Tỉnh Lào Cai", kind="province", group="local")


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("template", ["reminder_digest", "escalation"])
def test_reminder_emails_render_as_reviewed(app, language, template):
    app.config["BASE_URL"] = "https://tracker.example.gov.vn"
    if template == "escalation":
        notices = [_notice(11, "escalation", date(2024, 6, 30), over=8)]
        subject_args = None
    else:
        notices = [
            _notice(11, "overdue-3", date(2024, 6, 30), over=4),
            _notice(12, "due", date(2024, 7, 4), left=0),
            _notice(13, "before-3", date(2024, 7, 9), left=3),
            _notice(14, "returned-20240701", None, returned=date(2024, 7, 1)),
        ]
        subject_args = len(notices)
    with app.test_request_context():
        recipient = Recipient("dm.lao-cai@example.org", "Nguyễn Văn Bình", language)
        subject = (
            ReminderSubject(subject_args, UNIT.name)
            if subject_args
            else "Escalation: Tỉnh Lào Cai has overdue tasks"
        )
        message = mail.compose(
            template, recipient, subject, grouped=group_notices(notices),
            tasks={7: TASK}, units={3: UNIT}, link=mail.link,
        )  # fmt: skip
    _check(f"{template}.{language}.subject.txt", message.subject + "\n")
    _check(f"{template}.{language}.txt", message.body)
    _check(f"{template}.{language}.html", message.html)
    assert "https://tracker.example.gov.vn/assignments/11" in message.body
    assert "30/06/2024" in message.body

"""Rendered reminder emails and coordinators' digests, in Vietnamese and English, compared
with reviewed snapshots.

After an intended change, run with TRACKER_UPDATE_SNAPSHOTS=1 and read the diff.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from tracker.domain.reminders.coordinators import CoordinatorDigest, OverdueItem
from tracker.domain.reminders.planning import AssignmentSnapshot, Audience, Notice
from tracker.mail import Recipient
from tracker.models import Task, Unit
from tracker.services.reminders import compose

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
OTHER = Unit(id=4, code="11", name="Tỉnh Hà Giang", kind="province", group="local")


def _letter(template: str, recipient: Recipient):
    named = compose.Names({7: TASK}, {3: UNIT, 4: OTHER})
    if template == "escalation":
        return compose.reminder(
            recipient, [_notice(11, "escalation", date(2024, 6, 30), over=8)], named
        )
    if template == "reminder_digest":
        notices = [
            _notice(11, "overdue-3", date(2024, 6, 30), over=4),
            _notice(12, "due", date(2024, 7, 4), left=0),
            _notice(13, "before-3", date(2024, 7, 9), left=3),
            _notice(14, "returned-20240701", None, returned=date(2024, 7, 1)),
        ]
        return compose.reminder(recipient, notices, named)
    escalated = _notice(11, "escalation", date(2024, 6, 30), over=8)
    digest = CoordinatorDigest(
        overdue=(OverdueItem(AssignmentSnapshot(11, 7, 3, "in_progress", date(2024, 6, 30)), 8),),
        awaiting_confirmation=(
            AssignmentSnapshot(15, 7, 4, "submitted", date(2024, 6, 30), None, date(2024, 7, 5)),
        ),
        escalated=(escalated,),
    )
    # The coordinator is also the head of another unit: that escalation comes in the digest.
    own = [Notice(16, 7, 4, "escalation", Audience.HEAD, date(2024, 6, 28), 10, None)]
    extensions = [compose.PendingExtension(17, date(2024, 7, 31), "Chờ kinh phí được phân bổ")]
    return compose.daily_digest(recipient, digest, extensions, date(2024, 7, 8), named, own=own)


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("template", ["reminder_digest", "escalation", "coordinator_digest"])
def test_reminder_emails_render_as_reviewed(app, language, template):
    app.config["BASE_URL"] = "https://tracker.example.gov.vn"
    with app.test_request_context():
        recipient = Recipient("dm.lao-cai@example.org", "Nguyễn Văn Bình", language)
        letter = _letter(template, recipient)
    _check(f"{template}.{language}.subject.txt", letter.subject + "\n")
    _check(f"{template}.{language}.txt", letter.text)
    _check(f"{template}.{language}.html", letter.html)
    body = letter.html if template == "coordinator_digest" else letter.text
    assert "https://tracker.example.gov.vn/assignments/11" in body
    assert "30/06/2024" in letter.text or template == "coordinator_digest"

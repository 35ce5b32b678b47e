"""The outbox in Chromium: the Reminders status page warning that email is stuck, the email
log with its states, and an administrator retrying a failed email."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from support.units import lao_cai_province

from tracker import clock
from tracker.extensions import db
from tracker.models import EmailMessage, Heartbeat, Reminder, SweepRun

PASSWORD = "secret-pass"
REJECTED = "550 5.1.1 <minh.tv@haiphong.gov.vn>: Recipient address rejected: User unknown"
LATER = "421 4.7.0 Too many connections, try again later"
SENDER = "Theo dõi nhiệm vụ CĐS <tracker@mic.gov.vn>"
HTML = (
    '<div style="font-family: sans-serif"><p>Kính gửi ông/bà {name},</p>'
    "<p>Đơn vị có <strong>{count} nhiệm vụ</strong> cần xử lý:</p>"
    '<ul><li>Ban hành kế hoạch dữ liệu mở — <span style="color:#dc3545">quá hạn 3 ngày làm '
    "việc</span></li></ul><p>Trân trọng.</p></div>"
)


def _world(make) -> None:
    make.user("admin", email="admin@example.org", name="Quản trị hệ thống", language="vi")
    unit = lao_cai_province(make)
    task = make.task(title="Ban hành kế hoạch dữ liệu mở", deadline=date(2024, 6, 28))
    assignment = make.assignment(task, unit, state="in_progress")
    now = clock.now()
    db.session.add(SweepRun(kind="sweep", started_at=now - timedelta(hours=3),
                            finished_at=now - timedelta(hours=3), status="ok", planned=174,
                            sent=174))  # fmt: skip
    people = [
        ("Nguyễn Thị Hoa", "hoa.nt@laocai.gov.vn", "sent", 1, "250 2.0.0 Ok: queued as 4Wd9Kp"),
        ("Trần Văn Minh", "minh.tv@haiphong.gov.vn", "failed", 5, REJECTED),
        ("Lê Thị Thu", "thu.lt@hanoi.gov.vn", "pending", 2, LATER),
        ("Phạm Quốc Bảo", "bao.pq@danang.gov.vn", "pending", 0, ""),
        ("Hoàng Văn Nam", "nam.hv@hue.gov.vn", "sending", 1, ""),
        ("Đỗ Thị Lan", "lan.dt@cantho.gov.vn", "cancelled", 0, ""),
    ]  # fmt: skip
    for n, (name, address, state, attempts, text) in enumerate(people):
        created = now - timedelta(minutes=48 - n)
        row = EmailMessage(
            kind="reminder",
            message_id=f"<1727.{n}.4242@mic.gov.vn>",
            sender=SENDER,
            to=address,
            to_name=name,
            cc="chanhvp@laocai.gov.vn" if n == 1 else "",
            subject=f"[Theo dõi CĐS] Tỉnh Lào Cai: {n + 1} nhiệm vụ quá hạn cần xử lý",
            headers={
                "Auto-Submitted": "auto-generated",
                "List-Id": "Theo dõi nhiệm vụ CĐS <tracker.mic.gov.vn>",
                "List-Unsubscribe": "<https://tracker.mic.gov.vn/account/notifications>",
            },
            created_at=created,
            next_attempt_at=now + timedelta(minutes=25) if attempts and state == "pending"
            else created,
            locked_at=now if state == "sending" else None,
            sent_at=created + timedelta(seconds=3) if state == "sent" else None,
            state=state,
            attempts=attempts,
            reply=text if state == "sent" else "",
            error=text if state != "sent" else "",
            unit_id=unit.id,
            body_text=f"Kính gửi ông/bà {name},\n\nĐơn vị có {n + 1} nhiệm vụ cần xử lý.",
            body_html=HTML.format(name=name, count=n + 1),
        )  # fmt: skip
        db.session.add(row)
        db.session.flush()
        if state == "failed":
            db.session.add(
                Reminder(
                    dedupe_key=f"a:{assignment.id}:{address}",
                    kind="assignment",
                    assignment_id=assignment.id,
                    task_id=task.id,
                    unit_id=unit.id,
                    recipient=address,
                    stage="overdue-3",
                    day=date(2024, 6, 28),
                    state="failed",
                    claimed_at=created,
                    email_id=row.id,
                )
            )
    db.session.add(Heartbeat(name="sender", beat_at=now - timedelta(minutes=47),
                             detail="may-chu-01 pid 4127"))  # fmt: skip


@pytest.fixture
def server(build, live_server):
    build(_world)
    return live_server


def test_status_warns_and_an_admin_retries_from_the_log(page: Page, server, shoot):
    page.goto(f"{server}/login")
    page.locator("#email").fill("admin@example.org")
    page.locator("#password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()

    page.goto(f"{server}/reminders/")
    warning = page.get_by_test_id("outbox-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Bộ gửi thư có vẻ đã dừng.")
    expect(warning).to_contain_text("tracker scheduler")
    expect(page.get_by_test_id("depth")).to_have_text("3")
    shoot("outbox-status-stuck")

    page.get_by_test_id("failed").get_by_role("link").click()
    expect(page.get_by_role("heading", name="Nhật ký gửi email")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(1)
    page.goto(f"{server}/reminders/log")
    expect(page.locator("tbody tr")).to_have_count(6)
    expect(page.get_by_text("Recipient address rejected")).to_be_visible()
    shoot("outbox-log")

    page.get_by_role(
        "link", name="[Theo dõi CĐS] Tỉnh Lào Cai: 2 nhiệm vụ quá hạn cần xử lý"
    ).click()
    expect(page.get_by_text("<1727.1.4242@mic.gov.vn>")).to_be_visible()
    expect(page.frame_locator("iframe").get_by_text("quá hạn 3 ngày làm việc")).to_be_visible()
    shoot("outbox-email")
    page.get_by_test_id("retry").get_by_role("button").click()
    expect(page.get_by_text("Email đã được đưa lại vào hàng đợi")).to_be_visible()
    expect(page.get_by_test_id("state")).to_have_text("Đang chờ gửi")
    shoot("outbox-email-retried")

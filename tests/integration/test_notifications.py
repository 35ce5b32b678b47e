"""Notifications when things happen: written with the change, emailed once the coalescing
window has passed (one email per person, whatever the number of items), by preference, in
the recipient's language; checked at a real SMTP server."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from support.notifications import html_of, text_of
from support.outbox import deliver, point_at
from support.people import office
from support.today import NOW, TODAY
from support.units import hanoi_city, hue_province

from tracker.extensions import db
from tracker.models import EmailMessage, Notification, NotificationPreference, UnitKind
from tracker.services.assignments import due_dates, workflow
from tracker.services.errors import ServiceError
from tracker.services.notifications import emails, preferences, pruning
from tracker.services.notifications.kinds import DIGEST, EMAILED, IMMEDIATE, OFF
from tracker.services.outbox.queue import queue
from tracker.services.tasks import assigning, editing
from tracker.services.tasks.assigning import UnitSelection

WINDOW = timedelta(minutes=10)


def _notifications(**where) -> list[Notification]:
    query = select(Notification).order_by(Notification.id)
    for name, value in where.items():
        query = query.where(getattr(Notification, name) == value)
    return list(db.session.scalars(query))


def _outbox() -> int:
    return db.session.scalar(select(func.count(EmailMessage.id)))


def _provinces(make, count: int):
    """Return ``count`` provinces, each with its focal point (every third in English)."""
    units = []
    for n in range(count):
        unit = make.unit(name=f"Tỉnh số {n + 1}", kind=UnitKind.PROVINCE)
        make.user(
            "focal_point",
            email=f"fp{n + 1}@example.org",
            name=f"Đầu mối {n + 1}",
            unit_id=unit.id,
            language="en" if n % 3 == 0 else "vi",
        )
        units.append(unit)
    return units


@pytest.fixture
def coordinator(make):
    [user] = office(make, "coordinator")
    return user


def test_one_task_to_the_63_provinces_is_63_notifications_and_63_emails_one_each(
    app, ctx, make, coordinator, settings, smtp_server
):
    _provinces(make, 63)
    task = make.task(title="Báo cáo số liệu dịch vụ công trực tuyến", deadline=date(2024, 9, 30))
    make.task(title="Nhiệm vụ khác")  # nothing assigned: nobody told
    result = assigning.assign_units(
        task.id, UnitSelection(groups=frozenset({"local"})), actor=coordinator, now=NOW
    )
    assert result.created == 63
    told = _notifications(kind="assigned")
    assert len(told) == 63 and {n.delivery for n in told} == {IMMEDIATE}
    assert coordinator.id not in {n.user_id for n in told}  # the actor is not told

    assert emails.flush_due(NOW + WINDOW - timedelta(seconds=1), settings) == 0
    assert _outbox() == 0
    assert emails.flush_due(NOW + WINDOW, settings) == 63
    assert _outbox() == 63
    assert {n.delivery for n in _notifications()} == {EMAILED}
    assert emails.flush_due(NOW + 2 * WINDOW, settings) == 0  # each item emailed once

    report = deliver(point_at(app, smtp_server), NOW + WINDOW)
    assert report.sent == 63
    recipients = sorted(m["To"].addresses[0].addr_spec for m in smtp_server.messages)
    assert recipients == sorted(f"fp{n}@example.org" for n in range(1, 64))
    by_address = {m["To"].addresses[0].addr_spec: m for m in smtp_server.messages}
    english, vietnamese = by_address["fp1@example.org"], by_address["fp2@example.org"]
    assert english["Subject"].endswith("Task assigned: Báo cáo số liệu dịch vụ công trực tuyến")
    assert vietnamese["Subject"].endswith(
        "Nhiệm vụ mới được giao: Báo cáo số liệu dịch vụ công trực tuyến"
    )
    body = text_of(english)
    assert "Due date: 30/09/2024" in body and "Tỉnh số 1" in body
    assert "/assignments/" in body and "/account/notifications" in body
    assert "Hạn: 30/09/2024" in text_of(vietnamese)


def test_twelve_tasks_to_one_unit_within_the_window_are_one_email_listing_the_twelve(
    app, ctx, make, coordinator, settings, smtp_server
):
    [unit] = _provinces(make, 1)
    titles = [f"Nhiệm vụ số {n:02d} về chuyển đổi số" for n in range(1, 13)]
    for minute, title in enumerate(titles):
        task = make.task(title=title, deadline=date(2024, 12, 31))
        assigning.assign_units(
            task.id,
            UnitSelection(unit_ids=frozenset({unit.id})),
            actor=coordinator,
            now=NOW + timedelta(minutes=minute / 2),
        )
    assert emails.flush_due(NOW + WINDOW - timedelta(seconds=1), settings) == 0
    assert emails.flush_due(NOW + WINDOW, settings) == 1
    [row] = db.session.scalars(select(EmailMessage))
    assert {n.email_id for n in _notifications()} == {row.id}

    deliver(point_at(app, smtp_server), NOW + WINDOW)
    [message] = smtp_server.messages
    assert message["To"].addresses[0].addr_spec == "fp1@example.org"
    assert message["Subject"].endswith("12 updates: 12 tasks assigned")
    body, html = text_of(message), html_of(message)
    for title in titles:
        assert title in body and title in html
    assert body.count("/assignments/") == 12


def test_a_return_reaches_the_focal_point_with_its_reason_in_their_language(
    app, ctx, make, coordinator, settings, smtp_server
):
    hanoi, hue = hanoi_city(make), hue_province(make)
    make.user("focal_point", email="hn@example.org", name="Lan", unit_id=hanoi.id, language="vi")
    make.user("focal_point", email="hue@example.org", name="Mai", unit_id=hue.id, language="en")
    task = make.task(
        title="Kế hoạch dữ liệu mở", deadline=date(2024, 9, 30), owner_id=coordinator.id
    )
    reason = "Thiếu phụ lục số liệu;\nđề nghị bổ sung biểu mẫu 02."
    for unit in (hanoi, hue):
        assignment = make.assignment(task, unit, state="submitted", submitted_on=TODAY)
        workflow.return_submission(assignment.id, coordinator, NOW, assignment.version, reason)
    assert emails.flush_due(NOW + WINDOW, settings) == 2
    deliver(point_at(app, smtp_server), NOW + WINDOW)
    by_address = {m["To"].addresses[0].addr_spec: m for m in smtp_server.messages}
    vi, en = by_address["hn@example.org"], by_address["hue@example.org"]
    assert vi["Subject"].endswith("Báo cáo bị trả lại: Kế hoạch dữ liệu mở")
    assert en["Subject"].endswith("Report returned: Kế hoạch dữ liệu mở")
    assert "Thiếu phụ lục số liệu;" in text_of(vi) and "đề nghị bổ sung biểu mẫu 02." in text_of(vi)
    assert "Lý do:" in text_of(vi) and "Reason:" in text_of(en)
    assert "Kính gửi Lan," in text_of(vi) and "Hello Mai," in text_of(en)
    assert "Thiếu phụ lục số liệu;" in html_of(en)


def test_every_workflow_event_tells_the_right_people(ctx, make, coordinator):
    hanoi = hanoi_city(make)
    focal = make.user("focal_point", email="hn@example.org", unit_id=hanoi.id)
    other_coordinator = make.user("coordinator", email="other@example.org")
    task = make.task(title="Nhiệm vụ", deadline=date(2024, 9, 30), owner_id=coordinator.id)
    assignment = make.assignment(task, hanoi)

    request = due_dates.request_extension(
        assignment.id, focal, NOW, date(2024, 10, 31), "Chờ số liệu", today=TODAY
    )
    due_dates.approve(request.id, other_coordinator, NOW, note="Đồng ý")
    due_dates.change_due_date(
        assignment.id, other_coordinator, NOW, None, date(2024, 11, 15), "Điều chỉnh"
    )
    workflow.submit_completion(
        assignment.id, focal, NOW, None, "12/BC", None, "", "", [], settings=_settings(ctx)
    )
    workflow.confirm(assignment.id, other_coordinator, NOW, None)
    told = [(n.user_id, n.kind) for n in _notifications()]
    assert told == [
        (coordinator.id, "extension_requested"),
        (focal.id, "extension_decided"),
        (focal.id, "due_changed"),
        (coordinator.id, "submitted"),
        (focal.id, "confirmed"),
    ]
    decided = _notifications(kind="extension_decided")[0]
    assert decided.data["approved"] is True and decided.data["new"] == "2024-10-31"
    assert _notifications(kind="due_changed")[0].data["old"] == "2024-10-31"


def _settings(app):
    from tracker.settings import Settings

    return Settings.from_config(app.config, app.instance_path)


def test_a_refused_extension_tells_the_unit_with_the_reason(ctx, make, coordinator):
    hanoi = hanoi_city(make)
    focal = make.user("focal_point", email="hn@example.org", unit_id=hanoi.id)
    task = make.task(title="Nhiệm vụ", deadline=date(2024, 9, 30), owner_id=coordinator.id)
    assignment = make.assignment(task, hanoi)
    request = due_dates.request_extension(
        assignment.id, focal, NOW, date(2024, 10, 31), "Chờ số liệu", today=TODAY
    )
    due_dates.reject(request.id, coordinator, NOW, "Không đủ căn cứ")
    [decided] = _notifications(kind="extension_decided")
    assert decided.user_id == focal.id
    assert decided.data == {
        "request_id": request.id, "approved": False, "requested": "2024-10-31",
        "note": "Không đủ căn cứ",
    }  # fmt: skip
    # The owner decided: not told of their own decision, but was told of the request.
    assert [n.kind for n in _notifications(user_id=coordinator.id)] == ["extension_requested"]


def test_editing_a_task_tells_its_open_units_of_content_and_moved_due_dates(ctx, make, coordinator):
    hanoi, hue = hanoi_city(make), hue_province(make)
    for unit in (hanoi, hue):
        make.user("focal_point", unit_id=unit.id)
    closed_unit = make.unit()
    make.user("focal_point", unit_id=closed_unit.id)
    task = editing.create_task(
        editing.TaskInput(title="Cũ", field="data", deadline=date(2024, 9, 30)),
        actor=coordinator,
        now=NOW,
    )
    follows = make.assignment(task, hanoi)
    make.assignment(task, hue, due_date=date(2024, 10, 31))  # its own due date stays
    make.assignment(task, closed_unit, state="completed")
    db.session.commit()
    editing.update_task(
        task.id,
        editing.TaskInput(
            title="Mới", field="data", description="Chi tiết", deadline=date(2024, 10, 15)
        ),
        actor=coordinator,
        now=NOW,
        version=task.version,
    )
    changed = _notifications(kind="task_changed")
    assert len(changed) == 2  # the two open assignments, not the completed one
    assert changed[0].data == {"fields": ["description", "title"]}
    [moved] = _notifications(kind="due_changed")
    assert moved.assignment_id == follows.id
    assert moved.data["old"] == "2024-09-30" and moved.data["new"] == "2024-10-15"


def test_bulk_confirmation_and_recurrence_notify_in_bounded_statements(
    ctx, make, coordinator, query_counter
):
    units = _provinces(make, 20)
    task = make.task(title="Nhiệm vụ", deadline=date(2024, 9, 30))
    ids = [make.assignment(task, u, state="submitted", submitted_on=TODAY).id for u in units]
    with query_counter() as statements:
        result = workflow.bulk_confirm(ids, coordinator, NOW)
    assert len(result.confirmed) == 20
    assert len(_notifications(kind="confirmed")) == 20
    notification_statements = [s for s in statements if "notification" in s.lower()]
    assert len(notification_statements) == 2  # their preferences, then one insert


def test_off_keeps_it_in_the_app_only_and_digest_waits_for_the_daily_email(
    app, ctx, make, coordinator, settings, smtp_server
):
    hanoi, hue, third = hanoi_city(make), hue_province(make), make.unit()
    off = make.user("focal_point", email="off@example.org", unit_id=hanoi.id)
    digest = make.user("focal_point", email="digest@example.org", unit_id=hue.id, language="en")
    make.user("focal_point", email="now@example.org", unit_id=third.id)
    preferences.save(off, {"assigned": OFF}, now=NOW)
    preferences.save(digest, {"assigned": DIGEST}, now=NOW)
    task = make.task(title="Nhiệm vụ ưu tiên", deadline=date(2024, 9, 30))
    assigning.assign_units(
        task.id,
        UnitSelection(unit_ids=frozenset({hanoi.id, hue.id, third.id})),
        actor=coordinator,
        now=NOW,
    )
    deliveries = {n.user_id: n.delivery for n in _notifications()}
    assert deliveries[off.id] == OFF and deliveries[digest.id] == DIGEST
    assert emails.flush_due(NOW + WINDOW, settings) == 1  # only the immediate one
    deliver(point_at(app, smtp_server), NOW + WINDOW)
    assert [m["To"].addresses[0].addr_spec for m in smtp_server.messages] == ["now@example.org"]

    items = emails.digest_items([off.id, digest.id])
    assert list(items) == [digest.id]
    [item] = items[digest.id]
    assert item.kind == "assigned" and item.task_title == "Nhiệm vụ ưu tiên"
    assert item.unit_name == hue.name and item.url.endswith(f"/assignments/{item.assignment_id}")

    assert emails.daily_letters(NOW + WINDOW, settings, skip_user_ids=[digest.id]) == ([], [])
    letters, ids = emails.daily_letters(NOW + WINDOW, settings)
    assert ids == [[item.id]]
    [letter] = letters
    assert letter.to.email == "digest@example.org" and letter.kind == "notification_digest"
    assert "Daily summary: 1 update" in letter.subject and "Nhiệm vụ ưu tiên" in letter.text
    email_ids = queue(letters, now=NOW + WINDOW, settings=settings)
    emails.mark_emailed(ids, email_ids)
    assert emails.digest_items([digest.id]) == {}
    assert _notifications(user_id=digest.id)[0].email_id == email_ids[0]


def test_reminders_and_security_emails_cannot_be_switched_off(ctx, make):
    focal = make.user("focal_point", unit_id=make.unit().id)
    for choice in ({"reminder": OFF}, {"password_reset": OFF}, {"submitted": OFF}):
        with pytest.raises(ServiceError):
            preferences.save(focal, choice, now=NOW)
    with pytest.raises(ServiceError):
        preferences.save(focal, {"assigned": "sometimes"}, now=NOW)
    assert db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 0


def test_saving_preferences_records_who_changed_what(ctx, make):
    from tracker.models import Event

    focal = make.user("focal_point", unit_id=make.unit().id)
    assert preferences.save(focal, {"returned": DIGEST, "assigned": IMMEDIATE}, now=NOW) == {
        "returned": [IMMEDIATE, DIGEST]
    }
    assert preferences.modes_of(focal)["returned"] == DIGEST
    [event] = db.session.scalars(select(Event).where(Event.kind == preferences.CHANGED_EVENT))
    assert event.actor_id == focal.id and event.target == f"user:{focal.id}"
    assert event.data == {"returned": [IMMEDIATE, DIGEST]}
    assert preferences.save(focal, {"returned": DIGEST}, now=NOW) == {}  # nothing to record


def test_prune_removes_only_notifications_past_the_keeping_period(ctx, make, settings):
    from sqlalchemy import insert

    user = make.user("focal_point", unit_id=make.unit().id)
    keep = timedelta(days=settings.notification_keep_days)
    ages = [keep + timedelta(days=1), keep + timedelta(seconds=1), keep, timedelta(days=1)]
    db.session.execute(
        insert(Notification),
        [
            {"user_id": user.id, "kind": "assigned", "created_at": NOW - age, "data": {},
             "delivery": EMAILED}
            for age in ages
        ],
    )  # fmt: skip
    assert pruning.prune(NOW, settings) == 2
    assert sorted(NOW - n.created_at for n in _notifications()) == [timedelta(days=1), keep]


def test_a_deactivated_person_is_not_emailed_and_their_items_stop_waiting(
    ctx, make, coordinator, settings
):
    [unit] = _provinces(make, 1)
    task = make.task(title="Nhiệm vụ", deadline=date(2024, 9, 30))
    assigning.assign_units(
        task.id, UnitSelection(unit_ids=frozenset({unit.id})), actor=coordinator, now=NOW
    )
    [told] = _notifications()
    db.session.get(type(coordinator), told.user_id).active = False
    db.session.commit()
    assert emails.flush_due(NOW + WINDOW, settings) == 0
    assert _outbox() == 0
    assert _notifications()[0].delivery == OFF


def test_removing_an_assignment_keeps_its_notifications_pointing_at_the_task(
    ctx, make, coordinator
):
    from tracker.services.notifications import centre
    from tracker.services.tasks import removing

    [unit] = _provinces(make, 1)
    task = make.task(title="Nhiệm vụ", deadline=date(2024, 9, 30))
    assigning.assign_units(
        task.id, UnitSelection(unit_ids=frozenset({unit.id})), actor=coordinator, now=NOW
    )
    [told] = _notifications()
    removing.remove_assignment(task.id, told.assignment_id, actor=coordinator, now=NOW)
    db.session.expire_all()
    [kept] = _notifications()
    assert kept.assignment_id is None and kept.task_id == task.id
    assert centre.target_of(kept) == ("tasks.detail", {"task_id": task.id})


def test_the_updates_partial_lists_digest_items_on_its_own(ctx, make, coordinator):
    """The daily sweep includes ``email/_updates`` in the email it sends each person."""
    from flask import render_template_string

    hanoi = hanoi_city(make)
    focal = make.user("focal_point", unit_id=hanoi.id)
    preferences.save(focal, {"returned": DIGEST}, now=NOW)
    task = make.task(title="Kế hoạch dữ liệu mở", deadline=date(2024, 9, 30))
    assignment = make.assignment(task, hanoi, state="submitted", submitted_on=TODAY)
    workflow.return_submission(assignment.id, coordinator, NOW, None, "Thiếu biểu mẫu 02")
    items = emails.digest_items([focal.id])[focal.id]
    for kind in ("txt", "html"):
        rendered = render_template_string(
            f'{{% from "email/_updates.{kind}" import update_list %}}{{{{ update_list(items) }}}}',
            items=items,
        )
        assert "Report returned" in rendered and "Kế hoạch dữ liệu mở" in rendered
        assert "Thiếu biểu mẫu 02" in rendered and f"/assignments/{assignment.id}" in rendered

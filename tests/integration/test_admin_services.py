"""Administration services: accounts, units, calendar overrides and the audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from support.outbox import deliver
from support.people import office

from tracker.extensions import db
from tracker.models import CalendarOverride, EmailMessage, Event, Unit, UnitKind, User
from tracker.services import accounts
from tracker.services.admin import audit as admin_audit
from tracker.services.admin import calendar as admin_calendar
from tracker.services.admin import units as admin_units
from tracker.services.admin import users as admin_users
from tracker.services.admin.units import UnitFields
from tracker.services.errors import NotAllowed, ServiceError

NOW = datetime(2024, 7, 1, 3, 0, tzinfo=UTC)
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def smtp(ctx, smtp_server):
    ctx.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    smtp_server.app = ctx
    return smtp_server


@pytest.fixture
def admin(make):
    (user,) = office(make, "admin", language="en")
    db.session.commit()
    return user


def _kinds() -> list[str]:
    return list(db.session.scalars(select(Event.kind).order_by(Event.id)))


def _new_user(admin, settings, **overrides):
    fields = {
        "email": "new@example.org",
        "name": "Trần Văn Mới",
        "role": "coordinator",
        "unit_id": None,
        "language": "en",
    }
    fields.update(overrides)
    return admin_users.create_user(admin, NOW, settings=settings, **fields)


@pytest.mark.parametrize("role", ["coordinator", "viewer", "focal_point"])
def test_only_admins_may_administer(make, settings, role):
    unit = make.unit()
    someone = make.user(role, unit_id=unit.id if role == "focal_point" else None)
    db.session.commit()
    calls = [
        lambda: _new_user(someone, settings),
        lambda: admin_users.set_user_active(someone, NOW, someone.id, False),
        lambda: admin_units.create_unit(someone, NOW, UnitFields("X1", "Tỉnh X", "province")),
        lambda: admin_units.set_unit_active(someone, NOW, unit.id, False),
        lambda: admin_calendar.add_override(
            someone, NOW, day=date(2024, 9, 3), is_working=False, note="TB 1"
        ),
        lambda: admin_audit.audit_query(someone, admin_audit.AuditFilters(), VN),
    ]
    for call in calls:
        with pytest.raises(NotAllowed):
            call()
    assert db.session.scalars(select(Event)).all() == []
    assert db.session.get(Unit, unit.id).active


def test_a_new_account_gets_an_emailed_link_and_no_known_password(admin, smtp, settings):
    user = _new_user(admin, settings, email=" New@Example.org ")
    assert user.email == "new@example.org"
    # The account, its token and its invitation are committed together; the sender mails it.
    email = db.session.scalars(select(EmailMessage)).one()
    assert (email.kind, email.to, email.user_id, email.state) == (
        "invitation",
        "new@example.org",
        user.id,
        "pending",
    )
    assert smtp.messages == []
    assert deliver(smtp.app).sent == 1
    (message,) = smtp.messages
    assert message["To"].addresses[0].addr_spec == "new@example.org"
    assert message["Subject"].endswith("Your account")
    body = message.get_body(("plain",)).get_content()
    assert "Coordinator" in body and "http://127.0.0.1:5000/password/reset/" in body
    token = body.split("/password/reset/")[1].split()[0]
    # The invitation lasts longer than a reset link.
    accounts.check_reset_token(token, now=NOW + timedelta(hours=71))
    assert _kinds() == ["user_created", "invitation_sent"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "ADMIN@example.org"}, "already uses this email"),
        ({"role": "focal_point"}, "must belong to a unit"),
        ({"role": "coordinator", "unit_id": "UNIT"}, "Only focal points"),
        ({"role": "focal_point", "unit_id": "INACTIVE"}, "active unit"),
        ({"role": "boss"}, "Choose a role"),
        ({"language": "fr"}, "not available"),
        ({"name": "  "}, "Enter the name"),
    ],
)
def test_a_bad_new_account_is_refused_and_nothing_is_saved(
    make, admin, smtp, settings, overrides, message
):
    units = {"UNIT": make.unit().id, "INACTIVE": make.unit(active=False).id}
    if overrides.get("unit_id") in units:
        overrides = {**overrides, "unit_id": units[overrides["unit_id"]]}
    with pytest.raises(ServiceError, match=message):
        _new_user(admin, settings, **overrides)
    assert db.session.scalar(select(User).where(User.email == "new@example.org")) is None
    assert db.session.scalars(select(EmailMessage)).all() == [] and _kinds() == []


def test_editing_records_each_change_and_refuses_changing_ones_own_role(
    make, admin, smtp, settings
):
    unit = make.unit()
    user = _new_user(admin, settings)
    admin_users.update_user(
        admin,
        NOW,
        user.id,
        name="Trần Văn Mới",
        role="focal_point",
        unit_id=unit.id,
        language="vi",
        languages=settings.languages,
    )
    event = db.session.scalars(select(Event).where(Event.kind == "user_updated")).one()
    assert event.data == {
        "role": ["coordinator", "focal_point"],
        "unit_id": [None, unit.id],
        "language": ["en", "vi"],
    }
    assert event.unit_id == unit.id
    with pytest.raises(ServiceError, match="own role"):
        admin_users.update_user(
            admin,
            NOW,
            admin.id,
            name="A",
            role="viewer",
            unit_id=None,
            language="en",
            languages=settings.languages,
        )
    assert db.session.get(User, admin.id).role == "admin"


def test_deactivation_ends_sessions_and_an_admin_cannot_deactivate_themself(make, admin, settings):
    user = make.user("viewer")
    db.session.commit()
    token = user.session_token
    with pytest.raises(ServiceError, match="your own account"):
        admin_users.set_user_active(admin, NOW, admin.id, False)
    admin_users.set_user_active(admin, NOW, user.id, False)
    assert not user.active and user.session_token != token
    with pytest.raises(ServiceError, match="deactivated"):
        admin_users.send_password_link(admin, NOW, user.id, settings=settings)
    admin_users.set_user_active(admin, NOW, user.id, True)
    assert user.active
    assert _kinds() == ["user_deactivated", "user_reactivated"]


def test_the_user_list_filters_by_role_unit_status_and_text(make, admin):
    hue = make.unit(name="Tỉnh Thừa Thiên Huế", code="46")
    make.user("focal_point", name="Lê Thị Huế", email="le@hue.gov.vn", unit_id=hue.id)
    make.user("viewer", name="Viewer", email="v@example.org", active=False)
    db.session.commit()

    def emails(**filters):
        query = admin_users.user_query(admin_users.UserFilters(**filters))
        return sorted(u.email for u in db.session.scalars(query))

    assert emails(role="focal_point") == ["le@hue.gov.vn"]
    assert emails(unit="thua thien") == ["le@hue.gov.vn"] == emails(unit="46")
    assert emails(unit_id=hue.id) == ["le@hue.gov.vn"]
    assert emails(active=False) == ["v@example.org"]
    assert emails(q="HUE.GOV") == ["le@hue.gov.vn"]


def _unit(code="01", name="Thành phố Hà Nội", kind="city", **extra) -> UnitFields:
    return UnitFields(code=code, name=name, kind=kind, **extra)


def test_a_unit_takes_its_group_from_the_kind_unless_told(admin):
    city = admin_units.create_unit(admin, NOW, _unit())
    ministry = admin_units.create_unit(
        admin, NOW, _unit(code="byt", name="Bộ Y tế", kind=UnitKind.MINISTRY)
    )
    other = admin_units.create_unit(
        admin, NOW, _unit(code="X", name="Khác", kind="other", group="local")
    )
    assert (city.group, ministry.group, other.group) == ("local", "central", "local")
    assert ministry.code == "BYT"
    event = db.session.scalars(select(Event).where(Event.unit_id == city.id)).one()
    assert (event.kind, event.target) == ("unit_created", f"unit:{city.id}")


@pytest.mark.parametrize(
    ("existing", "new", "refused"),
    [
        ((None, None), (None, None), True),
        ((None, date(2025, 6, 30)), (date(2025, 7, 1), None), False),
        ((None, date(2025, 7, 1)), (date(2025, 7, 1), None), True),
        ((date(2024, 1, 1), None), (None, date(2023, 12, 31)), False),
        ((date(2024, 1, 1), date(2024, 12, 31)), (date(2024, 6, 1), date(2024, 6, 30)), True),
    ],
)
def test_a_code_is_unique_among_units_active_at_the_same_time(admin, existing, new, refused):
    admin_units.create_unit(admin, NOW, _unit(valid_from=existing[0], valid_to=existing[1]))
    fields = _unit(name="Thành phố Hà Nội (mới)", valid_from=new[0], valid_to=new[1])
    if refused:
        with pytest.raises(ServiceError, match="already used by Thành phố Hà Nội"):
            admin_units.create_unit(admin, NOW, fields)
        assert len(db.session.scalars(select(Unit)).all()) == 1
    else:
        admin_units.create_unit(admin, NOW, fields)


def test_unit_edits_refuse_bad_periods_and_successor_circles(admin):
    a = admin_units.create_unit(admin, NOW, _unit(code="A", name="Tỉnh A", kind="province"))
    b = admin_units.create_unit(
        admin, NOW, _unit(code="B", name="Tỉnh B", kind="province", successor_id=a.id)
    )
    with pytest.raises(ServiceError, match="before its start"):
        admin_units.update_unit(
            admin,
            NOW,
            a.id,
            _unit(
                code="A",
                name="Tỉnh A",
                kind="province",
                valid_from=date(2025, 7, 1),
                valid_to=date(2025, 6, 30),
            ),
        )
    with pytest.raises(ServiceError, match="its own successor"):
        admin_units.update_unit(
            admin, NOW, a.id, _unit(code="A", name="Tỉnh A", kind="province", successor_id=a.id)
        )
    with pytest.raises(ServiceError, match="circle"):
        admin_units.update_unit(
            admin, NOW, a.id, _unit(code="A", name="Tỉnh A", kind="province", successor_id=b.id)
        )
    admin_units.update_unit(
        admin, NOW, a.id, _unit(code="A", name="Tỉnh A mới", kind="province", head_email="X@Y.VN")
    )
    event = db.session.scalars(select(Event).where(Event.kind == "unit_updated")).one()
    assert event.data == {"name": ["Tỉnh A", "Tỉnh A mới"], "head_email": [None, "x@y.vn"]}
    admin_units.set_unit_active(admin, NOW, b.id, False)
    assert not db.session.get(Unit, b.id).active


def test_calendar_overrides_win_and_are_listed_with_the_holidays(admin):
    override = admin_calendar.add_override(
        admin, NOW, day=date(2024, 9, 3), is_working=True, note="Thông báo 6150/TB-LĐTBXH"
    )
    days = {d.day: d for d in admin_calendar.year_days(admin, 2024)}
    assert days[date(2024, 9, 2)].holiday and not days[date(2024, 9, 2)].working
    assert days[date(2024, 9, 3)].working and days[date(2024, 9, 3)].override.id == override.id
    assert date(2024, 9, 4) not in days  # an ordinary working day
    with pytest.raises(ServiceError, match="already has an override"):
        admin_calendar.add_override(admin, NOW, day=date(2024, 9, 3), is_working=False, note="x")
    with pytest.raises(ServiceError, match="official notice"):
        admin_calendar.add_override(admin, NOW, day=date(2024, 9, 4), is_working=False, note=" ")
    assert admin_calendar.delete_override(admin, NOW, override.id) == date(2024, 9, 3)
    assert db.session.scalars(select(CalendarOverride)).all() == []
    targets = db.session.scalars(select(Event.target).order_by(Event.id)).all()
    assert targets == ["calendar:2024-09-03", "calendar:2024-09-03"]


def test_the_audit_log_filters_by_who_unit_task_kind_and_local_date(make, admin):
    hue = make.unit(name="Tỉnh Thừa Thiên Huế", code="46")
    other = make.unit(name="Tỉnh Khác")
    task = make.task(title="Ban hành kế hoạch")
    clerk = make.user("coordinator", name="Cán bộ", email="cb@example.org")
    db.session.commit()
    from tracker.services import events

    # 30/06 23:30 and 01/07 00:30 in Vietnam (UTC+7).
    before = datetime(2024, 6, 30, 16, 30, tzinfo=UTC)
    after = datetime(2024, 6, 30, 17, 30, tzinfo=UTC)
    events.record("assigned", actor=clerk, now=before, task_id=task.id, unit_id=hue.id)
    events.record("note", actor=admin, now=after, unit_id=other.id, target=f"user:{clerk.id}")
    db.session.commit()

    def kinds(**filters):
        query = admin_audit.audit_query(admin, admin_audit.AuditFilters(**filters), VN)
        return [e.kind for e in db.session.scalars(query)]

    assert kinds() == ["note", "assigned"]
    assert kinds(actor="CB@") == ["assigned"] == kinds(actor_id=clerk.id)
    assert kinds(unit="thua thien hue") == ["assigned"] == kinds(unit_id=hue.id)
    assert kinds(task="kế hoạch") == ["assigned"] == kinds(task_id=task.id)
    assert kinds(kind="note") == ["note"] == kinds(target=f"user:{clerk.id}")
    assert kinds(date_from=date(2024, 7, 1)) == ["note"]
    assert kinds(date_to=date(2024, 6, 30)) == ["assigned"]
    page = db.session.scalars(admin_audit.audit_query(admin, admin_audit.AuditFilters(), VN))
    assert admin_audit.target_labels(list(page)) == {f"user:{clerk.id}": "Cán bộ <cb@example.org>"}

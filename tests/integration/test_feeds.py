"""Calendar feeds: what a unit's and a user's .ics lists, its alarms, and managing addresses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import current_app
from sqlalchemy import select
from support.feeds import SOURCE, TITLE, assignment_ids, feed_world, parse, uids

from tracker.extensions import db
from tracker.models import CalendarFeed, Event, Setting, Unit, User
from tracker.services.errors import NotAllowed, NotFound, ServiceError
from tracker.services.feeds import addresses as feeds
from tracker.settings import Settings

NOW = datetime(2024, 7, 1, 3, 0, tzinfo=UTC)
TODAY = date(2024, 7, 1)
HOST = "cds.example.vn"


@pytest.fixture
def world(ctx, make):
    ctx.config["BASE_URL"] = f"https://{HOST}/tracker"
    ids = feed_world(make)
    db.session.commit()
    return ids


def user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def unit_feed(world, unit: str = "hanoi", by: str = "dp@example.org") -> CalendarFeed:
    return feeds.create_feed(actor=user(by), now=NOW, unit_id=world[unit])


def own_feed(email: str) -> CalendarFeed:
    return feeds.create_feed(actor=user(email), now=NOW)


def render(feed: CalendarFeed, today: date) -> bytes:
    """Return the feed's document as of ``today``, with the test app's settings (its
    BASE_URL as the world set it)."""
    settings = Settings.from_config(current_app.config, current_app.instance_path)
    return feeds.render_feed(feed, today, settings)


def event_of(calendar, assignment_id: int):
    (event,) = [
        e for e in calendar.events if str(e["UID"]).startswith(f"assignment-{assignment_id}@")
    ]
    return event


def triggers(event) -> list[datetime]:
    return sorted(alarm["TRIGGER"].dt for alarm in event.walk("VALARM"))


def at_eight(*days: date) -> list[datetime]:
    """08:00 in Asia/Ho_Chi_Minh is 01:00 UTC."""
    return [datetime(d.year, d.month, d.day, 1, 0, tzinfo=UTC) for d in days]


def test_a_unit_feed_lists_exactly_the_units_open_assignments_that_have_a_due_date(world):
    calendar = parse(render(unit_feed(world), TODAY))
    assert assignment_ids(calendar) == set(world["open"].values())
    assert not assignment_ids(calendar) & set(world["closed"].values())
    assert world["hue_open"] not in assignment_ids(calendar)


def test_each_event_is_an_all_day_deadline_with_its_task_unit_status_and_link(world):
    calendar = parse(render(unit_feed(world), TODAY))
    assert str(calendar["VERSION"]) == "2.0"
    assert "Thành phố Hà Nội" in str(calendar["X-WR-CALNAME"])
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Ho_Chi_Minh"
    assert calendar["REFRESH-INTERVAL"].dt == timedelta(hours=6)
    event = event_of(calendar, world["open"]["assigned"])
    assert event.start == date(2024, 5, 2) and event.end == date(2024, 5, 3)
    assert str(event["UID"]) == f"assignment-{world['open']['assigned']}@{HOST}"
    assert str(event["SUMMARY"]) == TITLE
    link = f"https://{HOST}/tracker/assignments/{world['open']['assigned']}"
    assert str(event["URL"]) == link
    description = str(event["DESCRIPTION"])
    # A unit feed speaks Vietnamese whoever created it (the coordinator reads English).
    for text in (SOURCE, "Thành phố Hà Nội", "Chưa thực hiện", "Quá hạn", "trước 03/5/2024"):
        assert text in description
    assert link in description
    assert [str(c) for c in event.categories] == ["Dữ liệu số"]


def test_the_feed_is_the_same_on_every_fetch_of_a_day(world):
    feed = unit_feed(world)
    first = render(feed, TODAY)
    assert render(feeds.find_active(feed.token), TODAY) == first
    assert uids(parse(first)) == uids(parse(render(feed, TODAY + timedelta(days=1))))


def test_alarms_fall_on_the_reminder_days_of_the_working_calendar(world):
    # Due Thursday 02/05/2024 with reminders 7, 3 and 1 working days before: Hùng Kings' day
    # (18/04) and the 27/04-01/05 break are skipped.
    body = render(unit_feed(world), date(2024, 4, 10))
    event = event_of(parse(body), world["open"]["assigned"])
    assert triggers(event) == at_eight(
        date(2024, 4, 17), date(2024, 4, 24), date(2024, 4, 26), date(2024, 5, 2)
    )
    assert b"TRIGGER;VALUE=DATE-TIME:20240417T010000Z" in body


def test_alarms_already_past_are_left_out(world):
    event = event_of(parse(render(unit_feed(world), date(2024, 4, 25))), world["open"]["assigned"])
    assert triggers(event) == at_eight(date(2024, 4, 26), date(2024, 5, 2))


def test_a_submitted_assignment_gets_no_alarm_as_its_unit_is_no_longer_reminded(world):
    calendar = parse(render(unit_feed(world), date(2024, 6, 1)))
    assert triggers(event_of(calendar, world["open"]["submitted"])) == []
    assert triggers(event_of(calendar, world["open"]["in_progress"])) != []


def test_alarms_follow_the_programme_default_and_a_due_date_on_a_day_off(world, make):
    # Due Sunday 30/06/2024, kept on that date by the task, no policy of its own: the built-in
    # default (7, 3, 1 and the due day, which falls on Friday 28/06, the last working day).
    task = make.task(
        title="Báo cáo 6 tháng", deadline=date(2024, 6, 30), deadline_day_off_rolls=False
    )
    assignment = make.assignment(task, db.session.get(Unit, world["hue"]))
    db.session.commit()
    feed = unit_feed(world, "hue")
    event = event_of(parse(render(feed, date(2024, 6, 1))), assignment.id)
    assert triggers(event) == at_eight(
        date(2024, 6, 19), date(2024, 6, 25), date(2024, 6, 27), date(2024, 6, 28)
    )
    db.session.add(Setting(key="reminder_policy", value={"before": [2], "on_due_day": False}))
    db.session.commit()
    event = event_of(parse(render(feed, date(2024, 6, 1))), assignment.id)
    assert triggers(event) == at_eight(date(2024, 6, 26))


def test_a_deadline_on_a_day_off_that_rolls_is_an_event_on_the_next_working_day(world, make):
    # Due Sunday 30/06/2024, rolling (the default): the unit has until Monday 01/07, the
    # day of the event and of the "due" alarm; before-1 is Friday 28/06.
    task = make.task(title="Báo cáo 6 tháng", deadline=date(2024, 6, 30))
    assignment = make.assignment(task, db.session.get(Unit, world["hue"]))
    db.session.commit()
    event = event_of(parse(render(unit_feed(world, "hue"), date(2024, 6, 1))), assignment.id)
    assert event.start == date(2024, 7, 1)
    assert triggers(event) == at_eight(
        date(2024, 6, 20), date(2024, 6, 26), date(2024, 6, 28), date(2024, 7, 1)
    )
    description = str(event["DESCRIPTION"])
    assert "30/06/2024 (Chủ nhật) → hạn thực tế 01/07/2024" in description, description


def test_a_focal_points_own_feed_lists_their_unit_in_their_language(world):
    calendar = parse(render(own_feed("hue@example.org"), TODAY))
    assert assignment_ids(calendar) == {world["hue_open"], world["theirs_open"]}
    assert "In progress" in str(event_of(calendar, world["hue_open"])["DESCRIPTION"])


def test_a_coordinators_own_feed_has_one_event_per_open_task_they_own_with_its_counts(world):
    calendar = parse(render(own_feed("dp@example.org"), TODAY))
    # The task without a deadline is left out: an all-day event needs a date.
    assert uids(calendar) == [f"task-{world['main']}@{HOST}"]
    (event,) = calendar.events
    assert event.start == date(2024, 5, 2)
    assert "0/2 units completed" in str(event["DESCRIPTION"])
    assert str(event["URL"]) == f"https://{HOST}/tracker/tasks/{world['main']}"


def test_a_viewers_own_feed_has_every_open_task_with_a_deadline(world):
    calendar = parse(render(own_feed("ld@example.org"), TODAY))
    titles = sorted(str(e["SUMMARY"]) for e in calendar.events)
    assert titles == sorted(
        [TITLE, "Báo cáo an toàn thông tin", "Báo cáo quý II", "Nhiệm vụ của người khác"]
    )
    assert parse(render(own_feed("admin@example.org"), TODAY)).events == []


def test_a_new_address_revokes_the_previous_one_and_both_are_recorded(world):
    first = unit_feed(world)
    second = unit_feed(world, by="hn@example.org")
    assert feeds.find_active(first.token) is None
    assert feeds.find_active(second.token).id == second.id
    assert feeds.unit_feed(world["hanoi"], actor=user("dp@example.org")).id == second.id
    assert len(second.token) >= 40 and second.token != first.token
    events = db.session.execute(select(Event.kind, Event.target, Event.unit_id).order_by(Event.id))
    assert list(events) == [
        ("feed_created", f"feed:{first.id}", world["hanoi"]),
        ("feed_revoked", f"feed:{first.id}", world["hanoi"]),
        ("feed_created", f"feed:{second.id}", world["hanoi"]),
    ]


def test_a_revoked_address_is_not_found_and_revoking_twice_changes_nothing(world):
    feed = own_feed("hn@example.org")
    feeds.revoke_feed(actor=user("hn@example.org"), now=NOW)
    assert feeds.find_active(feed.token) is None
    assert feeds.user_feed(user("hn@example.org")) is None
    before = db.session.scalar(select(db.func.count(Event.id)))
    with pytest.raises(ServiceError, match="no calendar feed address to revoke"):
        feeds.revoke_feed(actor=user("hn@example.org"), now=NOW)
    assert db.session.scalar(select(db.func.count(Event.id))) == before


@pytest.mark.parametrize(
    ("email", "error"),
    [("hue@example.org", NotFound), ("ld@example.org", NotAllowed)],
)
def test_only_the_units_focal_points_and_coordinators_manage_its_feed(world, email, error):
    with pytest.raises(error):
        unit_feed(world, by=email)
    feed = unit_feed(world, by="hn@example.org")
    with pytest.raises(error):
        feeds.revoke_feed(actor=user(email), now=NOW, unit_id=world["hanoi"])
    assert feeds.find_active(feed.token) is not None
    assert feeds.unit_feed(world["hanoi"], actor=user(email)) is None


def test_unknown_tokens_and_deactivated_users_feeds_are_not_found(world):
    feed = own_feed("hn@example.org")
    assert feeds.find_active("x" * 43) is None
    assert feeds.find_active("x" * 500) is None
    user("hn@example.org").active = False
    db.session.commit()
    assert feeds.find_active(feed.token) is None


def test_a_fetch_is_noted_at_most_once_per_interval(world):
    feed = unit_feed(world)
    feeds.note_fetch(feed, NOW)
    feeds.note_fetch(feeds.find_active(feed.token), NOW + timedelta(minutes=1))
    assert db.session.get(CalendarFeed, feed.id).last_fetched_at == NOW
    later = NOW + timedelta(minutes=6)
    feeds.note_fetch(feeds.find_active(feed.token), later)
    db.session.expire_all()
    assert db.session.get(CalendarFeed, feed.id).last_fetched_at == later

"""Recurring tasks through HTTP: who sees and changes what, the form, CSRF, bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from support.tasks import count as _count
from support.tasks import read as _read
from support.tasks import task_world

from tracker.domain.recurrence import DayRule, Recurrence
from tracker.extensions import db
from tracker.models import Assignment, Event, Task, User
from tracker.services.recurrence import generation
from tracker.services.recurrence import series as rec
from tracker.services.recurrence.settings import SeriesInput
from tracker.services.tasks.assigning import UnitSelection
from tracker.services.tasks.editing import TaskInput

NOW = datetime(2024, 7, 1, 3, 0, tzinfo=UTC)  # the test app's TODAY is 2024-07-01


def _make_series(make):
    coordinator = db.session.scalar(select(User).where(User.email == "dp@example.org"))
    series = rec.create_series(
        SeriesInput(
            TaskInput(title="Báo cáo định kỳ 6 tháng", field="government"),
            Recurrence("half_yearly", date(2024, 1, 1), due=DayRule("period_end", 0, 15)),
            UnitSelection(groups=frozenset({"local"})),
        ),
        actor=coordinator,
        now=NOW,
    )
    report = generation.generate_due_occurrences(date(2024, 7, 1), now=NOW)
    return series.id, [o.task_id for o in report.occurrences]


@pytest.fixture
def world(build):
    """The task world (five provinces, two ministries, a user per role) and a half-yearly
    series for all provinces with its two periods of 2024 generated."""
    made = build(task_world)
    made["series"], made["occurrences"] = build(_make_series)
    return made


def _form(**changes) -> dict:
    data = {
        "title": "Báo cáo tháng",
        "field": "government",
        "frequency": "monthly",
        "start": "01/07/2024",
        "due_anchor": "period_end",
        "due_months": "0",
        "due_day": "20",
        "cutoff_anchor": "period_end",
        "lead_days": "0",
        "groups": "local",
        "role": "lead",
    }
    data.update(changes)
    return data


def _series_urls(series: int) -> tuple[list[str], list[str]]:
    pages = ["/recurring/new", f"/recurring/{series}/edit"]
    posts = [*pages, f"/recurring/{series}/pause", f"/recurring/{series}/resume"]
    return pages, [*posts, "/recurring/generate"]


def test_focal_points_never_see_series_but_see_their_period_task(app, client, login, world):
    login("fp@example.org")
    series = world["series"]
    pages, posts = _series_urls(series)
    for url in ["/recurring/", f"/recurring/{series}", *pages]:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url, data=_form(save="1")).status_code == 403, url
    assert client.get(f"/tasks/{series}").status_code == 404
    listed = client.get("/tasks/").get_data(as_text=True)
    assert "/recurring/" not in listed
    page = client.get(f"/tasks/{world['occurrences'][1]}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Period: second half of 2024" in text and "Báo cáo định kỳ 6 tháng" in text
    assert f"/recurring/{series}" not in text
    assert _count(app, Task) == 4


def test_viewers_read_series_and_change_nothing(app, client, login, world):
    login("ld@example.org")
    series = world["series"]
    index = client.get("/recurring/").get_data(as_text=True)
    assert "Báo cáo định kỳ 6 tháng" in index and "/recurring/new" not in index
    detail = client.get(f"/recurring/{series}")
    text = detail.get_data(as_text=True)
    assert detail.status_code == 200 and "first half of 2024" in text
    assert "day 15 of the period&#39;s last month" in text and "/pause" not in text
    pages, posts = _series_urls(series)
    for url in pages:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url, data=_form(save="1")).status_code == 403, url
    assert _count(app, Task) == 4


def test_the_list_shows_rule_next_period_and_completion(client, login, world):
    login("dp@example.org")
    page = client.get("/recurring/").get_data(as_text=True)
    assert "Every six months, due on day 15 of the period&#39;s last month" in page
    assert "first half of 2025" in page  # the next period, not created yet
    assert "15/12/2024" in page  # the next deadline: the running period's
    assert "0/5 units completed" in page
    assert "/recurring/new" in page and "/recurring/generate" in page


def test_series_templates_stay_out_of_the_task_list_and_task_pages_lead_to_them(
    client, login, world
):
    login("dp@example.org")
    series = world["series"]
    listed = client.get("/tasks/").get_data(as_text=True)
    assert f'href="/tasks/{series}"' not in listed
    for occurrence in world["occurrences"]:
        assert f'href="/tasks/{occurrence}"' in listed
    assert 'href="/recurring/"' in listed
    for url, target in [
        (f"/tasks/{series}", f"/recurring/{series}"),
        (f"/tasks/{series}/edit", f"/recurring/{series}/edit"),
        (f"/tasks/{series}/assign", f"/recurring/{series}/edit"),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response.location.endswith(target), url
    page = client.get(f"/tasks/{world['occurrences'][0]}").get_data(as_text=True)
    assert "Period: first half of 2024" in page and f'href="/recurring/{series}"' in page


def test_a_coordinator_previews_then_saves_a_series_and_its_first_period_is_created(
    app, client, login, world
):
    login("dp@example.org")
    preview = client.post("/recurring/new", data=_form(check="1"))
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Monthly, due on day 20 of the period&#39;s last month" in page
    assert "month 7/2024" in page and "20/07/2024" in page and "20/08/2024" in page
    assert "Saving creates 1 period" in page and "5 units today" in page
    assert _count(app, Task) == 4
    saved = client.post("/recurring/new", data=_form(save="1"), follow_redirects=True)
    text = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "Recurring task created." in text
    assert "1 period&#39;s task was created and assigned." in text
    series = _read(
        app, lambda: db.session.scalar(select(Task).where(Task.title == "Báo cáo tháng"))
    )
    assert series.recurrence["due"] == {"anchor": "period_end", "months": 0, "day": 20}
    [occurrence] = _read(
        app, lambda: list(db.session.scalars(select(Task).where(Task.series_id == series.id)))
    )
    assert occurrence.deadline == date(2024, 7, 20)
    assert _count(app, Assignment, Assignment.task_id == occurrence.id) == 5


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"frequency": "rrule", "rrule": "FREQ=SOMETIMES"}, "is not an RRULE this system can read"),
        ({"frequency": "rrule", "rrule": "FREQ=DAILY"}, "shorter than a week"),
        ({"frequency": "rrule", "rrule": ""}, "Write the RRULE"),
        ({"frequency": "fortnightly"}, "Choose how often the task recurs."),
        ({"start": "31/02/2025"}, "is not a real date"),
        ({"start": ""}, "Enter a date (dd/mm/yyyy)."),
        ({"until": "01/01/2024"}, "The end date is before the start date."),
        ({"due_day": "40"}, "Between 1 and 31."),
        ({"due_months": "abc"}, "Enter a whole number."),
        ({"lead_days": "999"}, "Between 0 and 366."),
        ({"groups": ""}, "Choose at least one group or unit."),
        ({"unit_ids": "987654", "groups": ""}, "no longer active"),
        ({"title": ""}, "Enter the task"),
        ({"role": "boss"}, "Choose lead or support."),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(app, client, login, world, changes, message):
    login("dp@example.org")
    before = (_count(app, Task), _count(app, Event))
    for button in ("check", "save"):
        response = client.post("/recurring/new", data=_form(**changes, **{button: "1"}))
        assert response.status_code == 422, button
        assert message in response.get_data(as_text=True), button
    assert (_count(app, Task), _count(app, Event)) == before


def test_every_form_carries_a_csrf_token_and_posts_without_it_are_refused(
    app, client, login, world
):
    login("dp@example.org")
    app.config["WTF_CSRF_ENABLED"] = True
    series = world["series"]
    for url in (
        "/recurring/new",
        f"/recurring/{series}/edit",
        f"/recurring/{series}",
        "/recurring/",
    ):
        assert 'name="csrf_token"' in client.get(url).get_data(as_text=True), url
    _pages, posts = _series_urls(series)
    for url in posts:
        assert client.post(url, data=_form(save="1")).status_code == 400, url
    assert _count(app, Task) == 4
    assert _read(app, lambda: db.session.get(Task, series).recurrence["paused"]) is False


def test_editing_keeps_the_rule_and_refuses_a_stale_version(app, client, login, world):
    login("dp@example.org")
    series = world["series"]
    page = client.get(f"/recurring/{series}/edit").get_data(as_text=True)
    assert 'value="Báo cáo định kỳ 6 tháng"' in page and 'value="01/01/2024"' in page
    assert '<option value="half_yearly" selected>' in page
    form = _form(title="Báo cáo 6 tháng (sửa)", frequency="half_yearly", start="01/01/2024")
    form.update(due_day="15", version="1", save="1")
    saved = client.post(f"/recurring/{series}/edit", data=form, follow_redirects=True)
    assert "Recurring task saved." in saved.get_data(as_text=True)
    stale = client.post(f"/recurring/{series}/edit", data={**form, "title": "Khác"})
    assert stale.status_code == 302
    assert "Someone else changed this recurring task" in client.get(stale.location).get_data(
        as_text=True
    )
    assert _read(app, lambda: db.session.get(Task, series).title) == "Báo cáo 6 tháng (sửa)"


def test_pause_resume_and_generate_buttons(app, client, login, world):
    login("dp@example.org")
    series = world["series"]
    paused = client.post(f"/recurring/{series}/pause", follow_redirects=True)
    assert "Paused: no period" in paused.get_data(as_text=True)
    assert _read(app, lambda: db.session.get(Task, series).recurrence["paused"]) is True
    again = client.post(f"/recurring/{series}/pause", follow_redirects=True)
    assert "already paused" in again.get_data(as_text=True)
    resumed = client.post(f"/recurring/{series}/resume", follow_redirects=True)
    assert "Resumed" in resumed.get_data(as_text=True)
    generated = client.post("/recurring/generate", follow_redirects=True)
    assert "Every period that has come already has its task." in generated.get_data(as_text=True)
    assert _count(app, Task) == 4
    assert client.get("/recurring/999999").status_code == 404
    assert client.post("/recurring/999999/pause").status_code == 404


def _more_series(make):
    coordinator = db.session.scalar(select(User).where(User.email == "dp@example.org"))
    for n in range(4):
        rec.create_series(
            SeriesInput(
                TaskInput(title=f"Báo cáo quý {n}", field="data"),
                Recurrence("quarterly", date(2024, 1, 1), due=DayRule("period_end", 1, 15)),
                UnitSelection(groups=frozenset({"local", "central"})),
            ),
            actor=coordinator,
            now=NOW,
        )
    generation.generate_due_occurrences(date(2024, 7, 1), now=NOW)


def test_series_pages_run_a_constant_number_of_queries(client, login, world, build, query_counter):
    login("dp@example.org")
    urls = ["/recurring/", f"/recurring/{world['series']}"]
    with query_counter() as small:
        for url in urls:
            assert client.get(url).status_code == 200
    build(_more_series)
    with query_counter() as large:
        for url in urls:
            page = client.get(url)
            assert page.status_code == 200
    assert "Báo cáo quý 3" in client.get("/recurring/").get_data(as_text=True)
    assert len(large) == len(small)


def test_pages_speak_vietnamese_by_default(client, login, world, build):
    build(lambda make: make.user("viewer", email="vi@example.org", language="vi"))
    login("vi@example.org")
    page = client.get(f"/recurring/{world['series']}").get_data(as_text=True)
    assert "6 tháng một lần, hạn ngày 15 của tháng cuối kỳ" in page
    assert "6 tháng đầu năm 2024" in page and "Nhiệm vụ định kỳ" in page
    occurrence = client.get(f"/tasks/{world['occurrences'][0]}").get_data(as_text=True)
    assert "Kỳ: 6 tháng đầu năm 2024 — thuộc nhiệm vụ định kỳ" in occurrence

"""Signed-in pages kept while the database has not changed (tracker/views/page_cache.py).

These tests commit for real: PostgreSQL's data version moves only when a transaction
commits, which the rolled-back tests' single transaction never does.
"""

from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import update

from tracker.extensions import db
from tracker.models import CalendarOverride, Task

COORDINATOR, OTHER = "dp@example.org", "dp2@example.org"

pytestmark = pytest.mark.committed


@pytest.fixture
def world(app, build):
    app.config["PAGE_CACHE_SECONDS"] = 60

    def _world(make):
        unit = make.unit(name="Sở Thông tin và Truyền thông Hà Nội")
        task = make.task(title="Báo cáo hạ tầng số")
        make.assignment(task, unit)
        make.user("coordinator", email=COORDINATOR, name="Trần Văn Minh")
        make.user("coordinator", email=OTHER, name="Lê Thị Lan")
        return task.id

    return build(_world)


def _signed_in(app, email):
    client = app.test_client()
    answer = client.post("/login", data={"email": email, "password": "secret-pass"})
    assert answer.status_code == 302
    return client


def _postgresql(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def _rename(app, task_id, title):
    with app.app_context():
        db.session.execute(update(Task).where(Task.id == task_id).values(title=title))
        db.session.commit()


def test_a_page_seen_again_unchanged_is_kept_and_a_commit_anywhere_refreshes_it(
    app, world, query_counter
):
    client = _signed_in(app, COORDINATOR)
    page = f"/tasks/{world}"
    client.get(page)  # the session's first form stores its CSRF secret: not kept
    first = client.get(page)
    assert first.status_code == 200 and "Báo cáo hạ tầng số" in first.get_data(as_text=True)

    with query_counter() as statements:
        again = client.get(page)
    assert again.get_data() == first.get_data()
    assert again.headers["Cache-Control"] == "no-store"  # the kept page gets every header
    if _postgresql(app):
        assert len(statements) == 1, statements  # who is signed in, and the version
    else:
        assert len(statements) > 3, statements  # SQLite: nothing kept, the page is built

    _rename(app, world, "Báo cáo hạ tầng số (sửa)")
    assert "Báo cáo hạ tầng số (sửa)" in client.get(page).get_data(as_text=True)
    assert "Báo cáo hạ tầng số (sửa)" in client.get("/tasks/").get_data(as_text=True)


def test_no_session_is_given_another_sessions_page(app, world):
    first, second = _signed_in(app, COORDINATOR), _signed_in(app, OTHER)
    first.get("/")
    assert "Trần Văn Minh" in first.get("/").get_data(as_text=True)  # kept
    mine = second.get("/").get_data(as_text=True)
    assert "Lê Thị Lan" in mine and "Trần Văn Minh" not in mine
    # The same person in another browser has a CSRF secret of their own.
    third = _signed_in(app, COORDINATOR)
    assert "Trần Văn Minh" in third.get("/").get_data(as_text=True)
    assert third.get("/").get_data() != first.get("/").get_data()


def test_a_page_showing_a_message_is_neither_kept_nor_served_a_kept_copy(app, world):
    client = _signed_in(app, COORDINATOR)
    client.get("/tasks/")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Đã lưu thay đổi.")]
    assert "Đã lưu thay đổi." in client.get("/tasks/").get_data(as_text=True)
    assert "Đã lưu thay đổi." not in client.get("/tasks/").get_data(as_text=True)


def test_the_query_is_part_of_the_page(app, world):
    client = _signed_in(app, COORDINATOR)
    assert "Báo cáo hạ tầng số" in client.get("/tasks/").get_data(as_text=True)
    assert "Báo cáo hạ tầng số" not in client.get("/tasks/?q=zzz").get_data(as_text=True)
    assert "Báo cáo hạ tầng số" in client.get("/tasks/").get_data(as_text=True)


def test_a_kept_page_is_dropped_after_its_time(app, world, query_counter):
    app.config["PAGE_CACHE_SECONDS"] = 0.2
    client = _signed_in(app, COORDINATOR)
    client.get("/")
    time.sleep(0.3)
    with query_counter() as statements:
        assert client.get("/").status_code == 200
    assert len(statements) > 1


def test_downloads_and_other_answers_are_never_kept(app, world, query_counter):
    client = _signed_in(app, COORDINATOR)
    assert client.get("/tasks/?format=csv").status_code == 200
    with query_counter() as statements:
        again = client.get("/tasks/?format=csv")
    assert again.status_code == 200 and again.mimetype == "text/csv"
    assert len(statements) > 1
    assert client.get("/tasks/999999").status_code == 404
    with query_counter() as statements:
        assert client.get("/tasks/999999").status_code == 404
    assert len(statements) > 1


def test_the_calendar_is_read_again_only_after_a_commit(app, world, query_counter):
    def calendar_reads(path):
        with query_counter() as statements:
            assert client.get(path).status_code == 200
        return sum("FROM calendar_override" in s for s in statements)

    client = _signed_in(app, COORDINATOR)
    calendar_reads("/")
    kept = _postgresql(app)
    assert calendar_reads("/tasks/?q=a") == (0 if kept else 1)
    with app.app_context():
        db.session.add(CalendarOverride(day=date(2024, 7, 6), is_working=True, note="Làm bù"))
        db.session.commit()
    assert calendar_reads("/tasks/?q=b") == 1
    assert calendar_reads("/tasks/?q=c") == (0 if kept else 1)

"""The lists' text filters match as the search box does: folded, and wildcards as typed."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from support.people import ADMIN, COORDINATOR
from support.search import HN_FOCAL, search_world


@pytest.fixture
def world(build):
    return build(search_world)


def tasks_listed(client, **args) -> set[int]:
    html = client.get("/tasks/", query_string=args).get_data(as_text=True)
    return {int(i) for i in re.findall(r'href="/tasks/(\d+)"', html)}


def test_the_task_list_filter_is_folded_and_keeps_the_other_filters(client, login, world):
    login(COORDINATOR)
    assert tasks_listed(client, q="DU LIEU") == {world["data"], world["report"]}
    assert tasks_listed(client, q="du lieu", deadline_to="31/07/2024") == {world["report"]}
    assert tasks_listed(client, q="50%") == {world["percent"]}
    assert tasks_listed(client, q="a_b") == {world["underscore"]}


def test_the_task_list_filter_stays_within_a_focal_points_unit(client, login, world):
    login(HN_FOCAL)
    assert tasks_listed(client, q="du lieu") == {world["data"]}


def test_the_unit_list_filter_ignores_accents_and_case(client, login, world):
    login(COORDINATOR)
    html = client.get("/units/", query_string={"q": "HA NOI"}).get_data(as_text=True)
    assert f'href="/units/{world["hanoi"]}"' in html
    assert f'href="/units/{world["hue"]}"' not in html


def test_the_audit_log_task_filter_takes_wildcards_literally(build, client, login, world):
    def events(make):
        from tracker.extensions import db
        from tracker.models import Event

        at = datetime(2024, 6, 1, tzinfo=UTC)
        for key in ("percent", "hundreds", "underscore", "other"):
            db.session.add(Event(task_id=world[key], at=at, kind="task_edited", note=f"note-{key}"))

    build(events)
    login(ADMIN)

    def noted(task: str) -> set[str]:
        answer = client.get("/admin/audit", query_string={"task": task})
        html = answer.get_data(as_text=True)
        return {
            key for key in ("percent", "hundreds", "underscore", "other") if f"note-{key}" in html
        }

    assert noted("50%") == {"percent"}
    assert noted("a_b") == {"underscore"}
    assert noted("TANG") == {"percent", "hundreds"}


def test_the_user_list_finds_people_without_their_accents(client, login, world):
    login(ADMIN)
    html = client.get("/admin/users", query_string={"q": "nguyen thi"}).get_data(as_text=True)
    assert HN_FOCAL in html and COORDINATOR not in html

"""Coordinators' task writes through ``/api/v1/tasks``, as the task pages make them and by
the same services (``services.tasks``): create, change (checked against the version read),
close and reopen (giving it to units: ``task_assigning``).

A focal point's or a viewer's token may read tasks, never write them (403); a task it may
not see answers 404 whatever the write.
"""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, url_for
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tracker import clock
from tracker.domain.deadlines import DeadlineError, parse_deadline
from tracker.labels import deadline_error_message
from tracker.models import Field
from tracker.services import api_reads
from tracker.services.tasks import editing
from tracker.views.api.acting import (
    ANY,
    DOCUMENT_RANGE,
    DUE_RANGE,
    ERRORS_WRITE,
    ETAG_HEADER,
    FIRST_DOCUMENT,
    FIRST_DUE,
    LAST_DOCUMENT,
    LAST_DUE,
    as_token,
    day_field,
    etag,
    if_match,
    text_field,
    version_asked,
)
from tracker.views.api.common import IDEMPOTENCY_KEY, INT_MAX, idempotent, problem
from tracker.views.api.errors_doc import documented
from tracker.views.api.resources import ERRORS_ONE, TaskSchema, read_task, tasks

STALE_TASK = _l("The task changed since it was read: read it again.")
NO_TASK_ETAG = _l("Send the task's ETag in If-Match.")
LOCATION = {"Location": {"description": "The new task", "schema": {"type": "string"}}}
WITH_LOCATION = ETAG_HEADER | LOCATION
ERRORS_CREATE = (400, 401, 403, 409, 422, 429)


class TaskWriteArgs(ma.Schema):
    title = text_field(max_length=500)
    field = ma.fields.String(required=True, validate=ma.validate.OneOf([f.value for f in Field]))
    description = text_field(max_length=20000, required=False)
    source_document = text_field(
        max_length=500,
        required=False,
        metadata={"description": "e.g. Kế hoạch chuyển đổi số năm 2024."},
    )
    source_number = text_field(max_length=100, required=False, metadata={"description": "Số."})
    source_date = day_field(FIRST_DOCUMENT, LAST_DOCUMENT, DOCUMENT_RANGE, allow_none=True)
    priority = ma.fields.Boolean(load_default=False, metadata={"description": "Trọng tâm."})
    deadline = day_field(FIRST_DUE, LAST_DUE, DUE_RANGE, allow_none=True)
    deadline_wording = text_field(
        max_length=200,
        required=False,
        metadata={
            "description": "The deadline as the document words it (Quý III/2024, "
            "tháng 9/2024, trước ngày 20/7/2024...). Sent without `deadline`, it is read "
            "as the task form reads it (422 when it cannot be); with it, kept as written."
        },
    )
    owner_id = ma.fields.Integer(
        allow_none=True,
        validate=ma.validate.Range(1, INT_MAX),
        metadata={"description": "The coordinator in charge (default: the token's user)."},
    )
    deadline_day_off_rolls = ma.fields.Boolean(
        allow_none=True,
        metadata={
            "description": "A deadline on a day off: true ends it at the end of the next "
            "working day, false keeps the written date, null (the default) follows the "
            "deployment's DEADLINE_DAY_OFF_ROLLS."
        },
    )


class TaskChangeArgs(TaskWriteArgs):
    move_due_dates = ma.fields.Boolean(
        metadata={
            "description": "With a new deadline, also move the due date of the open "
            "assignments that still have the old one (default true)."
        }
    )


def _deadline(args: dict, task=None):
    """Return (deadline, wording) from the arguments, or the problem (422) when the
    wording alone was sent and cannot be read."""
    wording = args.get("deadline_wording")
    if "deadline" in args:
        return args["deadline"], (wording or "").strip()
    if wording is None:
        return (task.deadline, task.deadline_wording) if task is not None else (None, "")
    if not wording.strip():
        return None, ""
    try:
        parsed = parse_deadline(
            wording,
            reference_year=clock.today().year,
            before_is_exclusive=current_app.config["DEADLINE_BEFORE_IS_EXCLUSIVE"],
        )
    except DeadlineError as error:
        message = deadline_error_message(error)
        return problem(422, message, errors={"json": {"deadline_wording": [message]}})
    if parsed.due is not None and not FIRST_DUE <= parsed.due <= LAST_DUE:
        message = str(DUE_RANGE)
        return problem(422, message, errors={"json": {"deadline_wording": [message]}})
    return parsed.due, parsed.wording


def _task_input(args: dict, task=None):
    """Return the ``TaskInput`` the arguments make (on ``task``: its values where none was
    sent), or the problem the deadline's wording answers."""
    found = _deadline(args, task)
    if not isinstance(found, tuple):
        return found
    deadline, wording = found

    def value(name, default):
        return args[name] if name in args else (getattr(task, name) if task else default)

    number = value("source_number", "")
    owner = args.get("owner_id", task.owner_id if task else current_user.id)
    return editing.TaskInput(
        title=value("title", ""),
        field=value("field", ""),
        description=(value("description", "") or "").strip(),
        source_document=(value("source_document", "") or "").strip(),
        source_number=(number or "").strip() or None,
        source_date=value("source_date", None),
        priority=bool(value("priority", False)),
        deadline=deadline,
        deadline_wording=wording,
        owner_id=owner,
        deadline_day_off_rolls=value("deadline_day_off_rolls", None),
    )


def _answer(task_id: int, status: int = 200, headers: dict | None = None):
    found = api_reads.task(current_user, task_id)
    return found, status, {"ETag": etag(found)} | (headers or {})


@tasks.route("", methods=["POST"])
@idempotent
@tasks.doc(parameters=[IDEMPOTENCY_KEY])
@tasks.arguments(TaskWriteArgs)
@tasks.response(201, TaskSchema, headers=WITH_LOCATION)
@documented(tasks, *ERRORS_CREATE)
def create_task(args):
    """Create a task (coordinators); then give it to units (``/tasks/{id}/assignments``)."""
    data = _task_input(args)
    if not isinstance(data, editing.TaskInput):
        return data
    made = []
    refused = as_token(
        lambda: made.append(editing.create_task(data, actor=current_user, now=clock.now()))
    )
    if refused is not None:
        return refused
    location = url_for("api_tasks.get_task", task_id=made[0].id, _external=True)
    return _answer(made[0].id, 201, {"Location": location})


@tasks.route("/<int(max=2147483647):task_id>", endpoint="get_task")
class TaskById(MethodView):
    """One task: read it, change it (one URL rule for both)."""

    @tasks.response(200, TaskSchema, headers=ETAG_HEADER)
    @documented(tasks, *ERRORS_ONE)
    def get(self, task_id: int):
        """One task; its ETag is what a change sends back."""
        return read_task(task_id)

    @tasks.doc(parameters=[if_match("the task")])
    @tasks.arguments(TaskChangeArgs(partial=True))
    @tasks.response(200, TaskSchema, headers=ETAG_HEADER)
    @documented(tasks, *ERRORS_WRITE)
    def patch(self, args, task_id: int):
        """Change a task's facts (coordinators): only the fields sent change. A closed task
        must be reopened first (409)."""
        return change_task(args, task_id)


def change_task(args, task_id: int):
    """Change the task, at the version read."""
    task = api_reads.task(current_user, task_id)
    if task is None:
        return problem(404)
    version = version_asked()
    if version is None:
        return problem(428, NO_TASK_ETAG)
    data = _task_input(args, task)
    if not isinstance(data, editing.TaskInput):
        return data
    refused = as_token(
        lambda: editing.update_task(
            task_id,
            data,
            actor=current_user,
            now=clock.now(),
            version=task.version if version == ANY else version,
            move_due_dates=args.get("move_due_dates", True),
        ),
        stale=STALE_TASK,
    )
    return refused if refused is not None else _answer(task_id)


def _open_or_close(task_id: int, action):
    """Close or reopen a task the token may see, at the version read when one is sent."""
    task = api_reads.task(current_user, task_id)
    if task is None:
        return problem(404)
    version = version_asked()
    if version not in (None, ANY) and version != task.version:
        return problem(412, STALE_TASK)
    refused = as_token(
        lambda: action(task_id, actor=current_user, now=clock.now()), stale=STALE_TASK
    )
    return refused if refused is not None else _answer(task_id)


@tasks.route("/<int(max=2147483647):task_id>/close", methods=["POST"])
@tasks.doc(parameters=[if_match("the task", required=False)])
@tasks.response(200, TaskSchema, headers=ETAG_HEADER)
@documented(tasks, *(code for code in ERRORS_WRITE if code != 428))
def close_task(task_id: int):
    """Close a task (coordinators): it can no longer be changed or assigned until it is
    reopened; closed already: 409."""
    return _open_or_close(task_id, editing.close_task)


@tasks.route("/<int(max=2147483647):task_id>/reopen", methods=["POST"])
@tasks.doc(parameters=[if_match("the task", required=False)])
@tasks.response(200, TaskSchema, headers=ETAG_HEADER)
@documented(tasks, *(code for code in ERRORS_WRITE if code != 428))
def reopen_task(task_id: int):
    """Reopen a closed task (coordinators); not closed: 409."""
    return _open_or_close(task_id, editing.reopen_task)

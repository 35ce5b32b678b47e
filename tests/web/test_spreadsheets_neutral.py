"""Every spreadsheet the app hands out, downloaded through HTTP and scanned cell by cell:
with task, unit and user names written to run as formulas, no sheet name, header or cell
of any XLSX or CSV starts with a character a spreadsheet reads as the start of a formula.

The downloads are found, not listed: every GET route is asked for ``?format=xlsx`` and
``?format=csv``, so an export added later is scanned too; the ones known today must be
among those found.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from support.people import office
from support.today import NOW

from tracker.extensions import db
from tracker.models import Event, UnitKind

HOSTILE = (
    '=HYPERLINK("http://evil.example","x")',
    "+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "＝1+1",  # full-width equals sign
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# A CSV field of a number column: a negative count stays a number, not text.
NUMBER = re.compile(r"-?\d+(\.\d+)?%?")
SPREADSHEETS = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/csv",
    "application/zip",
}
EXPORTS = {
    "reports.index",
    "reports.task",
    "reports.units",
    "reports.matrix",
    "tasks.index",
    "units.index",
    "admin_audit.index",
    "imports.template",
}
SKIPPED = {"static", "bootstrap.static"}
APRIL = datetime(2024, 4, 1, 3, tzinfo=UTC)


def _world(make) -> dict:
    given = {"created_at": APRIL, "updated_at": APRIL}
    office(make, "admin")
    person = make.user("coordinator", email="-2+3@example.org", name=HOSTILE[0])
    units = [
        make.unit(
            name=name,
            code=name.strip()[:4] + str(n),
            kind=UnitKind.MINISTRY if n % 2 else UnitKind.PROVINCE,
            head_email=f"@{n}@example.org",
        )
        for n, name in enumerate(HOSTILE)
    ]
    tasks = [
        make.task(
            title=title,
            deadline=date(2024, 6, 30),
            source_document=title,
            deadline_wording=title,
            created_at=APRIL,
        )
        for title in HOSTILE
    ]
    states = itertools.cycle(
        [
            {"state": "completed", "submitted_on": date(2024, 6, 1)},
            {"state": "completed", "submitted_on": date(2024, 7, 1)},
            {"state": "submitted", "submitted_on": date(2024, 6, 20)},
            {"state": "in_progress"},
            {},
        ]
    )
    assignments = [
        make.assignment(task, unit, **given, **next(states)) for task in tasks for unit in units
    ]
    for n, (title, assignment) in enumerate(zip(HOSTILE, assignments, strict=False)):
        db.session.add(
            Event(
                assignment_id=assignment.id,
                task_id=assignment.task_id,
                unit_id=assignment.unit_id,
                actor_id=person.id,
                at=NOW,
                kind="assigned" if n % 2 else title[:30],
                from_state=title[:20],
                to_state="in_progress",
                note=title,
            )
        )
    db.session.flush()
    return {
        "task_id": tasks[0].id,
        "unit_id": units[0].id,
        "user_id": person.id,
        "assignment_id": assignments[0].id,
    }


def _downloads(app, client, world):
    """Yield (endpoint, url, response) for every spreadsheet a GET route answers with."""
    choices = {key: [value] for key, value in world.items()}
    choices |= {"kind": ["units", "users", "tasks"], "fmt": ["xlsx", "csv"]}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIPPED:
            continue
        if not rule.arguments <= choices.keys():
            continue
        names = sorted(rule.arguments)
        for values in itertools.product(*(choices[name] for name in names)):
            path = rule.build(dict(zip(names, values, strict=True)))[1]
            for fmt in ("xlsx", "csv"):
                url = f"{path}?format={fmt}"
                response = client.get(url)
                disposition = response.headers.get("Content-Disposition", "")
                if disposition.startswith("attachment") and response.mimetype in SPREADSHEETS:
                    yield rule.endpoint, url, response


def _formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START)


def _scan_csv(data: bytes, where: str) -> tuple[list, list[str]]:
    problems, texts = [], []
    for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")):
        for field in row:
            texts.append(field)
            if _formula_like(field) and not NUMBER.fullmatch(field):
                problems.append((where, field))
    return problems, texts


def _scan(response, url: str) -> tuple[list, list[str]]:
    """Return what could run as a formula in the file (where, value), and all its text."""
    if response.mimetype == "text/csv":
        return _scan_csv(response.data, url)
    if response.mimetype == "application/zip":
        problems, texts = [], []
        with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
            for name in archive.namelist():
                found, words = _scan_csv(archive.read(name), f"{url} {name}")
                problems += found
                texts += words
        return problems, texts
    problems, texts = [], []
    book = load_workbook(io.BytesIO(response.data))
    for sheet in book.worksheets:
        texts.append(sheet.title)
        if _formula_like(sheet.title):
            problems.append((f"{url} sheet name", sheet.title))
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    problems.append((f"{url} {sheet.title}!{cell.coordinate}", cell.value))
                elif isinstance(cell.value, str):
                    texts.append(cell.value)
                    if _formula_like(cell.value):
                        where = f"{url} {sheet.title}!{cell.coordinate}"
                        problems.append((where, cell.value))
    return problems, texts


@pytest.mark.parametrize("language", ["vi", "en"])
def test_no_exported_sheet_name_header_or_cell_can_run_as_a_formula(
    app, build, client, login, language
):
    world = build(_world)
    login("admin@example.org")
    client.post("/account/language", data={"language": language})
    found: set[tuple[str, str]] = set()
    problems = []
    for endpoint, url, response in _downloads(app, client, world):
        found.add((endpoint, url.rsplit("=", 1)[1]))
        bad, texts = _scan(response, url)
        problems += bad
        if endpoint != "imports.template":  # fixed examples, no data
            assert any("HYPERLINK" in text for text in texts), url  # the data is there
    assert {(e, fmt) for e in EXPORTS for fmt in ("xlsx", "csv")} <= found
    assert problems == []

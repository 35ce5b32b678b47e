"""The shape the code keeps: no import cycles, services that neither read the clock nor the
configuration, and tests that pass dates instead of moving the app's clock. The layer
contracts themselves are checked by ``lint-imports`` (pyproject.toml) in scripts/test."""

import ast
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted((ROOT / "tracker" / "services").rglob("*.py"))
VIEWS = sorted((ROOT / "tracker" / "views").rglob("*.py"))
TESTS = sorted(p for p in (ROOT / "tests").rglob("*.py") if p.name != "test_layering.py")
CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")}


def cycles(graph) -> list[set[str]]:
    """Return the groups of modules that import each other (directly or through others)."""
    modules = sorted(graph.modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in graph.find_modules_directly_imported_by(module):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = set()
            while True:
                other = stack.pop()
                group.add(other)
                if other == module:
                    break
            if len(group) > 1:
                found.append(group)

    for module in modules:
        if module not in index:
            visit(module)
    return found


def test_no_module_of_tracker_imports_one_that_imports_it_back():
    assert cycles(grimp.build_graph("tracker")) == []


def test_the_cycle_finder_finds_a_cycle():
    class Graph:
        modules = {"a", "b", "c"}
        edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}}

        def find_modules_directly_imported_by(self, module):
            return self.edges[module]

    assert cycles(Graph()) == [{"a", "b", "c"}]


def reads_of_clock_or_config(source: str) -> list[str]:
    """Return what a module does that only entry points may: import the clock, read the
    app's configuration or instance folder, ask the system for the time."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "tracker.clock" or (
                node.module == "tracker" and any(a.name == "clock" for a in node.names)
            ):
                found.append(f"line {node.lineno}: imports the clock")
            if node.module == "flask" and any(a.name == "current_app" for a in node.names):
                found.append(f"line {node.lineno}: imports current_app")
            if node.module == "tracker.settings" and any(a.name == "current" for a in node.names):
                found.append(f"line {node.lineno}: imports settings.current")
        elif isinstance(node, ast.Import) and any(a.name == "tracker.clock" for a in node.names):
            found.append(f"line {node.lineno}: imports the clock")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id, node.attr) in CLOCK_CALLS:
                found.append(f"line {node.lineno}: calls {node.value.id}.{node.attr}")
            if node.value.id == "current_app" and node.attr in ("config", "instance_path"):
                found.append(f"line {node.lineno}: reads current_app.{node.attr}")
    return found


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: str(p.relative_to(ROOT / "tracker")))
def test_services_take_the_clock_and_the_settings_as_parameters(path):
    assert reads_of_clock_or_config(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("from tracker import clock", ["line 1: imports the clock"]),
        ("from tracker.clock import local_date", ["line 1: imports the clock"]),
        ("from flask import current_app", ["line 1: imports current_app"]),
        ("x = current_app.config['TODAY']", ["line 1: reads current_app.config"]),
        ("x = datetime.now(UTC)", ["line 1: calls datetime.now"]),
        ("x = date.today()", ["line 1: calls date.today"]),
        ("def f(now, today): return now, today", []),
        ("from tracker.settings import Settings", []),
    ],
)
def test_the_check_finds_every_way_of_reading_the_clock(source, found):
    assert reads_of_clock_or_config(source) == found


# Of the extensions, views may use the rate limiter, the OpenID Connect clients (single
# sign-on), exempt the token-authenticated API from CSRF checks, and frame their services'
# reads on the reports engine (report pages; its transactions are read-only): none lets a
# view query.
FOR_VIEWS = frozenset({"limiter", "oauth", "csrf", "on_reports_engine"})


def queries_or_commits(source: str) -> list[str]:
    """Return what a view imports that would let it query or commit: SQLAlchemy, or the
    database handle (of the extensions, only those in ``FOR_VIEWS``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"line {node.lineno}: imports {a.name}" for a in node.names
                      if a.name.split(".")[0] == "sqlalchemy"]  # fmt: skip
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in ("sqlalchemy", "flask_sqlalchemy"):
                found.append(f"line {node.lineno}: imports {node.module}")
            elif node.module == "tracker.extensions":
                found += [f"line {node.lineno}: imports {a.name}" for a in node.names
                          if a.name not in FOR_VIEWS]  # fmt: skip
    return found


@pytest.mark.parametrize("path", VIEWS, ids=lambda p: str(p.relative_to(ROOT / "tracker")))
def test_views_neither_query_nor_commit(path):
    assert queries_or_commits(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("from sqlalchemy import select", ["line 1: imports sqlalchemy"]),
        ("import sqlalchemy.orm", ["line 1: imports sqlalchemy.orm"]),
        ("from tracker.extensions import db, limiter", ["line 1: imports db"]),
        ("from tracker.extensions import limiter", []),
        ("from tracker.extensions import on_reports_engine", []),
        ("from tracker.extensions import reports_engine", ["line 1: imports reports_engine"]),
        ("from tracker.services.tasks import listing", []),
    ],
)
def test_the_view_check_finds_queries(source, found):
    assert queries_or_commits(source) == found


def moves_the_clock(source: str) -> list[int]:
    """Return the lines where a test changes the app's TODAY instead of passing a date."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.slice, ast.Constant)
                    and target.slice.value == "TODAY"
                ):
                    lines.append(node.lineno)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "update"
            and any(k.arg == "TODAY" for k in node.keywords)
        ):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("path", TESTS, ids=lambda p: str(p.relative_to(ROOT / "tests")))
def test_tests_pass_dates_and_never_move_the_apps_clock(path):
    assert moves_the_clock(path.read_text(encoding="utf-8")) == []


def test_the_clock_check_finds_a_moved_clock():
    assert moves_the_clock('app.config["TODAY"] = "2024-07-02"\napp.config.update(TODAY=x)') == [
        1,
        2,
    ]

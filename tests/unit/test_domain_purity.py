import ast
import sys
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "tracker" / "domain"
ALLOWED_THIRD_PARTY = {"holidays", "dateutil"}
MODULES = sorted(DOMAIN.rglob("*.py"))


def imported_modules(path: Path) -> list[str]:
    """Absolute names of everything `path` imports (relative imports resolved)."""
    package = "tracker.domain" + "".join(
        "." + part for part in path.relative_to(DOMAIN).parent.parts
    )
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                names.append(f"{base}.{node.module}" if node.module else base)
            else:
                names.append(node.module or "")
    return names


def is_allowed(name: str) -> bool:
    top = name.split(".")[0]
    if top == "tracker":
        return name == "tracker.domain" or name.startswith("tracker.domain.")
    return top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY


def test_domain_package_has_modules():
    assert {p.name for p in MODULES} >= {
        "__init__.py",
        "calendar.py",
        "deadlines.py",
        "status.py",
        "aggregate.py",
    }


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_domain_modules_import_only_stdlib_and_holidays(path):
    forbidden = [name for name in imported_modules(path) if not is_allowed(name)]
    assert forbidden == []


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("datetime", True),
        ("holidays", True),
        ("tracker.domain.calendar", True),
        ("flask", False),
        ("flask_sqlalchemy", False),
        ("sqlalchemy.orm", False),
        ("werkzeug", False),
        ("tracker.models", False),
        ("tracker", False),
        ("tracker.domainx", False),
    ],
)
def test_purity_rule_rejects_web_and_database_imports(name, allowed):
    assert is_allowed(name) is allowed

"""scripts/audit_dependencies.py: fails on a vulnerable dependency, says when it could not
audit, never passes silently."""

import json
import runpy
import stat
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "scripts" / "audit_dependencies.py"


def _fake_pip_audit(tmp_path: Path, output: str, exit_code: int = 0) -> Path:
    tool = tmp_path / "pip-audit"
    (tmp_path / "out.txt").write_text(output)
    tool.write_text(
        f"#!{sys.executable}\nimport sys\n"
        f"sys.stdout.write(open({str(tmp_path / 'out.txt')!r}).read())\nsys.exit({exit_code})\n"
    )
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    return tool


def _run(monkeypatch, tool: Path) -> int:
    monkeypatch.setenv("TRACKER_PIP_AUDIT", str(tool))
    main = runpy.run_path(str(SCRIPT))["main"]
    return main()


def _report(*deps) -> str:
    return json.dumps({"dependencies": list(deps), "fixes": []})


FLASK = {"name": "flask", "version": "3.1.0", "vulns": []}
OLD_JINJA = {
    "name": "jinja2",
    "version": "3.1.2",
    "vulns": [{"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"]}],
}
UNKNOWN = {"name": "tracker", "skip_reason": "Dependency not found on PyPI"}


@pytest.mark.parametrize(
    ("deps", "code", "said"),
    [
        ((FLASK, UNKNOWN), 0, "1 package(s) checked, 0 vulnerable, 1 unknown to the service"),
        ((FLASK, OLD_JINJA), 1, "jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (fixed in 3.1.3)"),
        ((UNKNOWN,), 0, "dependency audit skipped: the vulnerability service knows none"),
    ],
)
def test_the_audit_fails_only_on_a_vulnerability_and_says_what_it_did(
    tmp_path, monkeypatch, capsys, deps, code, said
):
    assert _run(monkeypatch, _fake_pip_audit(tmp_path, _report(*deps), 1 if code else 0)) == code
    assert said in capsys.readouterr().out


def test_an_unreachable_service_is_reported_as_skipped(tmp_path, monkeypatch, capsys):
    tool = _fake_pip_audit(tmp_path, "", exit_code=1)
    assert _run(monkeypatch, tool) == 0
    assert "dependency audit skipped: the vulnerability service could not be reached" in (
        capsys.readouterr().out
    )
    assert _run(monkeypatch, tmp_path / "absent" / "pip-audit") == 0
    assert "pip-audit is not installed" in capsys.readouterr().out

"""Check the installed dependencies against the known vulnerabilities (pip-audit, PyPI's
advisory data); exit 1 when any has one. When the service cannot be reached, or knows none
of the packages (an offline mirror), say so and exit 0: the audit was not done, visibly.

Run by ``scripts/test`` before the suite: ``.venv/bin/python scripts/audit_dependencies.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

TIMEOUT = 120  # seconds for the whole audit
SKIPPED = "dependency audit skipped"


def main() -> int:
    tool = Path(os.environ.get("TRACKER_PIP_AUDIT") or Path(sys.executable).with_name("pip-audit"))
    command = [str(tool), "--local", "--format", "json", "--progress-spinner", "off"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    except FileNotFoundError:
        print(f"{SKIPPED}: pip-audit is not installed in {tool.parent}")
        return 0
    except subprocess.TimeoutExpired:
        print(f"{SKIPPED}: the vulnerability service did not answer within {TIMEOUT} s")
        return 0
    try:
        found = json.loads(done.stdout)["dependencies"]
    except (ValueError, KeyError):
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"{SKIPPED}: the vulnerability service could not be reached ({reason})")
        return 0
    audited = [d for d in found if "skip_reason" not in d]
    if not audited:
        print(f"{SKIPPED}: the vulnerability service knows none of the {len(found)} packages")
        return 0
    vulnerable = [d for d in audited if d.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            print(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
    unaudited = len(found) - len(audited)
    print(
        f"dependency audit: {len(audited)} package(s) checked, {len(vulnerable)} vulnerable"
        + (f", {unaudited} unknown to the service" if unaudited else "")
    )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())

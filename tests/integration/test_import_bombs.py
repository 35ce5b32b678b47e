"""Imports that stream: a workbook of a few hundred kilobytes that unpacks to 140 MB and 2.86
million rows is refused at the row limit within seconds and with little memory, read in a
process of its own so that its peak memory can be measured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support.bombs import xlsx_with_rows

READER = r"""
import json, sys, time
from flask import Flask
from flask_babel import force_locale
from tracker import i18n
from tracker.services.errors import ServiceError
from tracker.services.imports.reading import read_table

def peak_mb():  # this process's own high-water mark (ru_maxrss keeps the parent's past exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

app = Flask("bomb")
app.config.update(BABEL_DEFAULT_LOCALE="vi", LANGUAGES=["vi", "en"], TIMEZONE="UTC")
i18n.init_app(app)
data = open(sys.argv[1], "rb").read()
before = peak_mb()
with app.test_request_context(), force_locale("en"):
    started = time.monotonic()
    try:
        sheet = read_table(data, max_bytes=5 * 1024 * 1024, max_rows=20000)
        said = f"read {len(sheet.rows)} rows"
    except ServiceError as error:
        said = str(error)
    seconds = time.monotonic() - started
peak = peak_mb()
print(json.dumps({"said": said, "seconds": seconds, "before_mb": before, "peak_mb": peak}))
"""


def _read_apart(tmp_path: Path, data: bytes) -> dict:
    path = tmp_path / "upload.xlsx"
    path.write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-c", READER, str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("blank", [False, True], ids=["rows", "blank rows"])
def test_a_workbook_of_millions_of_rows_is_refused_quickly_in_little_memory(tmp_path, blank):
    data = xlsx_with_rows(2_860_000, blank=blank)
    assert len(data) < 5 * 1024 * 1024  # under the upload limit

    found = _read_apart(tmp_path, data)

    assert found["said"] == "The file has more than 20,000 rows: split it into several files."
    assert found["seconds"] < 5
    assert found["peak_mb"] < 100
    assert found["peak_mb"] - found["before_mb"] < 25  # what reading the file took


def test_a_workbook_at_the_row_limit_is_read_whole(tmp_path):
    found = _read_apart(tmp_path, xlsx_with_rows(20_000))
    assert found["said"] == "read 20000 rows"
    assert found["peak_mb"] < 100
    assert found["peak_mb"] - found["before_mb"] < 50

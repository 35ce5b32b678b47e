"""The benches run end to end on tiny SQLite worlds and print their tables; the figures
themselves are not judged here (the benches print PASS/MISS and assert nothing)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tracker.benchmarks.reports import EXPORTS, PAGES


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A folder of bench worlds shared by this module's tests (the second reuses them)."""
    return tmp_path_factory.mktemp("bench")


def run(module: str, folder, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", module, "--folder", str(folder), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout


def rows(output: str, first: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(first)]


def test_bench_reports_prints_every_page_on_both_worlds_with_ratio_and_verdicts(folder):
    out = run(
        "tracker.benchmarks.reports", folder,
        "--worlds", "20x5,40x5", "--samples", "3", "--export-samples", "1",
    )  # fmt: skip

    assert "20 units x 5 tasks = 100 assignments" in out
    assert "40 units x 5 tasks = 200 assignments" in out
    for page in PAGES + EXPORTS:
        (row,) = rows(out, page.name + " ")
        cells = [cell.split() for cell in row.removeprefix(page.name).split("|")[1:]]
        small, large, ratio = cells[:3]
        assert small[3] == large[3] == ("3" if page in PAGES else "1"), row  # samples
        assert float(ratio[0]) > 0, row
        if page in PAGES:
            assert cells[3][0] in ("PASS", "MISS"), row  # SQLite: p50 on the large world
    assert rows(out, "targets on 200 (set for 1.05M): ")


def test_bench_reports_reuses_a_world_of_the_right_size(tmp_path):
    def once() -> str:
        return run(
            "tracker.benchmarks.reports", tmp_path,
            "--worlds", "10x2", "--samples", "1", "--warm", "0", "--export-samples", "1",
        )  # fmt: skip

    assert "  built" in once()
    assert "  reused" in once()


def test_bench_http_prints_a_row_per_concurrency_level_without_errors(folder):
    out = run(
        "tracker.benchmarks.http", folder,
        "--world", "20x5", "--seconds", "2", "--concurrency", "2,3", "--floor-seconds", "1",
    )  # fmt: skip

    (floor,) = rows(out, "floor: /healthz")
    assert "2 users" in floor and float(floor.split(": ")[2].split()[0]) > 0, floor
    for users in ("2", "3"):
        (row,) = [line for line in rows(out, users.rjust(5) + " ") if "|" in line]
        figures = row.split("|")[0].split()
        requests, rate, errors = int(figures[1]), float(figures[2]), int(figures[5])
        assert requests > 0 and rate > 0 and errors == 0, out
        assert float(row.split("|")[-1]) > 0, row  # the rate over the floor's
    assert "per page p50/p95 ms" in out
    assert "server log: 0 traceback(s)" in out

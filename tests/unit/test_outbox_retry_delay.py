"""The wait before an email's next attempt: doubling, capped, with bounded jitter."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from tracker.services.outbox.sender import LONGEST_WAIT_MINUTES, retry_delay


class _Fixed(random.Random):
    """A generator whose uniform() always returns the same point of the interval."""

    def __init__(self, fraction: float) -> None:
        super().__init__()
        self.fraction = fraction

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.fraction


def test_the_wait_doubles_after_each_failed_attempt():
    waits = [retry_delay(n, 5, _Fixed(0)) for n in range(1, 6)]
    assert waits == [timedelta(minutes=m) for m in (5, 10, 20, 40, 80)]


def test_the_wait_never_exceeds_six_hours_before_jitter():
    assert LONGEST_WAIT_MINUTES == 360
    assert retry_delay(7, 5, _Fixed(0)) == timedelta(minutes=320)
    for attempts in (8, 9, 20, 60):
        assert retry_delay(attempts, 5, _Fixed(0)) == timedelta(hours=6)
    assert retry_delay(60, 5, _Fixed(1)) == timedelta(hours=6) * 1.2


def test_jitter_adds_at_most_a_fifth_and_spreads_the_retries():
    rng = random.Random(10)
    waits = [retry_delay(3, 5, rng) for _ in range(500)]
    assert all(timedelta(minutes=20) <= w <= timedelta(minutes=24) for w in waits)
    assert len(set(waits)) > 450  # many failed emails do not come back at one instant
    assert min(waits) < timedelta(minutes=20.5) and max(waits) > timedelta(minutes=23.5)


@pytest.mark.parametrize("attempts", [0, 1])
def test_the_first_wait_is_the_configured_one(attempts):
    assert retry_delay(attempts, 7, _Fixed(0)) == timedelta(minutes=7)


def test_no_wait_when_retries_are_configured_immediate():
    assert retry_delay(4, 0, random.Random(1)) == timedelta(0)

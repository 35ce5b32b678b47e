"""The tests' clock: the day every test app is fixed to, and a moment on it."""

from datetime import UTC, date, datetime

TODAY = date(2024, 7, 1)  # the test apps' TODAY
NOW = datetime(2024, 7, 1, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội on TODAY

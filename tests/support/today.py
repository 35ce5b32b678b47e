"""The tests' clock: the day every test app is fixed to, and a moment on it."""

from datetime import UTC, date, datetime

TODAY = date(2024, 7, 1)  # the test apps' TODAY
NOW = datetime(2024, 7, 1, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội on TODAY
# 00:00 in Hà Nội on TODAY: no later than the test apps' clock, which keeps the real time
# of day, so what is queued at it is due for a command or loop reading that clock.
START_OF_TODAY = datetime(2024, 6, 30, 17, 0, tzinfo=UTC)

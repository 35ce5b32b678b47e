"""Server-side SVG charts of the reporting buckets, to put straight into a page.

Every chart is inline SVG returned as ``Markup``: no JavaScript and nothing fetched,
scaled to its container (viewBox, width 100%), labelled for screen readers (role="img",
<title>, <desc> with the figures in words), and each bucket painted in the colour the
pages give it plus a pattern, so a black-and-white print still tells them apart. Call
them inside a request: labels follow the user's language, numbers and dates its style.
"""

from tracker.views.charts.bars import group_split, status_bars
from tracker.views.charts.donut import status_donut
from tracker.views.charts.trend import completion_over_time

__all__ = ["completion_over_time", "group_split", "status_bars", "status_donut"]

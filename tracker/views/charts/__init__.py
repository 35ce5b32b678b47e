"""Server-side SVG charts of the reporting buckets, to put straight into a page: status
bars per task and the split by group (``bars``), the status donut (``donut``) and the
completion over time (``trend``); ``svg`` holds what they share.

Every chart is inline SVG returned as ``Markup``: no JavaScript and nothing fetched,
scaled to its container (viewBox, width 100%), labelled for screen readers (role="img",
<title>, <desc> with the figures in words), and each bucket painted in the colour the
pages give it plus a pattern, so a black-and-white print still tells them apart. Call
them inside a request: labels follow the user's language, numbers and dates its style.
"""

"""Where a form may send the browser back to: only a path on this site."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Browsers drop tabs and line breaks from a URL and read a backslash as a slash, so
# "/\t/evil.example/" and "/\\evil.example" both lead off the site.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")


def safe_next(target: str | None) -> str | None:
    """Return ``target`` only if it is a path on this site (no open redirect), else None."""
    if not target or _UNSAFE.search(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target

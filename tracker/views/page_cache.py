"""Pages kept while nothing they show can have changed.

A signed-in user's page is kept, in this process, under the database's data version
(``services.data_version``, read with the user in the request's first statement), the
browser session and what its cookie holds, the address with its query, the language and the clock's
day. The next request for the same page in the same session, while the version still
reads the same, gets the kept copy without reading or rendering anything: nothing committed
since can differ from what the page showed. Any commit anywhere changes the version, so the
copy is never shown after a change; a copy is also dropped after ``PAGE_CACHE_SECONDS``,
which bounds how old its "x minutes ago" can get.

Only successful HTML answers that left the session alone are kept (a page that flashed a
message, set a cookie or set its own cache headers is not), downloads never, and nothing
on SQLite (no version) or when the reports read from another database (a replica's lag is
not in the main database's version). ``PAGE_CACHE_SECONDS = 0`` turns it off.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict

from flask import Flask, current_app, g, request, session

from tracker import clock, i18n
from tracker.services import metrics
from tracker.views import downloads

_EXTENSION = "tracker_page_cache"


class PageStore:
    """A bounded, thread-safe map of keys to page bodies, each kept ``seconds`` at most;
    the least recently used go first past ``entries`` or ``max_bytes`` in all."""

    def __init__(self, entries: int, max_bytes: int) -> None:
        self.entries, self.max_bytes = entries, max_bytes
        self._pages: OrderedDict[tuple, tuple[float, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple, seconds: float) -> bytes | None:
        """Return the body kept under ``key`` in the last ``seconds``, or None."""
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                return None
            if time.monotonic() - found[0] > seconds:
                self._drop(key)
                return None
            self._pages.move_to_end(key)
            return found[1]

    def put(self, key: tuple, body: bytes) -> None:
        if len(body) > self.max_bytes // 8:
            return  # one huge page must not push out everything else
        with self._lock:
            if key in self._pages:
                self._drop(key)
            self._pages[key] = (time.monotonic(), body)
            self._bytes += len(body)
            while len(self._pages) > self.entries or self._bytes > self.max_bytes:
                self._drop(next(iter(self._pages)))

    def _drop(self, key: tuple) -> None:
        self._bytes -= len(self._pages.pop(key)[1])

    def __len__(self) -> int:
        return len(self._pages)


def init_app(app: Flask) -> None:
    """Give the app its page store (used while ``PAGE_CACHE_SECONDS`` is above 0)."""
    app.extensions[_EXTENSION] = PageStore(
        app.config["PAGE_CACHE_ENTRIES"], app.config["PAGE_CACHE_BYTES"]
    )


def data_version() -> str | None:
    """Return the data version read with the signed-in user in this request, when what it
    vouches for may be kept (``PAGE_CACHE_SECONDS`` above 0), else None."""
    if current_app.config["PAGE_CACHE_SECONDS"] <= 0:
        return None
    return g.get("data_version")


def kept(*, reports: bool = False):
    """Decorate a GET view whose page depends only on the database, the signed-in user,
    the address and the language, to serve it from the page store while that holds.
    ``reports``: the view reads through the reports' engine."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            key = _key(reports)
            if key is None:
                return view(*args, **kwargs)
            store = current_app.extensions[_EXTENSION]
            body = store.get(key, current_app.config["PAGE_CACHE_SECONDS"])
            if body is not None:
                metrics.page_cache(request.endpoint, hit=True)
                return current_app.response_class(body, mimetype="text/html")
            response = current_app.make_response(view(*args, **kwargs))
            if _keepable(response):
                store.put(key, response.get_data())
            metrics.page_cache(request.endpoint, hit=False)
            return response

        return wrapper

    return decorator


def _key(reports: bool) -> tuple | None:
    """Return the page's key in the store, or None when it is not to be kept."""
    if request.method != "GET":
        return None
    version = data_version()
    if version is None or "_flashes" in session or downloads.requested():
        return None
    if reports and current_app.config["SQLALCHEMY_REPORTS_URI"]:
        return None
    return (
        g.get("user_session_id"),
        repr(sorted(session.items())),  # the CSRF secret, the sign-in, the language chosen
        request.full_path,
        i18n.language(),
        clock.today(),
        version,
    )


def _keepable(response) -> bool:
    return (
        response.status_code == 200
        and response.mimetype == "text/html"
        and not response.direct_passthrough
        and not session.modified
        and "Set-Cookie" not in response.headers
        and "Cache-Control" not in response.headers
    )

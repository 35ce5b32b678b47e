"""Values worked out once a request and kept in the request's WSGI environ, which lives
exactly as long as the request."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import has_request_context, request

T = TypeVar("T")


def once(key: str, make: Callable[[], T]) -> T:
    """Return ``make()``, kept for the rest of the request under ``key`` (made afresh each
    time outside a request)."""
    if not has_request_context():
        return make()
    kept = request.environ.get(key)
    if kept is None:
        kept = request.environ[key] = make()
    return kept

"""Helpers of the notification tests: reading what arrived."""

from __future__ import annotations


def text_of(message) -> str:
    """Return the plain-text body of a parsed message."""
    return message.get_body(("plain",)).get_content()


def html_of(message) -> str:
    """Return the HTML body of a parsed message."""
    return message.get_body(("html",)).get_content()

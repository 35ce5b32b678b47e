"""The error answers an operation documents: each a problem-details response (see
``TrackerApi._register_responses``), so a client and a fuzzer know every status it may get."""

from __future__ import annotations

import http

from flask_smorest import Blueprint


def documented(blueprint: Blueprint, *codes: int):
    """Document ``codes`` as the operation's error answers."""

    def decorate(view):
        for code in codes:
            view = blueprint.alt_response(code, response=http.HTTPStatus(code).name)(view)
        return view

    return decorate

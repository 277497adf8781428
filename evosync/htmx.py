"""HTMX request helpers shared by every feature's views."""

from __future__ import annotations

from flask import Response, make_response, render_template, request


def is_htmx() -> bool:
    """Whether this request was sent by htmx (a fragment is wanted, not a page)."""
    return request.headers.get("HX-Request") == "true"


def page_or_fragment(page: str, fragment: str, status: int = 200, **context) -> Response:
    """The full page, or just its fragment for an HTMX request of the same URL (``Vary: HX-Request``)."""
    response = make_response(render_template(fragment if is_htmx() else page, **context), status)
    response.vary.add("HX-Request")
    return response

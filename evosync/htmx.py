"""HTMX request helpers shared by every feature's views."""

from __future__ import annotations

from flask import Response, make_response, render_template, request


def is_htmx() -> bool:
    """Whether this request was sent by htmx (a fragment is wanted, not a page)."""
    return request.headers.get("HX-Request") == "true"


def page_or_fragment(page: str, fragment: str, status: int = 200, **context) -> Response:
    """The full page, or just its fragment for an HTMX request of the same URL (``Vary: HX-Request``).

    A history restore (Back to a URL pushed by ``hx-push-url`` that htmx has no snapshot of) gets the page.
    """
    wants_fragment = is_htmx() and request.headers.get("HX-History-Restore-Request") != "true"
    response = make_response(render_template(fragment if wants_fragment else page, **context), status)
    response.vary.add("HX-Request")
    return response

"""Security headers on every response, and a Fetch-Metadata guard against cross-site writes."""

from __future__ import annotations

from flask import Flask, abort, request
from flask_login import current_user

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Owner-only responses a browser may keep privately (they set their own Cache-Control and an ETag):
# product thumbnails, dozens per catalog page.
PRIVATELY_CACHED = frozenset({"thumbs.thumb"})


def content_security_policy(extra_img_sources: list[str]) -> str:
    """Build the CSP: no inline script or style, no plugins, no framing, no <base> hijack."""
    img = " ".join(["'self'", "data:", "https:", *extra_img_sources])
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {img}; font-src 'self'; connect-src 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )


def register(app: Flask) -> None:
    """Attach the header hooks to ``app``."""
    extra = [app.config["SANDBOX_URL"]] if app.config["SANDBOX"] else []
    csp = content_security_policy(extra)
    production = app.config["ENV"] == "production"

    @app.before_request
    def _reject_cross_site_writes():
        # Browsers send Sec-Fetch-Site; a cross-site POST is a forgery whatever its token says.
        if request.method not in SAFE_METHODS and request.headers.get("Sec-Fetch-Site") == "cross-site":
            abort(403)

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", csp)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        headers["X-Frame-Options"] = "DENY"
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if production:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        cacheable = request.path.startswith("/static/") or request.endpoint in PRIVATELY_CACHED
        if not cacheable and current_user and current_user.is_authenticated:
            headers["Cache-Control"] = "no-store"
        return response

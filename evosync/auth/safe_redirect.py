"""Open-redirect protection for `next` parameters."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def safe_next(target: str | None) -> str | None:
    """Return ``target`` if it is a same-site absolute path, else None."""
    if not target or len(target) > 2000:
        return None
    decoded = target
    # Decode repeatedly so "%2F%2Fevil" or a double-encoded payload cannot sneak past the checks.
    for _ in range(3):
        decoded = unquote(decoded)
    for candidate in (target, decoded):
        if not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
            return None
        if any(ord(ch) < 32 or ch == "\\" for ch in candidate):
            return None
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return None
    return target

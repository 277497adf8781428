"""The VK API error type the emulated methods raise, with VK's own wording for each code."""

from __future__ import annotations

MESSAGES = {
    1: "Unknown error occurred",
    3: "Unknown method passed",
    5: "User authorization failed: invalid access_token (4).",
    6: "Too many requests per second",
    8: "Invalid request: v (version) is required",
    9: "Flood control",
    10: "Internal server error",
    12: "Unable to compile code",
    13: "Runtime error occurred during code invocation",
    14: "Captcha needed",
    15: "Access denied",
    29: "Rate limit reached",
    100: "One of the parameters specified was missing or invalid",
    113: "Invalid user id",
    121: "Invalid hash",
    125: "Invalid group id",
    129: "Invalid photo",
    203: "Access to group denied",
    205: "Access denied: no access to this market",
    1400: "Too late for restore",
    1402: "Album not found",
    1403: "Item not found",
    1404: "Item already added to album",
    1407: "Too many albums",
    1408: "Item has bad links in description",
    1438: "Market not enabled",
    1446: "Main album can not be hidden",
    1518: "Item is not deleted",
}


class VkError(Exception):
    """A VK API error: ``code``, ``msg`` and any extra fields (captcha_sid, …) for the error object."""

    def __init__(self, code: int, msg: str | None = None, **extra):
        """Build the error; the message defaults to VK's wording for the code."""
        super().__init__(code, msg)
        self.code = code
        self.msg = msg or MESSAGES.get(code, "Unknown error occurred")
        self.extra = extra

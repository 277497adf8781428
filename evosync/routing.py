"""URL converters that keep malformed path parts away from the database.

A path id larger than a database INTEGER, or a path segment with a NUL byte, would reach PostgreSQL and fail
there ("integer out of range", "cannot contain NUL"), which SQLite silently tolerates. Rejecting them while
matching the URL turns both into a plain 404 on every backend.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, UnicodeConverter

DB_INT_MAX = 2**31 - 1


class DbIntConverter(IntegerConverter):
    """`<int:…>` limited to 0…2**31-1 (a PostgreSQL INTEGER)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


class TextConverter(UnicodeConverter):
    """`<…>` / `<string:…>` that never matches a NUL byte."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]")


def install_converters(app: Flask) -> None:
    """Register the converters; call before any blueprint adds its rules."""
    app.url_map.converters.update(int=DbIntConverter, default=TextConverter, string=TextConverter)

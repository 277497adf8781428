"""Refusals: an action the merchant asked for that cannot be done, with a reason they can read.

Every feature's "bad input" / "not allowed now" error is a ``Refusal``; views show ``message_ru`` as is
and roll back whatever the refused action had changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from evosync.extensions import db

T = TypeVar("T")


class Refusal(Exception):
    """Base of every user-facing refusal; ``message_ru`` is shown to the merchant unchanged."""

    def __init__(self, message_ru: str) -> None:
        super().__init__(message_ru)
        self.message_ru = message_ru


def commit_or_refusal(action: Callable[[], T]) -> tuple[T | None, str | None]:
    """Run ``action`` and commit: ``(result, None)``; on a Refusal roll back: ``(None, message_ru)``."""
    try:
        result = action()
        db.session.commit()
    except Refusal as refused:
        db.session.rollback()
        return None, refused.message_ru
    return result, None

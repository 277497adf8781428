"""Russian «через N минут» for the throttled page."""

from __future__ import annotations


def plural_ru(n: int, one: str, few: str, many: str) -> str:
    """The Russian plural form of a noun for ``n`` (1 минута, 2 минуты, 5 минут)."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def wait_ru(seconds: int) -> str:
    """``через 40 секунд`` / ``через 3 минуты`` (rounded up to whole minutes past a minute)."""
    if seconds < 60:
        return f"через {seconds} {plural_ru(seconds, 'секунду', 'секунды', 'секунд')}"
    minutes = -(-seconds // 60)
    return f"через {minutes} {plural_ru(minutes, 'минуту', 'минуты', 'минут')}"

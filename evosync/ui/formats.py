"""Jinja filters every template uses for times and money, so each is written one way everywhere.

Times: stored as UTC, shown in the merchant's time zone (``users.timezone``, default Europe/Moscow) with
a short Russian label — «26.11.2026 21:00 МСК». Money: «2 166,90 ₽», a no-break space (U+00A0) between
thousands and before the rouble sign, so a price never wraps in a table cell.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask
from flask_login import current_user
from markupsafe import Markup

from evosync.db import as_utc
from evosync.rules import reasons as R

DEFAULT_TZ = "Europe/Moscow"
NBSP = "\u00a0"
# The zones a Russian merchant picks from, with the label shown after a time; UTC offsets for the rest.
ZONES = {
    "Europe/Kaliningrad": ("Калининград", "МСК−1"),
    "Europe/Moscow": ("Москва", "МСК"),
    "Europe/Samara": ("Самара", "МСК+1"),
    "Asia/Yekaterinburg": ("Екатеринбург", "МСК+2"),
    "Asia/Omsk": ("Омск", "МСК+3"),
    "Asia/Novosibirsk": ("Новосибирск", "МСК+4"),
    "Asia/Krasnoyarsk": ("Красноярск", "МСК+4"),
    "Asia/Irkutsk": ("Иркутск", "МСК+5"),
    "Asia/Yakutsk": ("Якутск", "МСК+6"),
    "Asia/Vladivostok": ("Владивосток", "МСК+7"),
    "Asia/Magadan": ("Магадан", "МСК+8"),
    "Asia/Kamchatka": ("Камчатка", "МСК+9"),
}


def user_zone() -> str:
    """The logged-in user's time zone name, or Moscow (anonymous pages, unknown names)."""
    name = getattr(current_user, "timezone", None) if current_user else None
    return name if name in ZONES else DEFAULT_TZ


def local(value: datetime | None, zone: str | None = None) -> datetime | None:
    """``value`` (UTC, aware or naive) converted to ``zone`` (default: the user's)."""
    value = as_utc(value)
    if value is None:
        return None
    try:
        return value.astimezone(ZoneInfo(zone or user_zone()))
    except ZoneInfoNotFoundError:
        return value.astimezone(ZoneInfo(DEFAULT_TZ))


def local_time(value: datetime | None, empty: str = "—", zone: str | None = None) -> Markup | str:
    """«26.11.2026 21:00 МСК» inside a <time> element carrying the exact instant."""
    moment = local(value, zone)
    if moment is None:
        return empty
    label = ZONES.get(zone or user_zone(), ("", "МСК"))[1]
    text = f"{moment:%d.%m.%Y %H:%M}{NBSP}{label}"
    return Markup('<time datetime="{}">{}</time>').format(as_utc(value).isoformat(), text)


def rub(value: Decimal | float | int | str | None, empty: str = "—") -> str:
    """«350,50 ₽», «2 166,90 ₽», «−12,00 ₽»; ``empty`` when unknown."""
    if value is None:
        return empty
    try:
        number = Decimal(str(value))
        if not number.is_finite():
            return empty
        amount = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return empty
    sign = "−" if amount < 0 else ""
    whole, cents = f"{abs(amount):.2f}".split(".")
    groups = f"{int(whole):,}".replace(",", NBSP)
    return f"{sign}{groups},{cents}{NBSP}₽"


def amount(value: Decimal | float | int | None, empty: str = "—") -> str:
    """A quantity as Russians write it: «1 250,5», «3» (no trailing zeros); ``empty`` when unknown."""
    if value is None:
        return empty
    try:
        number = Decimal(str(value))
        if not number.is_finite():
            return empty
        text = f"{abs(number):f}"
    except (InvalidOperation, ValueError):
        return empty
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    sign = "−" if number < 0 and (int(whole) or frac) else ""
    return f"{sign}{int(whole):,}".replace(",", NBSP) + (f",{frac}" if frac else "")


def group_labels(groups, store_name) -> dict[str, str]:
    """Evotor group id → its name, with its store's (``store_name(store id)``) in brackets when another
    store has a group of the same name («Табак (Склад №2)»)."""
    stores_by_name: dict[str, set[str]] = {}
    for g in groups:
        stores_by_name.setdefault(g.name, set()).add(g.store_id)
    shared = {name for name, stores in stores_by_name.items() if len(stores) > 1}
    return {
        g.evotor_id: f"{g.name} ({store_name(g.store_id)})" if g.name in shared else g.name for g in groups
    }


def group_label(snap, group_id: str | None) -> str | None:
    """A group's label on a catalog snapshot (``group_labels``, computed once per snapshot)."""
    if not group_id:
        return None
    labels = getattr(snap, "_group_labels", None)
    if labels is None:
        labels = snap._group_labels = group_labels(snap.groups, snap.store_name)
    return labels.get(group_id)


def register(app: Flask) -> None:
    """Install the filters and globals every template uses on the app's Jinja environment."""
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["localtime"] = local_time
    app.jinja_env.filters["rub"] = rub
    app.jinja_env.filters["amount"] = amount
    app.jinja_env.globals["group_label"] = group_label
    app.jinja_env.globals["not_configured"] = R.NOT_CONFIGURED
    app.jinja_env.globals["not_configured_todo"] = R.NOT_CONFIGURED_TODO
    app.jinja_env.globals["time_zones"] = ZONES
    app.jinja_env.globals["user_zone"] = user_zone

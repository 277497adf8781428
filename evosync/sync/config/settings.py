"""Sync settings: price multiplier, VK category (from market.getCategories), placeholder image, leave action.

Services flush; the caller commits. Input problems raise ``BadSettings`` with a Russian message.
"""

from __future__ import annotations

import io
import threading
import time
import warnings
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import requests
from PIL import Image, ImageOps, UnidentifiedImageError

from evosync.connections.clients import vk_client_for
from evosync.connections.errors import ConnectionProblem
from evosync.connections.queries import get_connection
from evosync.extensions import db
from evosync.refusals import Refusal
from evosync.sync.config.models import LEAVE_ACTIONS
from evosync.sync.config.service import get_or_create_settings, get_settings
from evosync.vk.errors import VkError

MAX_MULTIPLIER = Decimal("1000.00")
PLACEHOLDER_MAX_BYTES = 5 * 1024 * 1024
PLACEHOLDER_MIN_SIDE = 400
# Far above any sensible photo, far below what would exhaust memory while decoding.
PLACEHOLDER_MAX_PIXELS = 40_000_000
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
DEFAULT_PLACEHOLDER = Path(__file__).resolve().parents[2] / "static" / "img" / "placeholder.jpg"
CATEGORIES_TTL = 3600.0

_categories_cache: dict[int, tuple[float, list[tuple[int, str]]]] = {}
_categories_lock = threading.Lock()


class BadSettings(Refusal):
    """A settings value that cannot be accepted; ``message_ru`` is shown to the user."""


def parse_multiplier(raw: str | None) -> Decimal:
    """A positive multiplier with at most two decimals (a comma is accepted as the decimal mark)."""
    text = (raw or "").strip().replace(",", ".")
    if not text:
        raise BadSettings("Укажите множитель цены, например 1.00.")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BadSettings("Множитель цены должен быть числом, например 1.15.") from None
    if not value.is_finite():
        raise BadSettings("Множитель цены должен быть числом, например 1.15.")
    if value <= 0:
        raise BadSettings("Множитель цены должен быть больше нуля.")
    if value > MAX_MULTIPLIER:
        raise BadSettings(f"Множитель цены не может быть больше {MAX_MULTIPLIER}.")
    if value != value.quantize(Decimal("0.01")):
        raise BadSettings("У множителя цены не больше двух знаков после запятой.")
    return value.quantize(Decimal("0.01"))


def category_choices(user_id: int) -> list[tuple[int, str]]:
    """(id, «Раздел — Категория») of the VK Market leaf categories, cached per user for an hour."""
    now = time.monotonic()
    with _categories_lock:
        cached = _categories_cache.get(user_id)
        if cached and cached[0] > now:
            return cached[1]
    connection = get_connection(user_id, "vk")
    try:
        client = vk_client_for(user_id)
        tree = client.market_get_categories(connection.vk_group_id if connection else None)
    except (ConnectionProblem, VkError, requests.RequestException):
        raise BadSettings("Не удалось получить категории ВКонтакте — проверьте подключение.") from None
    choices: list[tuple[int, str]] = []

    def walk(node, path: tuple[str, ...]) -> None:
        label = (*path, node.name)
        if node.children:
            for child in node.children:
                walk(child, label)
        else:
            choices.append((node.id, " — ".join(part for part in label if part)))

    for root in tree:
        walk(root, ())
    with _categories_lock:
        _categories_cache[user_id] = (now + CATEGORIES_TTL, choices)
    return choices


def forget_categories(user_id: int | None = None) -> None:
    """Drop the cached category list of one user (or everyone's)."""
    with _categories_lock:
        if user_id is None:
            _categories_cache.clear()
        else:
            _categories_cache.pop(user_id, None)


@dataclass(frozen=True)
class SettingsInput:
    """Validated form values; ``vk_category_id`` is ``...`` when the form did not send the field."""

    price_multiplier: Decimal
    leave_action: str
    send_stock: bool
    vk_category_id: object = ...


def update_settings(user_id: int, values: SettingsInput) -> None:
    """Store validated settings; the category must be one VK lists (empty = the default category)."""
    if values.leave_action not in LEAVE_ACTIONS:
        raise BadSettings("Выберите, что делать с товарами, которые выпали из выборки: скрыть или удалить.")
    settings = get_or_create_settings(user_id)
    if values.vk_category_id is not ...:
        category = values.vk_category_id
        if category is not None and category not in {cid for cid, _ in category_choices(user_id)}:
            raise BadSettings("Такой категории нет в списке ВКонтакте.")
        settings.vk_category_id = category
    settings.price_multiplier = values.price_multiplier
    settings.leave_action = values.leave_action
    settings.send_stock = values.send_stock
    db.session.flush()


def validate_image(data: bytes) -> tuple[bytes, str]:
    """Check an uploaded placeholder (JPG/PNG, ≥400×400, ≤5 MB, sane pixel count); return clean bytes + MIME."""
    if len(data) > PLACEHOLDER_MAX_BYTES:
        raise BadSettings("Файл больше 5 МБ — уменьшите изображение.")
    if not data:
        raise BadSettings("Выберите файл изображения.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                width, height = probe.size
                if fmt not in FORMATS:
                    raise BadSettings("Подходят только изображения JPG или PNG.")
                if width * height > PLACEHOLDER_MAX_PIXELS:
                    raise BadSettings("Изображение слишком большое по числу точек.")
                if width < PLACEHOLDER_MIN_SIDE or height < PLACEHOLDER_MIN_SIDE:
                    raise BadSettings(
                        f"Изображение {width}×{height}: нужно не меньше "
                        f"{PLACEHOLDER_MIN_SIDE}×{PLACEHOLDER_MIN_SIDE} точек."
                    )
                probe.load()
                image = ImageOps.exif_transpose(probe)
                out = io.BytesIO()
                if fmt == "JPEG":
                    image.convert("RGB").save(out, "JPEG", quality=92)
                else:
                    image.save(out, "PNG")
    except BadSettings:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise BadSettings("Изображение слишком большое по числу точек.") from None
    except UnidentifiedImageError:
        raise BadSettings("Не удалось прочитать изображение: подходят только JPG или PNG.") from None
    except (OSError, ValueError, SyntaxError):
        raise BadSettings("Файл изображения повреждён.") from None
    return out.getvalue(), FORMATS[fmt]


def set_placeholder(user_id: int, data: bytes) -> None:
    """Validate and store the user's placeholder image."""
    clean, mime = validate_image(data)
    settings = get_or_create_settings(user_id)
    settings.placeholder_image = clean
    settings.placeholder_mime = mime
    db.session.flush()


def reset_placeholder(user_id: int) -> None:
    """Go back to the default placeholder."""
    settings = get_settings(user_id)
    if settings is not None:
        settings.placeholder_image = None
        settings.placeholder_mime = None
        db.session.flush()


def placeholder(user_id: int) -> tuple[bytes, str, bool]:
    """(image bytes, MIME type, is_custom): the user's placeholder, else the default that ships."""
    settings = get_settings(user_id)
    if settings is not None and settings.placeholder_image:
        return settings.placeholder_image, settings.placeholder_mime or "image/jpeg", True
    return DEFAULT_PLACEHOLDER.read_bytes(), "image/jpeg", False

"""Sync settings: price multiplier, VK category (from market.getCategories), placeholder image, leave action,
stock mode (and the «half the products have no stock» warning).

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
from sqlalchemy import delete, select

from evosync.catalog.models import CatalogGroup
from evosync.connections.clients import vk_client_for
from evosync.connections.errors import ConnectionProblem
from evosync.connections.queries import get_connection
from evosync.extensions import db
from evosync.goods import stock
from evosync.goods.stock import StockMode
from evosync.refusals import Refusal
from evosync.sync.config.models import LEAVE_ACTIONS, GroupCategory
from evosync.sync.config.service import get_or_create_settings, get_settings
from evosync.sync.engine import source
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
    stock_mode: str
    stock_threshold: int
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
    settings.stock_mode = values.stock_mode
    settings.stock_threshold = values.stock_threshold
    db.session.flush()


def group_category_rows(user_id: int) -> list[tuple[CatalogGroup, int | None]]:
    """Every cached Evotor group of the user with the VK category mapped to it (None: the shop-wide one)."""
    own = dict(
        db.session.execute(
            select(GroupCategory.group_id, GroupCategory.vk_category_id).where(
                GroupCategory.user_id == user_id
            )
        ).all()
    )
    groups = db.session.scalars(
        select(CatalogGroup).where(CatalogGroup.user_id == user_id).order_by(CatalogGroup.name)
    )
    return [(group, own.get(group.evotor_id)) for group in groups]


def parse_category(raw: str | None, choices: list[tuple[int, str]]) -> int | None:
    """A category from the picker: its id, or the «Раздел — Категория (id)» label it shows; "" = none."""
    text = (raw or "").strip()
    if not text:
        return None
    known = dict(choices)
    tail = text.rsplit("(", 1)[-1].rstrip(")").strip()
    if tail.isascii() and tail.isdigit() and int(tail) in known:
        return int(tail)
    by_label = {label.casefold(): cid for cid, label in choices}
    if text.casefold() in by_label:
        return by_label[text.casefold()]
    raise BadSettings("Такой категории нет в списке ВКонтакте — выберите её из подсказок.")


def set_group_category(user_id: int, group_id: str, raw: str | None) -> None:
    """Map one Evotor group to a VK category ("" = back to the shop-wide category)."""
    group = db.session.scalar(
        select(CatalogGroup).where(CatalogGroup.user_id == user_id, CatalogGroup.evotor_id == group_id)
    )
    if group is None:
        raise BadSettings("Такой группы нет в каталоге.")
    category = parse_category(raw, category_choices(user_id)) if (raw or "").strip() else None
    db.session.execute(
        delete(GroupCategory).where(GroupCategory.user_id == user_id, GroupCategory.group_id == group_id)
    )
    if category is not None:
        db.session.add(GroupCategory(user_id=user_id, group_id=group_id, vk_category_id=category))
    db.session.flush()


def stock_warning(user_id: int) -> str | None:
    """The /sync warning when stock is passed and at least half of the selected products have none."""
    settings = get_settings(user_id)
    if settings is None or settings.stock_mode == StockMode.NONE:
        return None
    products, _ = source.selected_products(user_id)
    if not stock.mostly_out_of_stock([p.quantity for p in products]):
        return None
    hidden = "скрыты" if settings.stock_mode == StockMode.HIDE_AT_OR_BELOW else "показаны как «нет в наличии»"
    return (
        "У половины выбранных товаров или больше остаток в Эвоторе 0, отрицательный или не указан — "
        f"во ВКонтакте они будут {hidden}. Если вы не ведёте остатки в Эвоторе, выберите «не передавать остатки»."
    )


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

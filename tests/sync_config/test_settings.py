"""Sync settings: multiplier, leave action, stock, VK category (sandbox), placeholder upload and serving."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

GOOD = {"price_multiplier": "1.00", "leave_action": "hide", "stock_mode": "evotor"}


def image_bytes(size: tuple[int, int], fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, fmt)
    return out.getvalue()


def upload(client, data: bytes, filename: str = "x.png"):
    """POST a placeholder as a pre-encoded multipart body (the test client's temp file would leak otherwise)."""
    boundary, body = encode_multipart({"placeholder": FileStorage(io.BytesIO(data), filename=filename)})
    return client.post(
        "/sync/placeholder", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def settings_of(app, user):
    from evosync.sync.config.service import get_settings

    with app.app_context():
        return get_settings(user.id)


def test_save_settings(app, auth_client, user):
    response = auth_client.post(
        "/sync/settings", data={"price_multiplier": " 1,15 ", "leave_action": "delete"}
    )
    assert response.status_code == 303
    saved = settings_of(app, user)
    assert saved.price_multiplier == Decimal("1.15")
    assert saved.leave_action == "delete"
    assert saved.stock_mode == "none"  # no choice sent: «не передавать остатки»
    assert saved.vk_category_id is None
    html = auth_client.get("/sync").get_data(as_text=True)
    assert 'value="1,15"' in html and 'id="leave-delete" value="delete" checked' in html


def test_the_multiplier_reads_with_a_comma_and_takes_a_point_too(app, auth_client, user):
    assert 'value="1,00"' in auth_client.get("/sync").get_data(as_text=True)
    assert (
        auth_client.post(
            "/sync/settings", data={"price_multiplier": "1.2", "leave_action": "hide"}
        ).status_code
        == 303
    )
    assert settings_of(app, user).price_multiplier == Decimal("1.20")
    assert 'value="1,20"' in auth_client.get("/sync").get_data(as_text=True)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "больше нуля"),
        ("-1.5", "больше нуля"),
        ("abc", "числом"),
        ("1.234", "двух знаков"),
        ("NaN", "числом"),
        ("Infinity", "числом"),
        ("", "Укажите"),
        ("1e9", "не может быть больше"),
        ("1" * 5000, "не может быть больше"),
    ],
)
def test_bad_multiplier_is_400_and_changes_nothing(app, auth_client, user, value, message):
    response = auth_client.post("/sync/settings", data={**GOOD, "price_multiplier": value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert settings_of(app, user) is None


@pytest.mark.parametrize(
    "form",
    [
        {**GOOD, "leave_action": "burn"},
        {**GOOD, "vk_category_id": "x1"},
        {},
        {**GOOD, "stock_mode": "all"},
        {**GOOD, "stock_mode": "hide", "stock_threshold": "-1"},
        {**GOOD, "stock_mode": "hide", "stock_threshold": "два"},
    ],
)
def test_other_bad_settings_are_400(app, auth_client, user, form):
    response = auth_client.post("/sync/settings", data=form)
    assert response.status_code == 400
    assert 'id="settings-error"' in response.get_data(as_text=True)


@pytest.mark.parametrize("category", ["²", "1²", "٣", "99999999999", "2147483648"])
def test_a_category_id_that_is_no_ascii_number_or_too_big_is_400(app, auth_client, user, category):
    """Unicode digits pass str.isdigit() but not int(); a too big id would overflow the column: 400, not 500."""
    response = auth_client.post("/sync/settings", data={**GOOD, "vk_category_id": category})
    assert response.status_code == 400
    assert "Выберите категорию из списка." in response.get_data(as_text=True)
    assert settings_of(app, user) is None


def test_default_placeholder_is_served(auth_client):
    response = auth_client.get("/sync/placeholder")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(response.data)) as img:
        assert img.size == (800, 800)


def test_upload_placeholder_then_reset(app, auth_client, user, make_user, login):
    data = image_bytes((500, 450))
    response = upload(auth_client, data, "photo.png")
    assert response.status_code == 303
    served = auth_client.get("/sync/placeholder")
    assert served.mimetype == "image/png"
    with Image.open(io.BytesIO(served.data)) as img:
        assert img.size == (500, 450)
    # Another user still sees the default, never this one.
    other = make_user(email="other@example.ru")
    other_client = app.test_client()
    other_client.post("/login", data={"email": other.email, "password": "correct horse battery"})
    assert other_client.get("/sync/placeholder").mimetype == "image/jpeg"
    assert auth_client.post("/sync/placeholder/reset").status_code == 303
    assert auth_client.get("/sync/placeholder").mimetype == "image/jpeg"


def _bomb_png() -> bytes:
    """A tiny PNG whose header claims 30000×30000 pixels (a decompression bomb)."""
    out = io.BytesIO()
    Image.new("1", (30000, 30000)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (lambda: image_bytes((100, 100)), "не меньше 400×400"),
        (lambda: image_bytes((1000, 399), "JPEG"), "не меньше 400×400"),
        (lambda: b"%PDF-1.4 definitely not an image", "JPG или PNG"),
        (lambda: image_bytes((500, 500), "GIF"), "JPG или PNG"),
        (lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "JPG или PNG"),
        (lambda: image_bytes((600, 600), "JPEG")[:400], "повреждён"),
        (lambda: b"\xff" * (6 * 1024 * 1024), "больше 5 МБ"),
        (_bomb_png, "слишком большое"),
    ],
)
def test_bad_placeholder_is_400(app, auth_client, user, payload, message):
    response = upload(auth_client, payload())
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert settings_of(app, user) is None


def test_upload_without_a_file_is_400(auth_client):
    assert (
        auth_client.post("/sync/placeholder", data={}, content_type="multipart/form-data").status_code == 400
    )


@pytest.fixture
def vk_connected(app, user, sandbox):
    """The test user with the sandbox's demo VK account connected and the demo shop chosen."""
    from evosync.connections.service import save_tokens
    from evosync.db import utcnow
    from evosync.extensions import db

    tokens = sandbox.mint_vk_tokens()
    with app.app_context():
        connection = save_tokens(
            user.id,
            "vk",
            tokens["access_token"],
            refresh_token=tokens["refresh_token"],
            device_id=tokens["device_id"],
            expires_at=utcnow() + timedelta(seconds=tokens["expires_in"]),
            scope="market photos groups offline",
        )
        connection.status = "ok"
        connection.vk_group_id = sandbox.vk_group_id
        db.session.commit()
    from evosync.sync.config.settings import forget_categories

    forget_categories()
    yield user
    forget_categories()


def test_category_from_vk_is_listed_cached_and_saved(app, auth_client, vk_connected, sandbox):
    fragment = auth_client.get("/sync/categories").get_data(as_text=True)
    import re

    options = re.findall(r'<option value="(\d+)"', fragment)
    assert options, fragment
    calls = sandbox.method_calls("market.getCategories")
    auth_client.get("/sync/categories")
    assert sandbox.method_calls("market.getCategories") == calls  # served from the per-user cache
    chosen = int(options[-1])
    response = auth_client.post("/sync/settings", data={**GOOD, "vk_category_id": str(chosen)})
    assert response.status_code == 303
    assert settings_of(app, vk_connected).vk_category_id == chosen
    assert f'<option value="{chosen}" selected>' in auth_client.get("/sync/categories").get_data(as_text=True)
    bad = auth_client.post("/sync/settings", data={**GOOD, "vk_category_id": "999999"})
    assert bad.status_code == 400
    assert "Такой категории нет" in bad.get_data(as_text=True)
    assert settings_of(app, vk_connected).vk_category_id == chosen


def test_categories_without_vk_say_so(auth_client, user):
    fragment = auth_client.get("/sync/categories").get_data(as_text=True)
    assert "Не удалось получить категории ВКонтакте" in fragment
    assert "<select" not in fragment


@pytest.mark.parametrize("who", ["get_or_create_settings", "pause"])
def test_settings_row_created_by_two_writers_at_once(app, user, who):
    """/sync creates the settings row while another request (or the engine) creates it too: no
    IntegrityError, one row carrying both changes."""
    import threading
    import time

    from evosync.extensions import db
    from evosync.sync.config.models import SyncSettings, ensure_settings
    from evosync.sync.config.service import get_or_create_settings
    from evosync.sync.engine import outcomes

    upserted, failures = threading.Event(), []

    def rule_change() -> None:
        with app.app_context():
            try:
                ensure_settings(user.id).price_multiplier = 2
                db.session.flush()
                upserted.set()
                time.sleep(0.5)  # hold the uncommitted row while the other side looks for it
                db.session.commit()
            except Exception as exc:  # pragma: no cover - reported below
                failures.append(exc)
                upserted.set()
            finally:
                db.session.remove()

    thread = threading.Thread(target=rule_change)
    thread.start()
    try:
        assert upserted.wait(10)
        with app.app_context():
            if who == "pause":
                outcomes.pause(user.id, "captcha", "капча")
            else:
                get_or_create_settings(user.id)
            db.session.commit()
    finally:
        thread.join()
    assert failures == []
    with app.app_context():
        rows = db.session.query(SyncSettings).filter_by(user_id=user.id).all()
        assert len(rows) == 1 and rows[0].price_multiplier == 2
        assert (rows[0].paused_code == "captcha") == (who == "pause")


def test_a_new_user_passes_no_stock_and_can_choose_each_mode(app, auth_client, user):
    html = auth_client.get("/sync").get_data(as_text=True)
    assert 'id="stock-none" value="none" checked' in html and "не передавать остатки" in html
    for mode, threshold in (("evotor", "0"), ("hide", "3"), ("none", "0")):
        response = auth_client.post(
            "/sync/settings", data={**GOOD, "stock_mode": mode, "stock_threshold": threshold}
        )
        assert response.status_code == 303
        saved = settings_of(app, user)
        assert (saved.stock_mode, saved.stock_threshold) == (mode, int(threshold))


def test_stock_warning_when_half_the_selection_has_no_stock(app, auth_client, user, sandbox):
    """The demo shop keeps stock for most products; zero them all and the warning appears once stock is passed."""
    from tests.sync.conftest import connect

    connect(app, user.id, sandbox)
    warning = "остаток в Эвоторе 0, отрицательный или не указан"
    assert warning not in auth_client.get("/sync").get_data(as_text=True)  # default: stock not passed
    auth_client.post("/sync/settings", data={**GOOD, "stock_mode": "evotor"})
    assert warning not in auth_client.get("/sync").get_data(as_text=True)  # the demo shop mostly has stock
    with app.app_context():
        from evosync.catalog.models import CatalogProduct
        from evosync.extensions import db

        products = db.session.scalars(select(CatalogProduct).where(CatalogProduct.user_id == user.id)).all()
        for product in products[: len(products) // 2 + 1]:
            product.quantity = 0
        db.session.commit()
    assert warning in auth_client.get("/sync").get_data(as_text=True)


def test_group_category_picker_maps_a_group_and_falls_back_to_the_shop(app, auth_client, user, sandbox):
    from tests.sync.conftest import connect

    connect(app, user.id, sandbox)
    with app.app_context():
        from evosync.catalog.models import CatalogGroup
        from evosync.extensions import db
        from evosync.sync.config.settings import category_choices

        group = db.session.scalars(select(CatalogGroup).where(CatalogGroup.user_id == user.id)).first()
        group_id, name = group.evotor_id, group.name
        cid, label = category_choices(user.id)[-1]
    picker = auth_client.get("/sync/group-categories").get_data(as_text=True)
    assert 'list="vk-category-options"' in picker and f"{label} ({cid})" in picker and name in picker
    bad = auth_client.post("/sync/group-categories", data={"group_id": group_id, "category": "Нет такой"})
    assert bad.status_code == 400 and "Такой категории нет" in bad.get_data(as_text=True)
    ok = auth_client.post(
        "/sync/group-categories", data={"group_id": group_id, "category": f"{label} ({cid})"}
    )
    assert ok.status_code == 303
    assert f'data-current="{cid}"' in auth_client.get("/sync/group-categories").get_data(as_text=True)
    auth_client.post("/sync/group-categories", data={"group_id": group_id, "category": ""})
    assert f'data-current="{cid}"' not in auth_client.get("/sync/group-categories").get_data(as_text=True)
    other = auth_client.post("/sync/group-categories", data={"group_id": "не моя", "category": ""})
    assert other.status_code == 400

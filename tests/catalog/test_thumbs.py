"""Catalog thumbnails: a product's Evotor image once the background task fetched it, else its card;
a refused or hostile image falls back to the card; the route serves the owner only and revalidates by ETag."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from evosync.catalog.models import CatalogProduct
from evosync.extensions import db as _db
from evosync.tasks.thumbs import fetch_thumbs_task
from evosync.thumbs.models import ProductThumb


def _product(app, user, name):
    with app.app_context():
        return _db.session.scalar(
            select(CatalogProduct.evotor_id).where(
                CatalogProduct.user_id == user.id, CatalogProduct.name == name
            )
        )


def _thumbs(app, user):
    with app.app_context():
        rows = _db.session.scalars(select(ProductThumb).where(ProductThumb.user_id == user.id))
        return {row.product_id: (row.note, row.data is not None) for row in rows}


def _image(response):
    with Image.open(io.BytesIO(response.data)) as img:
        return img.format, img.size


def test_thumbs_are_the_evotor_image_or_the_card_and_a_bomb_gets_the_card(
    app, auth_client, user, connect_evotor, refresh, sandbox
):
    sandbox.reset(products=20)
    sandbox.add_product(name="Плед с картинкой", price=990, image=True)
    sandbox.add_product(name="Плед-бомба", price=990, image="bomb")
    connect_evotor(user)
    assert refresh(user).status == "succeeded"
    pictured, bomb = _product(app, user, "Плед с картинкой"), _product(app, user, "Плед-бомба")

    # Before the task ran, every product shows its card (nothing is fetched while serving).
    before = sandbox.counters()["all"]
    response = auth_client.get(f"/catalog/thumb/{pictured}")
    assert response.status_code == 200 and response.mimetype == "image/webp"
    assert _image(response) == ("WEBP", (96, 96))
    assert sandbox.counters()["all"] == before

    fetch_thumbs_task.call_local(user.id)
    thumbs = _thumbs(app, user)
    assert thumbs[pictured] == ("evotor", True)
    assert thumbs[bomb] == ("too_large", False)

    shown = auth_client.get(f"/catalog/thumb/{pictured}")
    assert shown.mimetype == "image/jpeg" and _image(shown) == ("JPEG", (96, 96))
    assert "max-age" in shown.headers["Cache-Control"] and shown.headers["ETag"]
    # The browser's copy is still good: 304 with no body.
    again = auth_client.get(f"/catalog/thumb/{pictured}", headers={"If-None-Match": shown.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""

    card = auth_client.get(f"/catalog/thumb/{bomb}")
    assert card.status_code == 200 and card.mimetype == "image/webp"

    # A second run asks Evotor nothing: every product already has its thumb (or its «no image»).
    before = sandbox.counters()["all"]
    fetch_thumbs_task.call_local(user.id)
    assert sandbox.counters()["all"] == before


def test_another_users_product_thumb_is_404(app, client, make_user, user, connect_evotor, refresh, sandbox):
    sandbox.reset(products=5)
    connect_evotor(user)
    refresh(user)
    with app.app_context():
        product = _db.session.scalar(
            select(CatalogProduct.evotor_id).where(CatalogProduct.user_id == user.id)
        )
    other = make_user(email="other@example.ru")
    client.post("/login", data={"email": other.email, "password": "correct horse battery"})
    assert client.get(f"/catalog/thumb/{product}").status_code == 404
    assert client.get("/catalog/thumb/no-such-product").status_code == 404

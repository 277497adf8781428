"""Another user's connection can be neither seen nor changed."""

from __future__ import annotations

from sqlalchemy import select

from evosync.connections.models import Connection


def test_other_users_connection_is_invisible_and_untouchable(app, auth_client, make_user, db, sandbox):
    auth_client.post("/evotor/token", data={"token": sandbox.mint_evotor_token()})
    owner_row = db.session.scalar(select(Connection))
    before = (owner_row.id, owner_row.access_token_enc, owner_row.status, owner_row.last_check_at)

    other = make_user(email="other@example.ru")
    intruder = app.test_client()
    intruder.post("/login", data={"email": other.email, "password": "correct horse battery"})
    page = intruder.get("/connections").get_data(as_text=True)
    assert "работает" not in page and "не подключено" in page
    for method, path in [
        ("post", "/connections/evotor/check"),
        ("get", "/evotor/disconnect"),
        ("post", "/evotor/disconnect"),
        ("get", "/vk/community"),
        ("post", "/vk/community"),
        ("post", "/connections/nope/check"),
    ]:
        response = getattr(intruder, method)(path, data={"group_id": "1", "user_id": str(owner_row.user_id)})
        assert response.status_code == 404, (method, path)
    assert "работает" not in intruder.get("/connections/evotor/card").get_data(as_text=True)

    db.session.expire_all()
    row = db.session.scalar(select(Connection))
    assert (row.id, row.access_token_enc, row.status, row.last_check_at) == before

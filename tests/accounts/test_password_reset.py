"""Forgotten password: one-time link valid an hour, other sessions logged out; no enumeration anywhere."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select, update

from evosync.auth.models import User
from evosync.auth.models_security import AccountToken, SecurityEvent
from evosync.db import utcnow
from tests.accounts.conftest import path_of
from tests.mail_capture import links, subject_of, text_of

NEW_PASSWORD = "brand new pass phrase"


def _reset_link(client, inbox, email, expected_total=1) -> str:
    client.post("/password/forgot", data={"email": email})
    mail = inbox.wait_for(expected_total)[-1]
    assert subject_of(mail) == "Сброс пароля EvoSync"
    (link,) = [u for u in links(mail) if "/password/reset/" in u]
    return path_of(link)


def test_reset_sets_a_new_password_logs_out_other_sessions_and_dies_after_use(
    app, client, user, login, db, inbox
):
    other = app.test_client()
    assert (
        other.post("/login", data={"email": user.email, "password": "correct horse battery"}).status_code
        == 302
    )
    assert other.get("/connections").status_code == 200

    assert "Забыли пароль?" in client.get("/login").get_data(as_text=True)
    path = _reset_link(client, inbox, user.email)
    assert "1 час" in text_of(inbox.messages[0])
    assert client.get(path).status_code == 200
    done = client.post(path, data={"password": NEW_PASSWORD})
    assert done.status_code == 302
    assert client.get("/connections").status_code == 200  # this browser is logged in with the new password
    assert other.get("/connections").status_code == 302  # the other session is gone

    fresh = app.test_client()
    assert (
        fresh.post("/login", data={"email": user.email, "password": "correct horse battery"}).status_code
        == 401
    )
    assert fresh.post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 302

    reused = app.test_client().post(path, data={"password": "yet another pass phrase"})
    assert reused.status_code == 404 and "уже была использована" in reused.get_data(as_text=True)
    kinds = db.session.scalars(select(SecurityEvent.kind).where(SecurityEvent.user_id == user.id)).all()
    assert {"password_reset_requested", "password_reset"} <= set(kinds)


def test_reset_link_expires_after_an_hour(client, user, db, inbox):
    path = _reset_link(client, inbox, user.email)
    db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = client.post(path, data={"password": NEW_PASSWORD})
    assert response.status_code == 404 and "устарела" in response.get_data(as_text=True)
    assert (
        client.post("/login", data={"email": user.email, "password": "correct horse battery"}).status_code
        == 302
    )


def test_a_weak_new_password_is_refused_and_the_link_stays_usable(client, user, inbox):
    path = _reset_link(client, inbox, user.email)
    weak = client.post(path, data={"password": "12345678"})
    assert weak.status_code == 400 and "распространён" in weak.get_data(as_text=True)
    assert client.post(path, data={"password": NEW_PASSWORD}).status_code == 302


def _page_body(response) -> str:
    # The echoed address is the visitor's own input; everything else must be byte-identical.
    return re.sub(r"csrf_token[^>]*>", "", response.get_data(as_text=True))


def test_forgot_answers_the_same_whether_or_not_the_account_exists(client, user, inbox):
    known = client.post("/password/forgot", data={"email": user.email})
    unknown = client.post("/password/forgot", data={"email": "nobody@example.ru"})
    assert known.status_code == unknown.status_code == 200
    assert _page_body(known).replace(user.email, "X") == _page_body(unknown).replace("nobody@example.ru", "X")
    inbox.wait_for(1)
    assert [m["To"] for m in inbox.messages] == [user.email]


def test_registering_a_taken_address_answers_like_a_new_one_and_warns_the_owner(app, client, user, db, inbox):
    taken_client, new_client = app.test_client(), app.test_client()
    taken = taken_client.post(
        "/register", data={"email": user.email.upper(), "password": "some other phrase"}
    )
    new = new_client.post("/register", data={"email": "fresh@example.ru", "password": "some other phrase"})
    assert taken.status_code == new.status_code == 200
    # Neither is logged in by registering: a session would tell the two cases apart.
    assert taken_client.get("/connections").status_code == new_client.get("/connections").status_code == 302
    assert _page_body(taken).replace(user.email.upper(), "X") == _page_body(new).replace(
        "fresh@example.ru", "X"
    )
    inbox.wait_for(2)
    warning = inbox.to(user.email)[0]
    assert subject_of(warning) == "Попытка регистрации с вашей почтой в EvoSync"
    (reset,) = [u for u in links(warning) if "/password/reset/" in u]
    assert client.get(path_of(reset)).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(User)) == 2
    assert db.session.scalar(select(User.password_hash).where(User.email == user.email)) is not None
    # The owner's password is unchanged.
    assert (
        client.post("/login", data={"email": user.email, "password": "correct horse battery"}).status_code
        == 302
    )

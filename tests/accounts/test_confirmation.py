"""Registration mails a confirmation link; an unconfirmed account can set up but not switch the sync on."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from evosync.auth.models import User
from evosync.auth.models_security import AccountToken
from evosync.db import utcnow
from tests.accounts.conftest import PUBLIC_URL, path_of
from tests.mail_capture import html_of, links, subject_of, text_of


def _register(client, email="new@example.ru"):
    return client.post("/register", data={"email": email, "password": "a long pass phrase"})


def test_registration_mails_a_russian_confirmation_link_that_confirms(client, db, inbox):
    response = _register(client)
    assert response.status_code == 200
    assert "Проверьте почту" in response.get_data(as_text=True)
    (mail,) = inbox.wait_for(1)
    assert mail["To"] == "new@example.ru"
    assert subject_of(mail) == "Подтвердите почту для EvoSync"
    assert "24 часа" in text_of(mail) and "Подтвердить почту" in html_of(mail)
    (link,) = links(mail)
    assert link.startswith(PUBLIC_URL + "/confirm/")
    assert db.session.scalar(select(User.email_confirmed_at)) is None

    confirmed = client.get(path_of(link))
    assert confirmed.status_code == 302 and confirmed.headers["Location"].endswith("/login")
    db.session.expire_all()
    assert db.session.scalar(select(User.email_confirmed_at)) is not None
    assert client.get(path_of(link)).status_code == 404  # one use


def test_unconfirmed_account_can_log_in_but_not_switch_the_sync_on(client, db, inbox):
    _register(client)
    inbox.wait_for(1)
    assert (
        client.post("/login", data={"email": "new@example.ru", "password": "a long pass phrase"}).status_code
        == 302
    )
    page = client.get("/sync").get_data(as_text=True)
    assert "Почта не подтверждена" in page
    refused = client.post("/sync/toggle", follow_redirects=True).get_data(as_text=True)
    assert "Сначала подтвердите почту" in refused

    account = client.get("/account").get_data(as_text=True)
    assert "Отправить ещё раз" in account
    client.post("/confirm/resend")
    second = inbox.wait_for(2)[1]
    assert subject_of(second) == "Подтвердите почту для EvoSync"
    client.get(path_of(links(second)[0]))
    assert "Почта не подтверждена" not in client.get("/sync").get_data(as_text=True)
    assert "Сначала подтвердите почту" not in client.post("/sync/toggle", follow_redirects=True).get_data(
        as_text=True
    )


def test_a_confirmation_link_older_than_a_day_is_refused(client, db, inbox):
    _register(client)
    (mail,) = inbox.wait_for(1)
    db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = client.get(path_of(links(mail)[0]))
    assert response.status_code == 404
    assert "устарела" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(User.email_confirmed_at)) is None

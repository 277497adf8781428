"""The operator: CLI to make one, /admin for them only (404 for everyone else), suspend/resume, resend."""

from __future__ import annotations

from sqlalchemy import select

from evosync.auth.models import User
from evosync.auth.models_security import SecurityEvent
from evosync.sync.config.service import setup_problem
from tests.accounts.conftest import path_of
from tests.factories import connect_accounts
from tests.mail_capture import links, subject_of

ADMIN_ROUTES = [
    ("GET", "/admin"),
    ("POST", "/admin/users/{id}/suspend"),
    ("POST", "/admin/users/{id}/resume"),
    ("POST", "/admin/users/{id}/resend-confirmation"),
]


def _logged_in(app, email, password="correct horse battery"):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": password}).status_code == 302
    return client


def test_cli_creates_an_operator_and_switches_the_right(runner, db):
    result = runner.invoke(
        args=["users", "create", "ops@example.ru", "--admin", "--password", "operator pass 1"]
    )
    assert result.exit_code == 0, result.output
    assert "created operator" in result.output
    assert db.session.scalar(select(User.is_admin).where(User.email == "ops@example.ru")) is True
    runner.invoke(args=["users", "create", "shop@example.ru", "--password", "merchant pass 1"])
    assert runner.invoke(args=["users", "set-admin", "shop@example.ru"]).exit_code == 0
    db.session.expire_all()
    assert db.session.scalar(select(User.is_admin).where(User.email == "shop@example.ru")) is True
    off = runner.invoke(args=["users", "set-admin", "shop@example.ru", "--off"])
    assert off.exit_code == 0 and "no longer" in off.output
    db.session.expire_all()
    assert db.session.scalar(select(User.is_admin).where(User.email == "shop@example.ru")) is False
    assert runner.invoke(args=["users", "set-admin", "nobody@example.ru"]).exit_code == 1
    kinds = db.session.scalars(select(SecurityEvent.kind).order_by(SecurityEvent.id)).all()
    assert kinds == ["admin_granted", "admin_revoked"]


def test_admin_pages_are_404_for_anonymous_and_merchants(app, make_user, db):
    victim = make_user(email="victim@example.ru")
    merchant = make_user(email="merchant@example.ru")
    clients = {"anonymous": app.test_client(), "merchant": _logged_in(app, merchant.email)}
    for who, client in clients.items():
        for method, url in ADMIN_ROUTES:
            response = client.open(url.format(id=victim.id), method=method)
            assert response.status_code == 404, (who, method, url, response.status_code)
    db.session.expire_all()
    assert db.session.get(User, victim.id).suspended_at is None
    assert "Оператор" not in clients["merchant"].get("/connections").get_data(as_text=True)


def test_operator_suspends_resumes_and_resends_and_every_action_is_logged(app, make_user, db, inbox):
    operator = make_user(email="ops@example.ru")
    db.session.execute(User.__table__.update().where(User.id == operator.id).values(is_admin=True))
    db.session.commit()
    shop = make_user(email="shop@example.ru")
    shop_browser = _logged_in(app, shop.email)
    ops = _logged_in(app, operator.email)

    page = ops.get("/admin").get_data(as_text=True)
    assert "shop@example.ru" in page and "Приостановить" in page and "Задач в очереди" in page
    assert ops.post(f"/admin/users/{shop.id}/suspend").status_code == 303
    assert shop_browser.get("/connections").status_code == 302  # the suspended user's session is gone
    refused = app.test_client().post(
        "/login", data={"email": shop.email, "password": "correct horse battery"}
    )
    assert refused.status_code == 403 and "приостановлен" in refused.get_data(as_text=True)
    assert setup_problem(shop.id) == "аккаунт приостановлен"  # what the scheduler asks before syncing
    assert "приостановлен" in ops.get("/admin").get_data(as_text=True)

    assert ops.post(f"/admin/users/{shop.id}/resume").status_code == 303
    _logged_in(app, shop.email)

    db.session.execute(User.__table__.update().where(User.id == shop.id).values(email_confirmed_at=None))
    db.session.commit()
    ops.post(f"/admin/users/{shop.id}/resend-confirmation")
    (mail,) = inbox.wait_for(1)
    assert subject_of(mail) == "Подтвердите почту для EvoSync" and mail["To"] == shop.email
    ops.get(path_of(links(mail)[0]))
    db.session.expire_all()
    assert db.session.get(User, shop.id).email_confirmed_at is not None

    events = db.session.execute(
        select(SecurityEvent.kind, SecurityEvent.actor_id).where(SecurityEvent.user_id == shop.id)
    ).all()
    admin_events = [(kind, actor) for kind, actor in events if kind.startswith("admin_")]
    assert admin_events == [
        ("admin_suspended", operator.id),
        ("admin_resumed", operator.id),
        ("admin_confirmation_sent", operator.id),
    ]
    account = shop_browser.get("/account")
    assert account.status_code == 302  # logged out by the suspension; the log is visible after logging in
    log_page = _logged_in(app, shop.email).get("/account").get_data(as_text=True)
    assert "Аккаунт приостановлен оператором" in log_page and "Выйти на всех устройствах" in log_page


def test_logout_everywhere_ends_every_session(app, user, db):
    first, second = _logged_in(app, user.email), _logged_in(app, user.email)
    assert first.post("/account/logout-everywhere").status_code == 302
    assert first.get("/connections").status_code == 302
    assert second.get("/connections").status_code == 302
    kinds = db.session.scalars(select(SecurityEvent.kind).where(SecurityEvent.user_id == user.id)).all()
    assert "sessions_revoked" in kinds


def test_connections_added_and_removed_are_in_the_security_log(app, auth_client, user, sandbox, db):
    connect_accounts(app, user.id, sandbox, vk=False)
    assert auth_client.post("/evotor/disconnect").status_code in (302, 303)
    page = auth_client.get("/account").get_data(as_text=True)
    assert "Подключение добавлено: Эвотор" in page and "Подключение удалено: Эвотор" in page

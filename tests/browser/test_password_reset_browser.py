"""A forgetful merchant gets back in by themselves: «Забыли пароль?» → the sandbox's mailbox → new password."""

from __future__ import annotations

import socket
import threading

import pytest
from werkzeug.serving import make_server

from evosync import create_app
from evosync.extensions import db as _db
from tests.mail_capture import QueueConsumer

pytestmark = pytest.mark.browser


@pytest.fixture
def reset_site(app_config, app, tmp_path, sandbox):
    """The app over real HTTP with PUBLIC_URL = its own address, mail going to the sandbox's outbox."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    application = create_app(
        {
            **app_config,
            "WTF_CSRF_ENABLED": True,
            "PUBLIC_URL": url,
            "TASKS_URL": f"sqlite:///{tmp_path / 'tasks.sqlite'}",
        }
    )
    server = make_server("127.0.0.1", port, application, threaded=True)
    server.daemon_threads = False  # server_close() waits for in-flight requests before the engine goes
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with QueueConsumer():
            yield url
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with application.app_context():
            _db.engine.dispose()


def test_forgotten_password_is_reset_through_the_sandbox_mailbox(browser, reset_site, sandbox, make_user):
    make_user(email="forgetful@example.ru", password="old pass phrase one")
    context = browser.new_context(base_url=reset_site, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)

    page.goto("/login")
    page.get_by_role("link", name="Забыли пароль?").click()
    page.fill("input[name=email]", "forgetful@example.ru")
    page.get_by_role("button", name="Прислать ссылку").click()
    page.get_by_role("heading", name="Проверьте почту").wait_for()

    page.goto(f"{sandbox.url}/outbox")
    message = page.locator(".mail-message", has_text="Сброс пароля EvoSync")
    for _ in range(40):
        if message.count():
            break
        page.wait_for_timeout(250)
        page.reload()
    assert "forgetful@example.ru" in message.inner_text()
    message.locator("a.mail-link").first.click()

    page.get_by_role("heading", name="Новый пароль").wait_for()
    page.fill("input[name=password]", "new pass phrase two")
    page.get_by_role("button", name="Сохранить пароль").click()
    page.wait_for_url("**/connections")
    assert "Пароль изменён" in page.content()

    page.get_by_role("button", name="Выйти").click()
    page.fill("input[name=email]", "forgetful@example.ru")
    page.fill("input[name=password]", "new pass phrase two")
    page.click("button[type=submit]")
    page.wait_for_url("**/connections")
    assert violations == []
    context.close()

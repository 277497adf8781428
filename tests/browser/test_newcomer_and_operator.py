"""Journeys 4 (operator) and 5 (newcomer/demo) in real Chromium.

Journey 5 starts the README's first command, `bin/run`, exactly as a newcomer would (its own SQLite database and
sandbox state in a temp folder, free ports) and clicks from registration to goods in the sandbox's VK Market.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"bin/run exited with {process.returncode}: {log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not come up")


@pytest.fixture
def demo(tmp_path):
    """`bin/run` on free ports with its files in ``tmp_path``; yields (app URL, sandbox URL)."""
    app_port, sandbox_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EVOSYNC_", "SANDBOX_"))}
    env.update(
        EVOSYNC_PORT=str(app_port),
        EVOSYNC_SANDBOX_PORT=str(sandbox_port),
        EVOSYNC_DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite'}",
        EVOSYNC_SANDBOX_STATE=str(tmp_path / "sandbox.sqlite"),
        EVOSYNC_TASKS_URL=f"sqlite:///{tmp_path / 'tasks.sqlite'}",
    )
    log = tmp_path / "bin-run.log"
    # A file, not a pipe: the servers log every request and would block on a full pipe nobody reads.
    with log.open("w") as out:
        process = subprocess.Popen(
            ["bash", "bin/run"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_up(f"http://127.0.0.1:{sandbox_port}/", process, log)
        _wait_until_up(f"http://127.0.0.1:{app_port}/healthz", process, log)
        yield f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{sandbox_port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


def test_newcomer_clicks_from_bin_run_to_goods_in_vk(browser, demo):
    app_url, sandbox_url = demo
    context = browser.new_context(base_url=app_url, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(20_000)
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)

    page.goto("/register")
    page.fill("input[name=email]", "newcomer@example.ru")
    page.fill("input[name=password]", "newcomer pass phrase")
    page.click("button[type=submit]")
    page.get_by_role("heading", name="Проверьте почту").wait_for()

    # The confirmation mail lands in the sandbox's mailbox (bin/run's worker delivers it there).
    page.goto(f"{sandbox_url}/outbox")
    for _ in range(40):
        if page.locator(".mail-message").count():
            break
        time.sleep(0.5)
        page.reload()
    page.locator(".mail-message").first.locator("a.mail-link").first.click()
    page.wait_for_url("**/login")
    assert "Почта подтверждена" in page.content()
    page.fill("input[name=email]", "newcomer@example.ru")
    page.fill("input[name=password]", "newcomer pass phrase")
    page.click("button[type=submit]")
    page.wait_for_url("**/connections")

    # Evotor and VK through the sandbox's consent pages, the community from the picker.
    page.get_by_role("link", name="Войти через Эвотор").click()
    page.get_by_role("button", name="Разрешить доступ").click()
    page.wait_for_url("**/connections")
    page.get_by_role("link", name="Войти через VK ID").click()
    page.get_by_role("button", name="Разрешить").click()
    page.wait_for_url("**/vk/community")
    page.locator("input[name=group_id]").first.check()
    page.get_by_role("button", name="Выбрать").click()
    page.wait_for_url("**/connections")
    assert page.locator("#vk-card [data-status]").inner_text() == "работает"

    # Catalog: refresh, include the first store.
    page.goto("/catalog")
    page.get_by_role("button", name="Обновить каталог").click()
    page.locator("#catalog-refresh .alert-success").wait_for(timeout=60_000)
    page.reload()
    first_store = page.locator("tr[data-entity=store]").first
    first_store.locator("button[data-mode=include]").click()
    page.locator("tr[data-entity=store] button[data-mode=include][aria-pressed=true]").first.wait_for()

    # Sync: switch on, confirm; the first run starts and finishes.
    page.goto("/sync")
    page.locator("#sync-enabled").click()
    page.locator("#sync-enabled[data-enabled=yes]").wait_for()
    page.locator("#sync-confirm:not([disabled])").click()
    page.locator("#sync-status-label[data-status=active]").wait_for()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        page.goto("/sync")
        page.wait_for_load_state("networkidle")
        history = page.locator("[data-testid=sync-history]")
        if history.count() and "успешно" in history.inner_text():
            break
        time.sleep(2)
    else:
        raise AssertionError("the first sync did not finish: " + page.content()[-2000:])

    # The goods are in the sandbox community's Market.
    page.goto(f"{sandbox_url}/market")
    assert "Товары сообщества" in page.content()
    items = requests.get(f"{sandbox_url}/_admin/vk/items", timeout=10).json()["items"]
    assert len([i for i in items if not i.get("deleted")]) > 50
    assert violations == []
    context.close()


def test_operator_creates_a_user_and_a_script_reads_the_config(page, runner, db):
    created = runner.invoke(
        args=["users", "create", "Operator-Made@example.ru", "--password", "operator pass 1"]
    )
    assert created.exit_code == 0, created.output
    page.goto("/login")
    page.fill("input[name=email]", "operator-made@example.ru")
    page.fill("input[name=password]", "operator pass 1")
    page.click("button[type=submit]")
    page.wait_for_url("**/connections")

    config = runner.invoke(args=["sync-config", "--user", "operator-made@example.ru"])
    assert config.exit_code == 0, config.output
    data = json.loads(config.output)
    assert data["email"] == "operator-made@example.ru" and data["enabled"] is False and data["ready"] is False
    assert data["stores"] == {"mode": "all", "include": [], "exclude": []} and data["resolved"] is None
    assert json.loads(runner.invoke(args=["sync-config", "--all"]).output) == []
    missing = runner.invoke(args=["sync-config", "--user", "nobody@example.ru"])
    assert missing.exit_code == 1

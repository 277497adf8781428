"""Without a VK ID application the VK card tells the merchant plainly, and only an admin the setting."""

from __future__ import annotations

import pytest

from evosync.auth.models import User


@pytest.fixture
def app_config(app_config):
    return {k: v for k, v in app_config.items() if k != "VK_CLIENT_ID"}


def test_a_merchant_reads_that_vk_login_is_unavailable_not_a_setting_name(auth_client, user, db):
    page = auth_client.get("/connections").get_data(as_text=True)
    assert "Вход через VK ID пока недоступен" in page
    assert "VK_CLIENT_ID" not in page and "Войти через VK ID</a>" not in page
    db.session.get(User, user.id).is_admin = True
    db.session.commit()
    assert "EVOSYNC_VK_CLIENT_ID" in auth_client.get("/connections").get_data(as_text=True)

"""Expensive endpoints are limited per user with a Russian answer; another user is not affected."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("method", "url", "words"),
    [
        ("get", "/catalog/export.csv", "Выгрузку скачивали слишком часто"),
        ("get", "/sync/plan", "Слишком часто"),
        ("post", "/catalog/refresh", "Каталог обновляли слишком часто"),
        ("post", "/sync/run", "Синхронизацию запускали слишком часто"),
    ],
)
def test_repeating_an_expensive_action_is_refused_in_russian(
    app, client, make_user, login, method, url, words
):
    app.config["EXPENSIVE_LIMIT_PER_USER"] = "2 per 10 minutes"
    first, second = make_user(), make_user()
    login(first.email)
    statuses = [getattr(client, method)(url).status_code for _ in range(2)]
    refused = getattr(client, method)(url)
    assert 429 not in statuses
    assert refused.status_code == 429
    assert words in refused.get_data(as_text=True)
    client.post("/logout")
    login(second.email)
    assert getattr(client, method)(url).status_code != 429

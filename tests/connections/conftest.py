"""Helpers for connection tests: drive the sandbox's consent pages like a browser would."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests


def consent(authorize_location: str, decision: str = "allow", **extra) -> str:
    """Answer the sandbox consent page behind ``authorize_location``; return the callback path + query."""
    parts = urlsplit(authorize_location)
    params = {key: values[0] for key, values in parse_qs(parts.query).items()}
    url = f"{parts.scheme}://{parts.netloc}{parts.path}"
    response = requests.post(
        url, data={**params, "decision": decision, **extra}, allow_redirects=False, timeout=10
    )
    assert response.status_code in (302, 303), response.text[:500]
    back = urlsplit(response.headers["Location"])
    return f"{back.path}?{back.query}"


@pytest.fixture
def connect_vk(auth_client):
    """connect_vk() runs the whole VK ID flow through the test client; returns the callback response."""

    def _connect(decision: str = "allow", **extra):
        start = auth_client.get("/vk/connect")
        assert start.status_code == 302, start.data
        callback = consent(start.headers["Location"], decision, **extra)
        return auth_client.get(callback)

    return _connect

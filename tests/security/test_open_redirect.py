"""`next` never leads off-site (reliability target A10)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from evosync.auth.safe_redirect import safe_next

PAYLOADS = [
    "https://evil.example",
    "http://evil.example/connections",
    "//evil.example",
    "///evil.example",
    "////evil.example/x",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "%2F%2Fevil.example",
    "%2f%2fevil.example",
    "/%2F%2Fevil.example",
    "/%5Cevil.example",
    "%252F%252Fevil.example",
    "https:evil.example",
    "http:/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    " //evil.example",
    "evil.example",
    "@evil.example",
    "/@evil.example/../",
    "https://localhost@evil.example",
    "//localhost@evil.example",
    "/redirect?url=https://evil.example",  # same-site path; stays on site
    "\x00//evil.example",
    "/" + "a" * 5000,
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_safe_next_only_allows_same_site_paths(payload):
    result = safe_next(payload)
    if result is not None:
        parts = urlsplit(result)
        assert not parts.scheme and not parts.netloc
        assert result.startswith("/") and not result.startswith(("//", "/\\"))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_login_redirect_stays_on_site(client, make_user, payload):
    user = make_user()
    response = client.post(
        "/login",
        query_string={"next": payload},
        data={"email": user.email, "password": "correct horse battery"},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert parts.netloc in ("", "localhost"), location
    assert location.startswith("/") and not location.startswith("//"), location

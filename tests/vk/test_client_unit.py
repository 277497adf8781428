"""Pure tests of the VK transport: envelope parsing, error mapping, retry policy (no network, no waiting)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from evosync.vk import errors as E
from evosync.vk.client import VkClient, encode_params
from evosync.vk.ratelimit import SlidingWindowLimiter
from evosync.vk.retry import RetryPolicy
from tests.vk.fakes import FakeResponse, FakeSession, err, ok

TOKEN = "vk1.a.unit-test-token-value"


def make(session: FakeSession, **kw) -> tuple[VkClient, list[float]]:
    """A client on a fake session whose sleeps are recorded instead of slept."""
    slept: list[float] = []
    client = VkClient(
        TOKEN,
        "http://vk.test/method",
        session=session,
        sleep=slept.append,
        limiter=SlidingWindowLimiter(1000),
        **kw,
    )
    return client, slept


def test_call_posts_form_with_version_and_token_in_body_only():
    session = FakeSession(ok([{"id": 1}]))
    client, _ = make(session)
    assert client.call("users.get", fields=["photo_100", "screen_name"], extended=True) == [{"id": 1}]
    sent = session.sent[0]
    assert sent["url"] == "http://vk.test/method/users.get"
    assert TOKEN not in sent["url"]
    assert sent["data"] == {
        "fields": "photo_100,screen_name",
        "extended": "1",
        "v": "5.199",
        "access_token": TOKEN,
    }
    assert client.calls_made == 1 and client.method_counts["users.get"] == 1


def test_form_encoding_of_decimals_lists_and_none():
    assert encode_params({"price": Decimal("149.90"), "ids": (1, 2), "x": None, "ok": False}) == {
        "price": "149.90",
        "ids": "1,2",
        "ok": "0",
    }


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (3, E.UnknownMethod),
        (5, E.TokenInvalid),
        (6, E.TooManyRequests),
        (9, E.Flood),
        (10, E.ServerError),
        (14, E.Captcha),
        (15, E.AccessDenied),
        (27, E.AccessDenied),
        (205, E.AccessDenied),
        (29, E.RateLimit),
        (1438, E.MarketDisabled),
        (100, E.ItemError),
        (1408, E.ItemError),
        (1421, E.ItemError),
        (1433, E.ItemError),
        (1434, E.ItemError),
        (1435, E.ItemError),
        (1403, E.ItemError),
        (777, E.VkError),
    ],
)
def test_error_envelope_maps_to_typed_error(code, cls):
    client, _ = make(FakeSession(err(code, "boom")), max_retries=0)
    with pytest.raises(cls) as info:
        client.call("market.add", owner_id=-1, name="Морс", access_token="leak?")
    exc = info.value
    assert type(exc) is cls
    assert (exc.code, exc.msg, exc.method) == (code, "boom", "market.add")
    assert exc.params == {"owner_id": -1, "name": "Морс"}
    assert TOKEN not in str(exc) and TOKEN not in repr(exc.params)
    assert any("а" <= ch <= "я" for ch in exc.hint_ru.lower())


def test_captcha_carries_its_data():
    session = FakeSession(err(14, "Captcha needed", captcha_sid="123", captcha_img="http://x/c.jpg"))
    client, slept = make(session)
    with pytest.raises(E.Captcha) as info:
        client.call("market.edit", owner_id=-1, item_id=2)
    assert (info.value.captcha_sid, info.value.captcha_img) == ("123", "http://x/c.jpg")
    assert slept == [] and len(session.sent) == 1  # a captcha is never retried


@pytest.mark.parametrize(
    "first",
    [
        err(6),
        err(10),
        FakeResponse(status=502, text="bad gateway"),
        requests.ConnectionError("refused"),
        requests.ReadTimeout("slow"),
    ],
)
def test_transient_failures_are_retried_then_succeed(first):
    session = FakeSession(first, first, ok(1))
    client, slept = make(session)
    assert client.call("market.edit", owner_id=-1, item_id=2, price=10) == 1
    assert len(session.sent) == 3 and client.calls_made == 3
    assert len(slept) == 2 and slept[1] > slept[0]


def test_retries_are_bounded_and_back_off_grows():
    session = FakeSession(err(6))
    client, slept = make(session, max_retries=4)
    with pytest.raises(E.TooManyRequests):
        client.call("market.get", owner_id=-1)
    assert len(session.sent) == 5
    assert slept == sorted(slept) and len(set(slept)) == 4
    assert slept[0] >= 1.0  # error 6 waits at least a second


def test_non_retryable_errors_are_raised_at_once():
    for code in (5, 9, 14, 15, 29, 100, 1438):
        session = FakeSession(err(code))
        client, slept = make(session)
        with pytest.raises(E.VkError):
            client.call("market.edit", owner_id=-1, item_id=1)
        assert len(session.sent) == 1 and slept == []


def test_market_add_is_not_resent_after_a_read_timeout():
    # The first request may have created the item; re-sending would create a duplicate.
    session = FakeSession(requests.ReadTimeout("slow"), ok({"market_item_id": 5}))
    client, _ = make(session)
    with pytest.raises(E.Unavailable):
        client.market_add(-1, "Морс", "Домашний морс", 1, Decimal("10"))
    assert len(session.sent) == 1


def test_market_add_is_resent_after_a_connect_failure():
    session = FakeSession(requests.ConnectionError("refused"), ok({"market_item_id": 5}))
    client, _ = make(session)
    assert client.market_add(-1, "Морс", "Домашний морс", 1, Decimal("10"), sku="p1") == 5


def test_http_5xx_after_retries_is_unavailable_with_status():
    client, _ = make(FakeSession(FakeResponse(status=503, text="down")), max_retries=2)
    with pytest.raises(E.Unavailable) as info:
        client.call("users.get")
    assert info.value.http_status == 503 and info.value.code is None


def test_non_json_body_is_a_bad_response():
    client, _ = make(FakeSession(FakeResponse(status=200, text="<html>")))
    with pytest.raises(E.BadResponse):
        client.call("users.get")


def test_retry_policy_delays_grow_have_jitter_and_are_capped():
    low = RetryPolicy(rng=lambda: 0.0)
    high = RetryPolicy(rng=lambda: 1.0)
    assert [low.delay(a) for a in range(4)] == [1.0, 2.0, 4.0, 8.0]
    assert [high.delay(a) for a in range(4)] == [1.5, 3.0, 6.0, 12.0]
    assert RetryPolicy().delay(20) == 60.0


def test_on_request_callback_sees_every_request():
    seen: list[str] = []
    session = FakeSession(err(6), ok(1))
    client, _ = make(session, on_request=seen.append)
    client.call("market.delete", owner_id=-1, item_id=3)
    assert seen == ["market.delete", "market.delete"]


def test_method_name_is_validated():
    client, _ = make(FakeSession(ok(1)))
    with pytest.raises(ValueError):
        client.call("../admin")

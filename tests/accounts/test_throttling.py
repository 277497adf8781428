"""Login throttling per account + client in the database: slows a guesser, never locks the owner out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from evosync.auth.models_security import LoginThrottle
from evosync.db import utcnow

RIGHT = "correct horse battery"


def _attempt(client, email, password, ip):
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip}
    )


def test_a_failing_client_waits_while_the_owner_elsewhere_logs_in(app, user, db):
    attacker = app.test_client()
    statuses = [_attempt(attacker, user.email, f"wrong {i}", "203.0.113.7").status_code for i in range(6)]
    assert statuses == [401, 401, 401, 401, 429, 429]
    throttled = _attempt(attacker, user.email, RIGHT, "203.0.113.7")
    assert throttled.status_code == 429  # that client is not let near the password check for now
    body = throttled.get_data(as_text=True)
    assert "Попробуйте снова" in body and "через" in body and "per" not in body
    assert int(throttled.headers["Retry-After"]) >= 1

    owner = app.test_client()
    assert _attempt(owner, user.email, RIGHT, "198.51.100.20").status_code == 302


def test_counters_are_shared_by_two_app_instances_on_one_database(app_config, make_app, user):
    first, second = make_app(app_config), make_app(app_config)
    ip = "203.0.113.9"
    for i in range(4):
        assert _attempt(first.test_client(), user.email, f"wrong {i}", ip).status_code == 401
    assert _attempt(second.test_client(), user.email, "wrong again", ip).status_code == 429
    # The other worker lets the owner in from a client that has not been failing.
    assert _attempt(second.test_client(), user.email, RIGHT, "198.51.100.21").status_code == 302


def test_an_attack_from_many_clients_slows_failing_clients_but_never_locks_out_a_clean_one(app, user, db):
    client = app.test_client()
    for i in range(15):  # every guess from a new address: per-client counters never fill up
        assert _attempt(client, user.email, f"wrong {i}", f"10.9.0.{i}").status_code == 401
    # A client that failed on this account now waits for the account-wide delay…
    assert _attempt(client, user.email, "wrong again", "10.9.0.3").status_code == 429
    # …but the owner's correct password from a clean client goes straight in.
    assert _attempt(client, user.email, RIGHT, "192.0.2.50").status_code == 302


def test_when_the_wait_is_over_the_correct_password_works_even_from_the_failing_client(app, user, db):
    client = app.test_client()
    for i in range(8):
        _attempt(client, user.email, f"wrong {i}", "203.0.113.10")
    assert _attempt(client, user.email, RIGHT, "203.0.113.10").status_code == 429
    db.session.execute(update(LoginThrottle).values(blocked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert _attempt(client, user.email, RIGHT, "203.0.113.10").status_code == 302


def test_unknown_addresses_are_throttled_exactly_like_real_ones(app, user):
    client = app.test_client()
    real = [_attempt(client, user.email, f"wrong {i}", "203.0.113.11").status_code for i in range(6)]
    fake = [_attempt(client, "ghost@example.ru", f"wrong {i}", "203.0.113.12").status_code for i in range(6)]
    assert real == fake

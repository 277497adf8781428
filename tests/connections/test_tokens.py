"""Tokens at rest: encryption, key rotation (interruptible), refresh before expiry, one refresh at a time."""

from __future__ import annotations

import threading
from datetime import timedelta

from cryptography.fernet import Fernet
from sqlalchemy import select

from evosync.connections.models import Connection
from evosync.connections.service import save_tokens
from evosync.connections.tokens import access_token
from evosync.connections.vault import TokenVault
from evosync.connections.vault_access import vault
from evosync.db import utcnow


def _vk_connection(app, db, user, sandbox, expires_in=3600):
    pair = sandbox.mint_vk_tokens(expires_in=expires_in)
    with app.app_context():
        connection = save_tokens(
            user.id,
            "vk",
            pair["access_token"],
            refresh_token=pair["refresh_token"],
            expires_at=utcnow() + timedelta(seconds=expires_in),
            device_id=pair["device_id"],
        )
        db.session.commit()
        return connection.id, pair


def test_rotation_reencrypts_every_row_and_survives_an_interruption(app, db, make_user, runner, monkeypatch):
    old_key = app.config["TOKEN_KEYS"]
    users = [make_user() for _ in range(5)]
    with app.app_context():
        for user in users:
            save_tokens(user.id, "evotor", f"canary-evotor-{user.id}", auth_method="token")
        db.session.commit()
    new_key = Fernet.generate_key().decode()
    app.config["TOKEN_KEYS"] = f"{new_key},{old_key}"
    app.extensions.pop("evosync_vault", None)

    # Interrupt the first run after two batches of one row.
    import evosync.connections.service as service

    real_commit = db.session.commit
    calls = {"n": 0}

    def flaky_commit():
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        real_commit()

    monkeypatch.setattr(service.db.session, "commit", flaky_commit)
    try:
        service.rotate_token_keys(batch_size=1)
    except KeyboardInterrupt:
        db.session.rollback()
    monkeypatch.undo()

    result = runner.invoke(args=["tokens", "rotate"])
    assert result.exit_code == 0, result.output
    new_only = TokenVault(new_key)
    with app.app_context():
        rows = db.session.scalars(select(Connection)).all()
        assert len(rows) == 5
        assert sorted(new_only.decrypt(r.access_token_enc) for r in rows) == sorted(
            f"canary-evotor-{u.id}" for u in users
        )


def test_rotate_with_bad_keys_fails_cleanly(app, runner, db):
    app.config["TOKEN_KEYS"] = "not-a-fernet-key"
    app.extensions.pop("evosync_vault", None)
    result = runner.invoke(args=["tokens", "rotate"])
    assert result.exit_code == 1
    assert "not a Fernet key" in result.output


def test_expiring_vk_token_is_refreshed_once_by_concurrent_callers(app, db, user, sandbox):
    connection_id, pair = _vk_connection(app, db, user, sandbox, expires_in=60)
    results, errors = [], []

    def worker():
        try:
            with app.app_context():
                connection = db.session.get(Connection, connection_id)
                results.append(access_token(connection))
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sandbox.refresh_requests() == 1
    assert len(set(results)) == 1 and results[0] != pair["access_token"]
    # The new token works at VK.
    assert "response" in sandbox.vk("users.get", results[0])


def test_refused_refresh_marks_the_connection_broken(app, db, user, sandbox):
    connection_id, pair = _vk_connection(app, db, user, sandbox, expires_in=60)
    sandbox.revoke(token=pair["refresh_token"])
    with app.app_context():
        connection = db.session.get(Connection, connection_id)
        try:
            access_token(connection)
        except Exception as exc:
            assert "подключите ВКонтакте заново" in str(exc)
        else:
            raise AssertionError("a revoked refresh token must not yield an access token")
        connection = db.session.get(Connection, connection_id)
        assert connection.status == "error"


def test_rotation_never_writes_old_tokens_over_a_refresh_made_meanwhile(app, db, user, runner, monkeypatch):
    with app.app_context():
        connection_id = save_tokens(user.id, "vk", "old-access", refresh_token="old-refresh").id
        db.session.commit()
    new_key = Fernet.generate_key().decode()
    app.config["TOKEN_KEYS"] = f"{new_key},{app.config['TOKEN_KEYS']}"
    app.extensions.pop("evosync_vault", None)

    def refresh_elsewhere():
        """Another process refreshes the tokens (and commits) while the rotation holds the old row."""
        with app.app_context():
            connection = db.session.get(Connection, connection_id)
            box = vault()  # what a token refresh in another process writes
            connection.access_token_enc = box.encrypt("new-access")
            connection.refresh_token_enc = box.encrypt("new-refresh")
            connection.token_version += 1
            db.session.commit()
            db.session.remove()

    real_rotate = TokenVault.rotate
    refreshed = []

    def rotate_while_refreshing(self, ciphertext):
        if not refreshed:
            refreshed.append(True)
            worker = threading.Thread(target=refresh_elsewhere)
            worker.start()
            worker.join(30)
        return real_rotate(self, ciphertext)

    monkeypatch.setattr(TokenVault, "rotate", rotate_while_refreshing)
    result = runner.invoke(args=["tokens", "rotate"])
    assert result.exit_code == 0, result.output
    assert refreshed
    new_only = TokenVault(new_key)
    with app.app_context():
        row = db.session.get(Connection, connection_id)
        assert new_only.decrypt(row.access_token_enc) == "new-access"
        assert new_only.decrypt(row.refresh_token_enc) == "new-refresh"
    # A rerun has nothing left to do: the refresh already used the new key.
    again = runner.invoke(args=["tokens", "rotate"])
    assert "re-encrypted 0" in again.output

"""`flask connections check`: verdicts per connection, transient failures, isolation between users."""

from __future__ import annotations

from sqlalchemy import select

from evosync.connections.models import Connection
from tests.factories import connect_accounts


def _connect(app, db, user, sandbox, group_id=None):
    return connect_accounts(app, user.id, sandbox, group_id=group_id)


def _status(db, user_id, provider):
    row = db.session.scalar(
        select(Connection).where(Connection.user_id == user_id, Connection.provider == provider)
    )
    db.session.refresh(row)
    return row


def test_check_all_prints_a_line_per_connection(app, db, make_user, runner, sandbox):
    users = [make_user() for _ in range(3)]
    for user in users:
        _connect(app, db, user, sandbox)
    sandbox.revoke(user_id=sandbox.vk_user_id)  # every demo VK token dies
    result = runner.invoke(args=["connections", "check"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("user ")]
    assert len(lines) == 6
    for user in users:
        assert _status(db, user.id, "evotor").status == "ok"
        vk = _status(db, user.id, "vk")
        assert vk.status == "error" and vk.reason_code == "token_revoked"


def test_market_off_and_transient_failures(app, db, user, runner, sandbox):
    _connect(app, db, user, sandbox)
    sandbox.set_market(False)
    runner.invoke(args=["connections", "check", "--user", user.email])
    assert _status(db, user.id, "vk").reason_code == "market_off"
    sandbox.set_market(True)

    sandbox.fault("http_error", status=503, service="evotor")
    for expected in ("warning", "warning", "error"):
        runner.invoke(args=["connections", "check", "--user", str(user.id)])
        row = _status(db, user.id, "evotor")
        assert row.status == expected and row.reason_code == "unavailable"
    sandbox.clear_faults()
    runner.invoke(args=["connections", "check", "--user", str(user.id)])
    row = _status(db, user.id, "evotor")
    assert row.status == "ok" and row.consecutive_failures == 0


def test_unknown_user_exits_1(runner, db):
    result = runner.invoke(args=["connections", "check", "--user", "nobody@example.ru"])
    assert result.exit_code == 1

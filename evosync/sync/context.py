"""Per-run context shared by the applier steps: the VK client (with the error-5 policy), commits under the
lease, the master-switch check, progress and the run's counters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import select

from evosync.config import fetch_options
from evosync.connections.errors import ConnectionBroken
from evosync.connections.models import Connection
from evosync.connections.tokens import access_token, mark_broken
from evosync.extensions import db
from evosync.sync import lease as leases
from evosync.sync.models import SyncConfig
from evosync.sync.models_runs import SyncRun
from evosync.vk.batch import CallResult
from evosync.vk.client import VkClient
from evosync.vk.errors import TokenInvalid
from evosync.vk.retry import RetryPolicy

T = TypeVar("T")
BROKEN_VK_RU = "Доступ к ВКонтакте отозван или истёк — подключите ВКонтакте заново на странице «Подключения»."


def vk_client(connection: Connection, token: str | None = None) -> VkClient:
    """The run's VK client: config URL/version/rate, retry backoff base from ``VK_RETRY_BASE`` (tests)."""
    config = current_app.config
    policy = RetryPolicy(base=float(config.get("VK_RETRY_BASE", 1.0)))
    return VkClient(
        token or access_token(connection),
        config["VK_API_URL"],
        version=config["VK_API_VERSION"],
        rps=int(config["VK_RPS"]),
        retry_policy=policy,
        **fetch_options(config, "vk"),
    )


class SyncStopped(Exception):
    """The merchant switched the sync off while it ran: stop at the batch boundary."""


class TokenBroken(Exception):
    """VK rejected the token again right after a refresh (error 5 twice): the connection is broken."""


@dataclass
class RunContext:
    """What every step of one run needs."""

    user_id: int
    group_id: int  # positive community id
    connection: Connection
    client: VkClient
    run: SyncRun
    lease: leases.Lease | None
    progress_cb: Callable[[str, int | None], None] | None = None
    refreshed: bool = False
    spent: int = 0  # requests of clients replaced after a token refresh
    check_switch: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def owner_id(self) -> int:
        """VK ``owner_id`` of the community (negative)."""
        return -abs(self.group_id)

    @property
    def requests(self) -> int:
        """VK requests this run sent (API calls + upload POSTs)."""
        return self.spent + self.client.requests_sent

    def vk(self, fn: Callable[[VkClient], T]) -> T:
        """Run ``fn(client)``; on error 5 refresh the token once and retry, then give up (SPEC §8)."""
        try:
            return fn(self.client)
        except TokenInvalid:
            if self.refreshed:
                self._broken()
            self.refreshed = True
            try:
                token = access_token(self.connection, force_refresh=True)
            except ConnectionBroken:
                raise TokenBroken(BROKEN_VK_RU) from None
            self.spent += self.client.requests_sent
            self.client = vk_client(self.connection, token=token)
            try:
                return fn(self.client)
            except TokenInvalid:
                self._broken()
                raise  # pragma: no cover - _broken raises

    def _broken(self) -> None:
        mark_broken(self.connection, "token_revoked", BROKEN_VK_RU)
        db.session.commit()
        raise TokenBroken(BROKEN_VK_RU)

    def execute(self, calls: list[tuple[str, dict]]) -> list[CallResult]:
        """One ``execute`` request (≤ 25 calls) under the error-5 policy."""
        return self.vk(lambda c: c.execute_many(calls))

    def commit(self) -> None:
        """Commit the work so far, but only while we still hold the lease (fencing)."""
        self.run.vk_calls = self.requests
        if self.lease is not None:
            leases.renew(self.lease, self.run.id)
        db.session.commit()

    def checkpoint(self, text: str, percent: int | None = None) -> None:
        """Batch boundary: record progress, commit, and stop if the switch was turned off."""
        self.run.progress_text = text[:255]
        self.run.progress_percent = percent
        self.commit()
        if self.progress_cb is not None:
            self.progress_cb(text, percent)
        if self.check_switch:
            enabled = db.session.scalar(
                select(SyncConfig.is_enabled).where(SyncConfig.user_id == self.user_id)
            )
            if not enabled:
                raise SyncStopped("sync switched off")

"""Per-run context shared by the applier steps: the VK client (with the error-5 policy), commits under the
lease, the master-switch check, progress and the run's counters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select

from evosync.connections.clients import RefreshingVk
from evosync.connections.errors import ConnectionBroken
from evosync.connections.models import Connection
from evosync.connections.tokens import mark_broken
from evosync.extensions import db
from evosync.rules.models import SyncConfig
from evosync.sync.engine import lease as leases
from evosync.sync.runs.models import SyncRun
from evosync.vk.batch import CallResult
from evosync.vk.client import VkClient
from evosync.vk.errors import TokenInvalid

T = TypeVar("T")
BROKEN_VK_RU = "Доступ к ВКонтакте отозван или истёк — подключите ВКонтакте заново на странице «Подключения»."


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
    vk_session: RefreshingVk
    run: SyncRun
    lease: leases.Lease | None
    progress_cb: Callable[[str, int | None], None] | None = None
    check_switch: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def owner_id(self) -> int:
        """VK ``owner_id`` of the community (negative)."""
        return -abs(self.group_id)

    @property
    def client(self) -> VkClient:
        """The run's current VK client (replaced once after a token refresh)."""
        return self.vk_session.client

    @property
    def requests(self) -> int:
        """VK requests this run sent (API calls + upload POSTs)."""
        return self.vk_session.requests

    def vk(self, fn: Callable[[VkClient], T]) -> T:
        """Run ``fn(client)`` with the error-5 policy (docs/sync.md, «Errors»): one token refresh, then the
        connection is marked broken and the run stops."""
        try:
            return self.vk_session.call(fn)
        except ConnectionBroken:
            raise TokenBroken(BROKEN_VK_RU) from None
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

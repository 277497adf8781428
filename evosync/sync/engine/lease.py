"""The per-user sync lease (docs/sync.md, «One run per user»): one row per user, claimed by a conditional UPDATE.

Works the same on SQLite and PostgreSQL: the UPDATE only succeeds when the lease is free, expired, or held
by a process on this host that no longer exists (a SIGKILLed cron run need not wait for the TTL). Each claim
bumps ``fencing``; the holder checks owner + fencing in the same transaction as every commit it makes.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from evosync.db import as_utc, dialect_insert, utcnow
from evosync.extensions import db
from evosync.sync.engine.models import SyncLease
from evosync.sync.runs.models import SyncRun

DEFAULT_LEASE_SECONDS = 120  # a killed process's lease expires within 5 minutes
ABANDONED_RU = "Синхронизация прервалась: процесс, который её выполнял, остановился. Она продолжится при следующем запуске."


class LeaseLost(Exception):
    """Our lease expired and another process took it: stop without writing anything more."""


@dataclass
class Lease:
    """A lease we hold."""

    user_id: int
    owner: str
    fencing: int
    ttl: int


def host_name() -> str:
    """This worker's host name: config ``SYNC_HOST_NAME`` (several cron hosts, or tests), else the OS's."""
    return (current_app.config.get("SYNC_HOST_NAME") or socket.gethostname())[:255]


def lease_seconds() -> int:
    """Lease length from config ``SYNC_LEASE_SECONDS``."""
    return int(current_app.config.get("SYNC_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _ensure_row(user_id: int) -> None:
    stmt = dialect_insert(db.session, SyncLease.__table__).values(user_id=user_id, fencing=0)
    db.session.execute(stmt.on_conflict_do_nothing())


def claim(user_id: int) -> Lease | None:
    """Take the user's lease (committing), or return None when another live process holds it."""
    ttl = lease_seconds()
    host, pid = host_name(), os.getpid()
    _ensure_row(user_id)
    db.session.commit()
    current = db.session.scalar(select(SyncLease).where(SyncLease.user_id == user_id))
    dead_owner = None
    if current is not None and current.owner and current.host == host and not _pid_alive(current.pid):
        dead_owner = current.owner
    db.session.expire_all()
    now = utcnow()
    owner = f"{host}:{pid}:{uuid.uuid4().hex[:12]}"
    free = or_(SyncLease.owner.is_(None), SyncLease.expires_at < now)
    if dead_owner is not None:
        free = or_(free, SyncLease.owner == dead_owner)
    result = db.session.execute(
        update(SyncLease)
        .where(SyncLease.user_id == user_id, free)
        .values(
            owner=owner,
            host=host[:255],
            pid=pid,
            fencing=SyncLease.fencing + 1,
            expires_at=now + timedelta(seconds=ttl),
            run_id=None,
        )
    )
    if result.rowcount != 1:
        db.session.rollback()
        return None
    fencing = db.session.scalar(select(SyncLease.fencing).where(SyncLease.user_id == user_id))
    # Whoever held the lease before us is gone: its run can no longer finish.
    db.session.execute(
        update(SyncRun)
        .where(SyncRun.user_id == user_id, SyncRun.status == "running")
        .values(status="failed", message=ABANDONED_RU, finished_at=now)
    )
    db.session.commit()
    return Lease(user_id, owner, int(fencing or 0), ttl)


def renew(lease: Lease, run_id: int | None = None) -> None:
    """Extend the lease inside the current transaction; LeaseLost when it is no longer ours."""
    values = {"expires_at": utcnow() + timedelta(seconds=lease.ttl)}
    if run_id is not None:
        values["run_id"] = run_id
    result = db.session.execute(
        update(SyncLease)
        .where(
            SyncLease.user_id == lease.user_id,
            SyncLease.owner == lease.owner,
            SyncLease.fencing == lease.fencing,
        )
        .values(**values)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise LeaseLost(f"sync lease of user {lease.user_id} was taken over")


def release(lease: Lease) -> None:
    """Give the lease back (committing) if we still hold it."""
    db.session.execute(
        update(SyncLease)
        .where(SyncLease.user_id == lease.user_id, SyncLease.owner == lease.owner)
        .values(owner=None, expires_at=None, pid=None)
    )
    db.session.commit()


def holder(user_id: int) -> SyncLease | None:
    """The lease row if someone holds it now (for the UI)."""
    row = db.session.get(SyncLease, user_id)
    if row is None or row.owner is None or as_utc(row.expires_at) is None:
        return None
    return row if as_utc(row.expires_at) > utcnow() else None

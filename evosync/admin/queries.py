"""What the operator's user list shows: health, last run, failures and queue state for every user."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from evosync.auth.models import User
from evosync.connections.models import Connection
from evosync.extensions import db
from evosync.jobs.models import Job
from evosync.sync.runs.models import SyncRun
from evosync.tasks.queue import huey

RECENT_RUNS = 10


@dataclass
class UserRow:
    """One line of /admin."""

    user: User
    connections: dict[str, Connection] = field(default_factory=dict)
    last_run: SyncRun | None = None
    failed_in_a_row: int = 0
    running: bool = False


def _recent_runs(user_ids: list[int]) -> dict[int, list[SyncRun]]:
    ranked = (
        select(
            SyncRun.id,
            func.row_number().over(partition_by=SyncRun.user_id, order_by=SyncRun.id.desc()).label("n"),
        )
        .where(SyncRun.user_id.in_(user_ids))
        .subquery()
    )
    runs = db.session.scalars(
        select(SyncRun)
        .join(ranked, ranked.c.id == SyncRun.id)
        .where(ranked.c.n <= RECENT_RUNS)
        .order_by(SyncRun.id.desc())
    )
    out: dict[int, list[SyncRun]] = {}
    for run in runs:
        out.setdefault(run.user_id, []).append(run)
    return out


def _failed_in_a_row(runs: list[SyncRun]) -> int:
    count = 0
    for run in runs:
        if run.status in ("running", "skipped"):
            continue
        if run.status != "failed":
            break
        count += 1
    return count


def user_rows() -> list[UserRow]:
    """Every user with their connections, last run, failed runs in a row and whether a job is running now."""
    users = list(db.session.scalars(select(User).order_by(User.id)))
    ids = [u.id for u in users]
    rows = {u.id: UserRow(u) for u in users}
    for connection in db.session.scalars(select(Connection).where(Connection.user_id.in_(ids))):
        rows[connection.user_id].connections[connection.provider] = connection
    for user_id, runs in _recent_runs(ids).items():
        rows[user_id].last_run = runs[0]
        rows[user_id].failed_in_a_row = _failed_in_a_row(runs)
        rows[user_id].running = runs[0].status == "running"
    for user_id in db.session.scalars(
        select(Job.user_id).where(Job.status == "running", Job.user_id.in_(ids))
    ):
        rows[user_id].running = True
    return list(rows.values())


def queue_pending() -> int | None:
    """Tasks waiting in the queue (mail, scheduled work), or None when the queue storage cannot say."""
    try:
        return huey.pending_count()
    except Exception:  # an unreachable queue must not take the operator's page down with it
        return None

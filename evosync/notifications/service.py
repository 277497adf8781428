"""``notify(user_id, kind, **context)``: one mail per problem per day, if the user has that kind switched on.

Kinds and their mails are in ``KINDS``; ``about`` in the context names the problem for the dedup (the
provider and reason of a broken connection), so a different problem still gets its own mail. Flush only:
the dedup row commits with the caller's transaction and the mail is delivered by the queue.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from evosync.auth.models import User
from evosync.db import utcnow
from evosync.extensions import db
from evosync.mail.service import link, queue_mail
from evosync.notifications.models import NotificationSent, NotificationSwitch

log = logging.getLogger(__name__)

DEDUP = timedelta(hours=24)

# kind → what /account shows next to its switch.
KINDS = {
    "connection_broken": "Подключение к Эвотору или ВКонтакте перестало работать",
    "captcha": "Синхронизация остановилась: ВКонтакте просит капчу",
    "runs_failed": "Синхронизация не удалась три раза подряд",
    "connection_recovered": "Подключение снова работает",
}


def is_enabled(user_id: int, kind: str) -> bool:
    """Whether ``user_id`` wants mail of ``kind`` (on unless switched off)."""
    enabled = db.session.scalar(
        select(NotificationSwitch.enabled).where(
            NotificationSwitch.user_id == user_id, NotificationSwitch.kind == kind
        )
    )
    return enabled is not False


def switches(user_id: int) -> dict[str, bool]:
    """Every kind with its state for ``user_id``."""
    rows = dict(
        db.session.execute(
            select(NotificationSwitch.kind, NotificationSwitch.enabled).where(
                NotificationSwitch.user_id == user_id
            )
        ).all()
    )
    return {kind: rows.get(kind, True) for kind in KINDS}


def set_switches(user_id: int, enabled: set[str]) -> None:
    """Store the switches: kinds in ``enabled`` on, the others off (flush only)."""
    existing = {
        row.kind: row
        for row in db.session.scalars(select(NotificationSwitch).where(NotificationSwitch.user_id == user_id))
    }
    for kind in KINDS:
        row = existing.get(kind) or NotificationSwitch(user_id=user_id, kind=kind)
        row.enabled = kind in enabled
        db.session.add(row)
    db.session.flush()


def _claim(user_id: int, kind: str, subject_key: str) -> bool:
    """Take the right to mail this problem now; False when it was mailed within the last 24 hours."""
    now = utcnow()
    renewed = db.session.execute(
        update(NotificationSent)
        .where(
            NotificationSent.user_id == user_id,
            NotificationSent.kind == kind,
            NotificationSent.subject_key == subject_key,
            NotificationSent.sent_at < now - DEDUP,
        )
        .values(sent_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if renewed:
        return True
    try:
        with db.session.begin_nested():
            db.session.add(NotificationSent(user_id=user_id, kind=kind, subject_key=subject_key, sent_at=now))
    except IntegrityError:  # mailed recently (or by a concurrent worker right now)
        return False
    return True


def notify(user_id: int, kind: str, **context) -> bool:
    """Mail ``kind`` to the user unless switched off or already mailed within 24 h; True when queued."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    user = db.session.get(User, user_id)
    if user is None or user.suspended_at is not None or not is_enabled(user_id, kind):
        return False
    if not _claim(user_id, kind, str(context.get("about", ""))[:128]):
        return False
    queue_mail(user.email, f"notify_{kind}", account_url=link("account.account"), **context)
    log.info("notification %s queued for user %s", kind, user_id)
    return True
